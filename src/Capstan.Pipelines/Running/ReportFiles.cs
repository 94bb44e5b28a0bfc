using Microsoft.Extensions.FileSystemGlobbing;

namespace Capstan.Pipelines.Running;

/// <summary>Finds a job's test reports.</summary>
internal static class ReportFiles
{
    /// <summary>
    /// Files under <paramref name="root"/> matching <paramref name="globs"/> (a leading <c>!</c> excludes) and written
    /// at or after <paramref name="since"/>, in path order. Report folders are usually ignored by git, so .gitignore
    /// does not apply here. Reports left by earlier runs (<c>dotnet test</c> adds a new TRX file each time) are older
    /// than the job and not counted again.
    /// </summary>
    public static IReadOnlyList<string> Find(string root, IReadOnlyList<string> globs, DateTime since)
    {
        var matcher = new Matcher(StringComparison.Ordinal);
        foreach (var glob in globs)
        {
            if (glob.StartsWith('!'))
            {
                matcher.AddExclude(glob[1..]);
            }
            else
            {
                matcher.AddInclude(glob);
            }
        }

        return matcher.GetResultsInFullPath(root)
            .Where(path => File.GetLastWriteTimeUtc(path) >= since)
            .Order(StringComparer.Ordinal)
            .ToList();
    }
}
