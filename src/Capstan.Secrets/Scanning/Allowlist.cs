using System.Globalization;
using System.Text;

namespace Capstan.Secrets.Scanning;

/// <summary>
/// Findings a repository accepts, one entry a line: a path glob (relative to the scanned root, git's glob syntax:
/// <c>*</c>, <c>?</c>, <c>**</c>, <c>[a-z]</c>, <c>\</c> escapes), optionally followed by <c>:LINE</c> and/or
/// <c>:RULE</c>. A finding's fingerprint (<c>path:line:rule</c>) is such an entry. A glob that matches a folder covers
/// everything in it. <c>#</c> starts a comment line; blank lines are skipped; every malformed entry is a problem
/// naming its line, never silently ignored.
/// </summary>
internal sealed class Allowlist
{
    private readonly List<Entry> _entries;

    private Allowlist(List<Entry> entries)
    {
        _entries = entries;
    }

    public static Allowlist Empty { get; } = new([]);

    /// <summary>Parses an allowlist; each malformed line adds <c>{source}:{line}: {message}</c> to <paramref name="problems"/>.</summary>
    public static Allowlist Parse(string text, string source, ICollection<string> problems)
    {
        var entries = new List<Entry>();
        var lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var line = rawLine.Trim();
            if (lineNumber == 1)
            {
                line = line.TrimStart('\uFEFF');
            }

            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (ParseEntry(line, out var error) is { } entry)
            {
                entries.Add(entry);
            }
            else
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{source}:{lineNumber}: {error}"));
            }
        }

        return new Allowlist(entries);
    }

    /// <summary>True when an entry covers a finding at <paramref name="path"/> (relative, '/'-separated).</summary>
    public bool Allows(string path, int line, string rule)
    {
        if (_entries.Count == 0)
        {
            return false;
        }

        var bytes = Encoding.UTF8.GetBytes(path);
        foreach (var entry in _entries)
        {
            if ((entry.Line is null || entry.Line == line)
                && (entry.Rule is null || string.Equals(entry.Rule, rule, StringComparison.Ordinal))
                && entry.Covers(bytes))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A path written so that an entry matches exactly it: backslash before ':', '\', '*', '?', '[', ']' and a leading '#' or '!'.</summary>
    public static string EscapePath(string path)
    {
        var escaped = new StringBuilder(path.Length + 8);
        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            if (c is ':' or '\\' or '*' or '?' or '[' or ']' || (i == 0 && c is '#' or '!'))
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }

    private static Entry? ParseEntry(string line, out string? error)
    {
        error = null;
        var parts = SplitUnescaped(line);
        var glob = parts[0];
        if (glob.StartsWith('!'))
        {
            return Fail(out error, $"'{line}': negation ('!') is not supported; list what to allow instead, or write \\! for a path that starts with '!'");
        }

        glob = glob.StartsWith("./", StringComparison.Ordinal) ? glob[2..] : glob.TrimStart('/');
        if (glob.Length == 0)
        {
            return Fail(out error, $"'{line}' has no path glob; write '**:RULE' to allow a rule everywhere");
        }

        if (GlobError(glob) is { } globError)
        {
            return Fail(out error, $"'{line}': {globError}");
        }

        int? lineFilter = null;
        string? rule = null;
        if (parts.Count > 3)
        {
            return Fail(out error, $"'{line}' has too many ':' parts; the form is GLOB[:LINE][:RULE] (write \\: for a ':' in a path)");
        }

        foreach (var part in parts.Skip(1))
        {
            if (part.Length > 0 && part.All(char.IsAsciiDigit))
            {
                if (lineFilter is not null)
                {
                    return Fail(out error, $"'{line}' has two line numbers; the form is GLOB[:LINE][:RULE]");
                }

                if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
                {
                    return Fail(out error, $"'{line}': '{part}' is not a line number (lines start at 1)");
                }

                lineFilter = number;
            }
            else if (ScanRules.Find(part) is not null)
            {
                if (rule is not null)
                {
                    return Fail(out error, $"'{line}' has two rules; write one entry per rule");
                }

                rule = part;
            }
            else
            {
                return Fail(out error, $"'{line}': '{part}' is neither a line number nor a rule; rules: {string.Join(", ", ScanRules.All.Select(r => r.Id))}");
            }
        }

        return new Entry(Encoding.UTF8.GetBytes(glob), lineFilter, rule);
    }

    private static Entry? Fail(out string? error, string message)
    {
        error = message;
        return null;
    }

    // Splits at ':' not preceded by a backslash; the escapes stay in the glob, where wildmatch reads "\:" as ':'.
    private static List<string> SplitUnescaped(string line)
    {
        var parts = new List<string>();
        var start = 0;
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] == '\\')
            {
                i++;
            }
            else if (line[i] == ':')
            {
                parts.Add(line[start..i].Trim());
                start = i + 1;
            }
        }

        parts.Add(line[start..].Trim());
        return parts;
    }

    // The mistakes that would make wildmatch match nothing, instead of silently allowing nothing.
    private static string? GlobError(string glob)
    {
        for (var i = 0; i < glob.Length; i++)
        {
            if (glob[i] == '\\')
            {
                if (i + 1 == glob.Length)
                {
                    return "it ends in a lone '\\'";
                }

                i++;
            }
            else if (glob[i] == '[')
            {
                var end = ClassEnd(glob, i);
                if (end < 0)
                {
                    return "a '[' has no closing ']'";
                }

                i = end;
            }
        }

        return null;
    }

    private static int ClassEnd(string glob, int open)
    {
        var i = open + 1;
        if (i < glob.Length && glob[i] is '!' or '^')
        {
            i++;
        }

        // A ']' right after the opening is a member, not the end.
        if (i < glob.Length && glob[i] == ']')
        {
            i++;
        }

        for (; i < glob.Length; i++)
        {
            if (glob[i] == '\\')
            {
                i++;
            }
            else if (glob[i] == '[' && i + 1 < glob.Length && glob[i + 1] == ':')
            {
                var close = glob.IndexOf(":]", i + 2, StringComparison.Ordinal);
                if (close < 0)
                {
                    return -1;
                }

                i = close + 1;
            }
            else if (glob[i] == ']')
            {
                return i;
            }
        }

        return -1;
    }

    private sealed record Entry(byte[] Glob, int? Line, string? Rule)
    {
        // The glob matches the path, or a folder the path is in.
        public bool Covers(byte[] path)
        {
            if (Wildmatch.IsMatch(Glob, path, pathname: true))
            {
                return true;
            }

            for (var i = path.Length - 1; i > 0; i--)
            {
                if (path[i] == '/' && Wildmatch.IsMatch(Glob, path.AsSpan(0, i), pathname: true))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
