namespace Capstan.Secrets.Scanning;

/// <summary>One kind of secret the scanner looks for; <see cref="ScanRules.All"/> lists them.</summary>
public sealed class ScanRule
{
    private readonly Detector _detect;

    internal ScanRule(string id, string description, Detector detect, bool yieldsToOtherRules = false)
    {
        Id = id;
        Description = description;
        _detect = detect;
        YieldsToOtherRules = yieldsToOtherRules;
    }

    /// <summary>A stable id (<c>aws-access-key</c>) for findings, allowlist entries and docs/scanning.md.</summary>
    public string Id { get; }

    /// <summary>What the rule looks for, in words.</summary>
    public string Description { get; }

    /// <summary>
    /// A broad rule (passwords in URLs and connection strings, high entropy): its match is dropped where a rule listed
    /// before it matched the same text, so a GitHub token in <c>GITHUB_TOKEN=…</c> or in
    /// <c>https://x:TOKEN@github.com</c> is reported once, as a GitHub token.
    /// </summary>
    internal bool YieldsToOtherRules { get; }

    internal void Detect(string path, string text, List<RuleHit> hits) => _detect(path, text, hits);

    public override string ToString() => Id;
}

/// <summary>Finds a rule's matches in a file's text; <paramref name="path"/> is relative, '/'-separated.</summary>
internal delegate void Detector(string path, string text, List<RuleHit> hits);

/// <summary>Where a rule matched: the match starts at <see cref="Start"/> (its column is reported).</summary>
internal readonly record struct RuleHit(int Start, int Length)
{
    public int End => Start + Length;

    public bool Overlaps(RuleHit other) => Start < other.End && other.Start < End;
}
