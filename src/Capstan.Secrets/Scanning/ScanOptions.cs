namespace Capstan.Secrets.Scanning;

/// <summary>What <see cref="SecretScanner.ScanAsync"/> scans and how.</summary>
public sealed record ScanOptions
{
    /// <summary>5 MiB: larger files are skipped (they are data, not configuration).</summary>
    public const long DefaultMaxFileBytes = 5 * 1024 * 1024;

    /// <summary>The folder to scan; reported paths are relative to it.</summary>
    public required string Root { get; init; }

    /// <summary>
    /// The allowlist to apply (absolute, or relative to <see cref="Root"/>); it must exist. When null,
    /// <see cref="SecretScanner.DefaultAllowlistFileName"/> at the root is used if it exists.
    /// </summary>
    public string? AllowlistFile { get; init; }

    /// <summary>Files larger than this many bytes are skipped and counted in <see cref="ScanResult.Skipped"/>.</summary>
    public long MaxFileBytes { get; init; } = DefaultMaxFileBytes;

    /// <summary>When true (the default), what <c>.gitignore</c> files and <c>.git/info/exclude</c> exclude is not scanned.</summary>
    public bool UseGitignore { get; init; } = true;
}
