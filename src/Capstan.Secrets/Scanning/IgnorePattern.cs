using System.Text;

namespace Capstan.Secrets.Scanning;

/// <summary>
/// One line of a <c>.gitignore</c> file, parsed as git's <c>dir.c</c> does (<c>parse_path_pattern</c>), and matched as
/// its <c>match_basename</c>/<c>match_pathname</c> do.
/// </summary>
internal sealed class IgnorePattern
{
    private readonly byte[] _pattern;
    // The folder of the file the pattern came from, relative to the repository, with a trailing '/' (empty at the top).
    private readonly byte[] _base;
    private readonly int _literalPrefix;
    private readonly bool _basenameOnly;

    private IgnorePattern(byte[] pattern, string baseDirectory, bool negated, bool directoryOnly, bool basenameOnly, int literalPrefix)
    {
        _pattern = pattern;
        _base = Encoding.UTF8.GetBytes(baseDirectory);
        IsNegated = negated;
        IsDirectoryOnly = directoryOnly;
        _basenameOnly = basenameOnly;
        _literalPrefix = literalPrefix;
    }

    /// <summary>A "!" pattern: a match re-includes the path.</summary>
    public bool IsNegated { get; }

    /// <summary>A pattern ending in "/": it matches only folders.</summary>
    public bool IsDirectoryOnly { get; }

    /// <summary>Parses the lines of an ignore file; comments and blank lines give no pattern.</summary>
    public static List<IgnorePattern> ParseFile(ReadOnlySpan<byte> content, string baseDirectory)
    {
        var patterns = new List<IgnorePattern>();
        // A UTF-8 byte order mark is skipped, as git does.
        if (content.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            content = content[3..];
        }

        while (!content.IsEmpty)
        {
            var newline = content.IndexOf((byte)'\n');
            var line = newline < 0 ? content : content[..newline];
            content = newline < 0 ? default : content[(newline + 1)..];
            if (line.IsEmpty || line[0] == '#')
            {
                continue;
            }

            if (line[^1] == '\r')
            {
                line = line[..^1];
            }

            line = TrimTrailingSpaces(line);
            if (Parse(line, baseDirectory) is { } pattern)
            {
                patterns.Add(pattern);
            }
        }

        return patterns;
    }

    /// <summary>Parses one pattern (already without comments and trailing spaces); null when it can match nothing.</summary>
    public static IgnorePattern? Parse(ReadOnlySpan<byte> line, string baseDirectory)
    {
        var negated = false;
        if (!line.IsEmpty && line[0] == '!')
        {
            negated = true;
            line = line[1..];
        }

        var directoryOnly = false;
        if (!line.IsEmpty && line[^1] == '/')
        {
            directoryOnly = true;
            line = line[..^1];
        }

        if (line.IsEmpty)
        {
            // An empty pattern matches only an empty name, which no path has.
            return null;
        }

        var basenameOnly = !line.Contains((byte)'/');
        var literalPrefix = line.IndexOfAny("*?[\\"u8);
        return new IgnorePattern(
            line.ToArray(), baseDirectory, negated, directoryOnly, basenameOnly, literalPrefix < 0 ? line.Length : literalPrefix);
    }

    /// <summary>
    /// True when the pattern matches <paramref name="path"/> (UTF-8, relative to the repository, '/'-separated, no
    /// trailing '/'), which is a folder when <paramref name="isDirectory"/>.
    /// </summary>
    public bool Matches(ReadOnlySpan<byte> path, bool isDirectory)
    {
        if (IsDirectoryOnly && !isDirectory)
        {
            return false;
        }

        if (_basenameOnly)
        {
            var slash = path.LastIndexOf((byte)'/');
            return Wildmatch.IsMatch(_pattern, path[(slash + 1)..], pathname: false);
        }

        return MatchesPathname(path);
    }

    private bool MatchesPathname(ReadOnlySpan<byte> path)
    {
        ReadOnlySpan<byte> pattern = _pattern;
        var prefix = _literalPrefix;
        if (pattern[0] == '/')
        {
            pattern = pattern[1..];
            prefix--;
        }

        // The path must lie inside the folder of the ignore file; the pattern is matched against the rest.
        if (!path.StartsWith(_base))
        {
            return false;
        }

        path = path[_base.Length..];

        // git compares the literal prefix first and then globs only the rest, so "**" right after the prefix
        // (as in "foo**/bar") counts as the start of the pattern; doing the same keeps its exact behaviour.
        if (prefix > 0)
        {
            if (prefix > path.Length || !pattern[..prefix].SequenceEqual(path[..prefix]))
            {
                return false;
            }

            pattern = pattern[prefix..];
            path = path[prefix..];
            if (pattern.IsEmpty && path.IsEmpty)
            {
                return true;
            }
        }

        return Wildmatch.IsMatch(pattern, path, pathname: true);
    }

    // git's trim_trailing_spaces: unescaped trailing spaces (not tabs) go; "\ " keeps one.
    private static ReadOnlySpan<byte> TrimTrailingSpaces(ReadOnlySpan<byte> line)
    {
        var lastSpace = -1;
        for (var i = 0; i < line.Length; i++)
        {
            switch (line[i])
            {
                case (byte)' ':
                    if (lastSpace < 0)
                    {
                        lastSpace = i;
                    }

                    break;
                case (byte)'\\':
                    i++;
                    if (i >= line.Length)
                    {
                        return line;
                    }

                    lastSpace = -1;
                    break;
                default:
                    lastSpace = -1;
                    break;
            }
        }

        return lastSpace < 0 ? line : line[..lastSpace];
    }
}
