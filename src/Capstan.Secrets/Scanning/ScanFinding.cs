using System.Globalization;

namespace Capstan.Secrets.Scanning;

/// <summary>
/// A secret found in a file. It says where and which rule matched, never what matched: no property, and no text made
/// from it, holds the secret.
/// </summary>
public sealed record ScanFinding
{
    /// <summary>The file, relative to the scanned root, with '/' separators.</summary>
    public required string Path { get; init; }

    /// <summary>1-based line.</summary>
    public required int Line { get; init; }

    /// <summary>1-based column (in UTF-16 characters) where the match starts, for editors and tools.</summary>
    public required int Column { get; init; }

    /// <summary>The rule's stable id, e.g. <c>aws-access-key</c>; <see cref="ScanRules.All"/> lists them.</summary>
    public required string Rule { get; init; }

    /// <summary>What the rule looks for, in words.</summary>
    public required string Description { get; init; }

    /// <summary>
    /// <c>path:line:rule</c>, with ':', glob characters and backslashes in the path escaped by a backslash: an allowlist
    /// entry that allows exactly this finding. Two matches of one rule on one line share it.
    /// </summary>
    public string Fingerprint => Allowlist.EscapePath(Path) + ":" + Line.ToString(CultureInfo.InvariantCulture) + ":" + Rule;

    /// <summary><c>path:line: rule</c>, the form the scanner prints.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Path}:{Line}: {Rule}");
}
