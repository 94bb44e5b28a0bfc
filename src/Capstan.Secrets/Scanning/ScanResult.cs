namespace Capstan.Secrets.Scanning;

/// <summary>What a scan found, in a deterministic order.</summary>
public sealed record ScanResult
{
    /// <summary>The findings not allowed by the allowlist, ordered by path (ordinal), line, column and rule.</summary>
    public required IReadOnlyList<ScanFinding> Findings { get; init; }

    /// <summary>How many files were read and checked.</summary>
    public required int FilesScanned { get; init; }

    /// <summary>How many paths were passed over; <see cref="Skipped"/> lists them.</summary>
    public int FilesSkipped => Skipped.Count;

    /// <summary>
    /// The paths passed over, ordered by path: binary and too-large files, symbolic links, and what <c>.gitignore</c>
    /// excludes (an excluded folder is one entry, ending in '/': its contents are not walked).
    /// </summary>
    public required IReadOnlyList<SkippedPath> Skipped { get; init; }

    /// <summary>How many findings the allowlist allowed (they are not in <see cref="Findings"/>).</summary>
    public required int FindingsAllowed { get; init; }

    /// <summary>The allowlist that was applied (a full path), or null when there was none.</summary>
    public required string? AllowlistFile { get; init; }

    /// <summary>
    /// What could not be done, each as <c>path: message</c> or <c>path:line: message</c>: malformed allowlist entries
    /// first, in line order; then unreadable files and folders and a rule that gave up on pathological text, by path.
    /// A scan with problems may have missed secrets.
    /// </summary>
    public required IReadOnlyList<string> Problems { get; init; }
}

/// <summary>A path the scan did not read, and why.</summary>
public sealed record SkippedPath
{
    /// <summary>Relative to the scanned root, '/'-separated; a folder ends in '/'.</summary>
    public required string Path { get; init; }

    public required SkipReason Reason { get; init; }
}

/// <summary>Why a path was not scanned.</summary>
public enum SkipReason
{
    /// <summary>Excluded by <c>.gitignore</c> or <c>.git/info/exclude</c>.</summary>
    Ignored,

    /// <summary>A NUL byte in its first 8 KiB.</summary>
    Binary,

    /// <summary>Larger than <see cref="ScanOptions.MaxFileBytes"/>.</summary>
    TooLarge,

    /// <summary>A symbolic link: never followed, so nothing outside the root is read (what it points to inside the root is scanned there).</summary>
    SymbolicLink,
}
