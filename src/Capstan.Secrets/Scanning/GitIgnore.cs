using System.Text;

namespace Capstan.Secrets.Scanning;

/// <summary>
/// Decides whether git would ignore a path, without running git: the patterns of every <c>.gitignore</c> from the
/// repository's top down to the path's folder (deeper files first, later lines first) and then
/// <c>.git/info/exclude</c>, as git's <c>dir.c</c> orders them. The user's global excludes file is not read, so a scan
/// gives the same answer on every machine.
/// </summary>
/// <remarks>
/// <c>.gitignore</c> files are read lazily, once each. A symlinked <c>.gitignore</c> is not followed (git refuses it too).
/// Not thread-safe: one walk uses one instance.
/// </remarks>
internal sealed class GitIgnore
{
    private readonly string _top;
    private readonly List<IgnorePattern> _exclude;
    private readonly Dictionary<string, List<IgnorePattern>> _files = new(StringComparer.Ordinal);
    private readonly List<string> _problems = [];

    /// <param name="top">The repository's top folder (the one holding <c>.git</c>).</param>
    public GitIgnore(string top)
    {
        _top = top;
        _exclude = Read(Path.Combine(top, ".git", "info", "exclude"), ".git/info/exclude", string.Empty);
    }

    /// <summary>Ignore files that could not be read, each naming the file and the reason.</summary>
    public IReadOnlyList<string> Problems => _problems;

    /// <summary>
    /// True when git ignores <paramref name="path"/> (relative to the top, '/'-separated): a pattern excludes it or one
    /// of its parent folders; a file inside an excluded folder cannot be re-included by a "!" pattern.
    /// </summary>
    public bool IsIgnored(string path, bool isDirectory)
    {
        for (var slash = path.IndexOf('/', StringComparison.Ordinal); slash >= 0; slash = path.IndexOf('/', slash + 1))
        {
            if (IsExcluded(path[..slash], isDirectory: true))
            {
                return true;
            }
        }

        return IsExcluded(path, isDirectory);
    }

    /// <summary>
    /// True when the last pattern that matches <paramref name="path"/> itself excludes it (parent folders are not
    /// looked at: a walk that does not enter excluded folders needs only this).
    /// </summary>
    public bool IsExcluded(string path, bool isDirectory)
    {
        var bytes = Encoding.UTF8.GetBytes(path);
        foreach (var folder in FoldersAbove(path))
        {
            if (Decide(PatternsOf(folder), bytes, isDirectory) is { } decided)
            {
                return decided;
            }
        }

        return Decide(_exclude, bytes, isDirectory) ?? false;
    }

    // "a/b/c" → "a/b/", "a/", "": the folders whose ignore files apply, deepest (and so strongest) first.
    private static IEnumerable<string> FoldersAbove(string path)
    {
        for (var slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
        {
            yield return path[..(slash + 1)];
        }

        yield return string.Empty;
    }

    private static bool? Decide(List<IgnorePattern> patterns, byte[] path, bool isDirectory)
    {
        for (var i = patterns.Count - 1; i >= 0; i--)
        {
            if (patterns[i].Matches(path, isDirectory))
            {
                return !patterns[i].IsNegated;
            }
        }

        return null;
    }

    private List<IgnorePattern> PatternsOf(string directory)
    {
        if (!_files.TryGetValue(directory, out var patterns))
        {
            var file = Path.Combine(_top, directory, ".gitignore");
            patterns = Read(file, directory + ".gitignore", directory);
            _files[directory] = patterns;
        }

        return patterns;
    }

    private List<IgnorePattern> Read(string file, string display, string baseDirectory)
    {
        try
        {
            var info = new FileInfo(file);
            if (!info.Exists || info.LinkTarget is not null)
            {
                return [];
            }

            return IgnorePattern.ParseFile(File.ReadAllBytes(file), baseDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _problems.Add($"{display}: cannot read: {e.Message}");
            return [];
        }
    }
}
