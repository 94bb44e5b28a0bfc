using System.Security.Cryptography;

namespace Capstan.Pipelines.Tests.Artifacts;

/// <summary>Describes a folder tree as sorted lines, to compare what was packed with what was extracted.</summary>
internal static class Tree
{
    /// <summary>
    /// One line per entry below <paramref name="root"/>: <c>d path</c>, <c>f path mode sha256</c> or
    /// <c>l path -> target</c>, sorted ordinally. Links are not followed.
    /// </summary>
    public static IReadOnlyList<string> Describe(string root)
    {
        var lines = new List<string>();
        foreach (var info in new DirectoryInfo(root).EnumerateFileSystemInfos("*", new EnumerationOptions
        {
            RecurseSubdirectories = true,
            AttributesToSkip = 0,
        }))
        {
            var relative = Path.GetRelativePath(root, info.FullName).Replace('\\', '/');
            if (info.LinkTarget is { } target)
            {
                lines.Add($"l {relative} -> {target}");
            }
            else if (info is DirectoryInfo)
            {
                lines.Add($"d {relative}");
            }
            else
            {
                var mode = Convert.ToString((int)File.GetUnixFileMode(info.FullName), 8);
                lines.Add($"f {relative} {mode} {Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(info.FullName)))}");
            }
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    /// <summary>Everything in <paramref name="folder"/>, names only, for checking that nothing was left behind.</summary>
    public static IReadOnlyList<string> Names(string folder) =>
        [.. Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];
}
