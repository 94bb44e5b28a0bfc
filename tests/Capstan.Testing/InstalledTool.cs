namespace Capstan.Testing;

/// <summary>
/// Finds a program that a test drives (a server, a checker) among the installed ones, or fails saying which Debian
/// package to install: <c>InstalledTool.Find("Prometheus", "prometheus", "prometheus")</c>.
/// </summary>
public static class InstalledTool
{
    private static readonly string[] UsualFolders = ["/usr/local/bin", "/usr/bin", "/usr/sbin", "/bin", "/sbin"];

    /// <summary>The full path of the first of <paramref name="names"/> found on PATH or in the usual folders.</summary>
    /// <exception cref="InvalidOperationException">None is installed; the message names the Debian package to install.</exception>
    public static string Find(string what, string debianPackage, params string[] names)
    {
        var folders = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(UsualFolders)
            .Distinct(StringComparer.Ordinal);
        foreach (var folder in folders)
        {
            foreach (var name in names)
            {
                var path = Path.Combine(folder, name);
                if (Exists(path))
                {
                    return path;
                }
            }
        }

        throw new InvalidOperationException(
            $"{what} is not installed: none of {string.Join(", ", names.Select(n => $"`{n}`"))} is on PATH or in {string.Join(", ", UsualFolders)}. "
            + $"The tests that run a real {what} need Debian's package `{debianPackage}`: install it with "
            + $"`apt-get install -y --no-install-recommends {debianPackage}` (scripts/test installs it when missing), then run the tests again.");
    }

    // A link whose target is gone (a binary left behind after its package was removed) does not count.
    private static bool Exists(string path)
    {
        var file = new FileInfo(path);
        return file.Exists && (file.LinkTarget is null || file.ResolveLinkTarget(returnFinalTarget: true)?.Exists == true);
    }
}
