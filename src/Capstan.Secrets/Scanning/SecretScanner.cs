using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Capstan.Secrets.Scanning;

/// <summary>
/// Finds secrets committed to a repository (<c>capstan secret scan</c>, the pipeline's security-scan stage): walks
/// the files git would track, applies <see cref="ScanRules.All"/>, and reports where each secret is without ever
/// repeating it. docs/scanning.md describes the rules, the allowlist and the exit codes.
/// </summary>
public static class SecretScanner
{
    /// <summary>The allowlist read from the scanned root when <see cref="ScanOptions.AllowlistFile"/> is not given.</summary>
    public const string DefaultAllowlistFileName = ".secretsallow";

    /// <summary>How much of a file is looked at for a NUL byte, the sign of a binary file.</summary>
    internal const int BinaryProbeBytes = 8 * 1024;

    // Invalid bytes become U+FFFD instead of failing: a stray Latin-1 byte must not stop a scan.
    private static readonly UTF8Encoding LenientUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>Scans <see cref="ScanOptions.Root"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">The root does not exist.</exception>
    /// <exception cref="FileNotFoundException">An allowlist was named and does not exist.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static async Task<ScanResult> ScanAsync(ScanOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.Root));
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"cannot scan '{options.Root}': there is no such folder");
        }

        var allowlistProblems = new List<string>();
        var (allowlist, allowlistFile) = await LoadAllowlistAsync(root, options.AllowlistFile, allowlistProblems, cancellationToken).ConfigureAwait(false);
        var problems = new ConcurrentBag<string>();
        var walk = RepositoryWalker.Walk(root, options.UseGitignore, cancellationToken);
        foreach (var problem in walk.Problems)
        {
            problems.Add(problem);
        }

        var findings = new ConcurrentBag<ScanFinding>();
        var skipped = new ConcurrentBag<SkippedPath>(walk.Skipped);
        var scanned = 0;
        var parallel = new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount };
        await Parallel.ForEachAsync(walk.Files, parallel, async (file, token) =>
        {
            var outcome = await ScanFileAsync(file, options.MaxFileBytes, token).ConfigureAwait(false);
            foreach (var finding in outcome.Findings)
            {
                findings.Add(finding);
            }

            if (outcome.Skipped is { } reason)
            {
                skipped.Add(new SkippedPath { Path = file.RelativePath, Reason = reason });
            }
            else if (outcome.Problem is null)
            {
                Interlocked.Increment(ref scanned);
            }

            if (outcome.Problem is { } problem)
            {
                problems.Add(problem);
            }

            foreach (var ruleProblem in outcome.RuleProblems)
            {
                problems.Add(ruleProblem);
            }
        }).ConfigureAwait(false);

        var ordered = findings
            .OrderBy(f => f.Path, StringComparer.Ordinal)
            .ThenBy(f => f.Line)
            .ThenBy(f => f.Column)
            .ThenBy(f => f.Rule, StringComparer.Ordinal)
            .ToList();
        var kept = ordered.Where(f => !allowlist.Allows(f.Path, f.Line, f.Rule)).ToList();
        return new ScanResult
        {
            Findings = kept,
            FilesScanned = scanned,
            Skipped = [.. skipped.OrderBy(s => s.Path, StringComparer.Ordinal)],
            FindingsAllowed = ordered.Count - kept.Count,
            AllowlistFile = allowlistFile,
            Problems = [.. allowlistProblems, .. problems.Order(StringComparer.Ordinal)],
        };
    }

    /// <summary>Applies every rule to one text, as if it were the file at <paramref name="path"/>; for tests and tools.</summary>
    internal static IReadOnlyList<ScanFinding> ScanText(string path, string text, ICollection<string>? problems = null)
    {
        var ruleProblems = new List<string>();
        var findings = Detect(path, text, ruleProblems);
        foreach (var problem in ruleProblems)
        {
            problems?.Add(problem);
        }

        return [.. findings.OrderBy(f => f.Line).ThenBy(f => f.Column).ThenBy(f => f.Rule, StringComparer.Ordinal)];
    }

    private static async Task<(Allowlist Allowlist, string? File)> LoadAllowlistAsync(
        string root, string? named, List<string> problems, CancellationToken cancellationToken)
    {
        var file = Path.GetFullPath(named ?? DefaultAllowlistFileName, root);
        if (!File.Exists(file))
        {
            return named is null
                ? (Allowlist.Empty, null)
                : throw new FileNotFoundException($"the allowlist '{named}' does not exist", file);
        }

        var text = await File.ReadAllTextAsync(file, LenientUtf8, cancellationToken).ConfigureAwait(false);
        var relative = Path.GetRelativePath(root, file);
        var source = relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? file : relative.Replace('\\', '/');
        return (Allowlist.Parse(text, source, problems), file);
    }

    private static async Task<FileOutcome> ScanFileAsync(WalkedFile file, long maxBytes, CancellationToken cancellationToken)
    {
        if (file.Length > maxBytes)
        {
            return NameOnly(file, SkipReason.TooLarge, problem: null);
        }

        // Never opened: an empty file has nothing to find, and a FIFO or device (which also reports no length)
        // would block the read.
        if (file.Length == 0)
        {
            return NameOnly(file, skipped: null, problem: null);
        }

        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(file.FullPath, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return NameOnly(file, skipped: null, $"{file.RelativePath}: cannot read: {e.Message}");
        }

        if (bytes.Length > maxBytes)
        {
            return NameOnly(file, SkipReason.TooLarge, problem: null);
        }

        if (Decode(bytes) is not { } text)
        {
            return NameOnly(file, SkipReason.Binary, problem: null);
        }

        var ruleProblems = new List<string>();
        return new FileOutcome(Detect(file.RelativePath, text, ruleProblems), null, null, ruleProblems);
    }

    // A file whose content is not checked is still checked by name (a committed .env is a finding whatever it holds):
    // on an empty text only name rules can match.
    private static FileOutcome NameOnly(WalkedFile file, SkipReason? skipped, string? problem) =>
        new(Detect(file.RelativePath, string.Empty, []), skipped, problem, []);

    /// <summary>The text of a file, or null when it is binary (a NUL byte early on, and no UTF-16 byte order mark).</summary>
    internal static string? Decode(byte[] bytes)
    {
        if (bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            return Encoding.Unicode.GetString(bytes, 2, bytes.Length - 2);
        }

        if (bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            return Encoding.BigEndianUnicode.GetString(bytes, 2, bytes.Length - 2);
        }

        if (bytes.AsSpan(0, Math.Min(bytes.Length, BinaryProbeBytes)).Contains((byte)0))
        {
            return null;
        }

        var bom = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        return LenientUtf8.GetString(bytes, bom, bytes.Length - bom);
    }

    private static List<ScanFinding> Detect(string path, string text, List<string> problems)
    {
        var findings = new List<ScanFinding>();
        var earlier = new List<RuleHit>();
        var hits = new List<RuleHit>();
        LineMap? lines = null;
        foreach (var rule in ScanRules.All)
        {
            hits.Clear();
            try
            {
                rule.Detect(path, text, hits);
            }
            catch (RegexMatchTimeoutException)
            {
                problems.Add(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{path}: rule '{rule.Id}' gave up after {ScanRules.TimeoutMilliseconds / 1000} s on this file's text; the other rules checked it"));
            }

            foreach (var hit in hits)
            {
                if (rule.YieldsToOtherRules && earlier.Exists(e => e.Overlaps(hit)))
                {
                    continue;
                }

                lines ??= new LineMap(text);
                var (line, column) = lines.Locate(hit.Start);
                findings.Add(new ScanFinding { Path = path, Line = line, Column = column, Rule = rule.Id, Description = rule.Description });
            }

            earlier.AddRange(hits);
        }

        return findings;
    }

    private sealed record FileOutcome(List<ScanFinding> Findings, SkipReason? Skipped, string? Problem, List<string> RuleProblems);

    /// <summary>Turns an offset in a text into a 1-based line and column.</summary>
    private sealed class LineMap
    {
        private readonly List<int> _starts = [0];

        public LineMap(string text)
        {
            for (var i = text.IndexOf('\n'); i >= 0; i = text.IndexOf('\n', i + 1))
            {
                _starts.Add(i + 1);
            }
        }

        public (int Line, int Column) Locate(int offset)
        {
            var index = _starts.BinarySearch(offset);
            var line = index >= 0 ? index : ~index - 1;
            return (line + 1, offset - _starts[line] + 1);
        }
    }
}
