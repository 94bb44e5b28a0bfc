using Microsoft.Extensions.FileSystemGlobbing;

namespace Capstan.Pipelines.Inputs;

/// <summary>
/// A job's list of globs (<c>inputs:</c> or <c>reports:</c>) split into what it includes and what it excludes
/// (<c>!glob</c>), with every glob that cannot be used named in <see cref="Errors"/>.
/// </summary>
internal sealed class GlobList
{
    private GlobList(List<string> includes, List<string> excludes, List<GlobError> errors)
    {
        Includes = includes;
        Excludes = excludes;
        Errors = errors;
    }

    /// <summary>The globs that add files, as written (without surrounding spaces).</summary>
    public IReadOnlyList<string> Includes { get; }

    /// <summary>The globs that take files away, without their '!'.</summary>
    public IReadOnlyList<string> Excludes { get; }

    /// <summary>The globs that cannot be used, in the order written.</summary>
    public IReadOnlyList<GlobError> Errors { get; }

    public static GlobList Parse(IReadOnlyList<string> globs)
    {
        ArgumentNullException.ThrowIfNull(globs);
        var includes = new List<string>();
        var excludes = new List<string>();
        var errors = new List<GlobError>();
        foreach (var written in globs)
        {
            var glob = (written ?? string.Empty).Trim();
            var negated = glob.StartsWith('!');
            var pattern = negated ? glob[1..].Trim() : glob;
            if (Problem(pattern) is { } problem)
            {
                errors.Add(new GlobError(written ?? string.Empty, problem));
            }
            else
            {
                (negated ? excludes : includes).Add(pattern);
            }
        }

        return new GlobList(includes, excludes, errors);
    }

    /// <summary>
    /// A matcher for <paramref name="includes"/> less <see cref="Excludes"/>, case-sensitive as paths are on Linux.
    /// With <paramref name="folderMeansContents"/>, a glob without wildcards also matches everything under the folder it
    /// names (<c>src</c> as <c>src/**</c>), as a user who writes a folder name means.
    /// </summary>
    public Matcher CreateMatcher(IEnumerable<string> includes, bool folderMeansContents)
    {
        var matcher = new Matcher(StringComparison.Ordinal);
        foreach (var include in includes)
        {
            AddPattern(matcher, include, exclude: false, folderMeansContents);
        }

        foreach (var exclude in Excludes)
        {
            AddPattern(matcher, exclude, exclude: true, folderMeansContents);
        }

        return matcher;
    }

    private static void AddPattern(Matcher matcher, string pattern, bool exclude, bool folderMeansContents)
    {
        var patterns = folderMeansContents && pattern.IndexOfAny(['*', '?']) < 0 && !pattern.EndsWith('/')
            ? new[] { pattern, pattern + "/**" }
            : [pattern];
        foreach (var each in patterns)
        {
            if (exclude)
            {
                matcher.AddExclude(each);
            }
            else
            {
                matcher.AddInclude(each);
            }
        }
    }

    // Globs are relative to the job's folder and must stay inside it: a '..' segment or an absolute path would read
    // files the job's folder does not hold (and FileSystemGlobbing would silently match nothing for some of them).
    private static string? Problem(string pattern)
    {
        if (pattern.Length == 0)
        {
            return "is empty";
        }

        if (pattern[0] is '/' or '\\' or '~' || Path.IsPathRooted(pattern) || (pattern.Length > 1 && pattern[1] == ':'))
        {
            return "is not relative to the job's folder; write it from there, e.g. 'src/**/*.cs'";
        }

        if (pattern.Split('/', '\\').Any(segment => segment == ".."))
        {
            return "leaves the job's folder ('..'); globs must name files inside it";
        }

        return null;
    }
}

/// <summary>A glob that cannot be used, as written, and why (a phrase that follows the glob: "is empty").</summary>
internal sealed record GlobError(string Glob, string Reason)
{
    /// <param name="kind">What the globs are: <c>input</c> or <c>report</c>.</param>
    public string Describe(string kind) => $"{kind} glob '{Glob}' {Reason}";
}
