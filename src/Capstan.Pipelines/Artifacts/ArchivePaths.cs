namespace Capstan.Pipelines.Artifacts;

/// <summary>
/// The path rules shared by packing and extracting: which entry names are safe, and which symbolic link targets stay
/// inside their folder. Each check returns null when the path is fine, or why it is not.
/// </summary>
internal static class ArchivePaths
{
    /// <summary>
    /// Splits an entry name into its components, dropping empty and <c>.</c> components (<c>./a//b/</c> is <c>a/b</c>).
    /// Refuses an absolute name, a <c>..</c> component, and a NUL character.
    /// </summary>
    public static string? SplitEntryName(string name, out string[] components)
    {
        components = [];
        if (name.Contains('\0', StringComparison.Ordinal))
        {
            return "its name contains a NUL character";
        }

        if (IsAbsolute(name))
        {
            return "its path is absolute";
        }

        var parts = Split(name);
        if (parts.Contains(".."))
        {
            return "its path has a '..' component";
        }

        components = [.. parts.Where(p => p != ".")];
        return null;
    }

    /// <summary>
    /// Checks the target of a symbolic link whose own path is <paramref name="depth"/> folders below the root. The target
    /// must be relative, and any <c>..</c> components must all come first and climb no higher than the root
    /// (<c>../lib/x</c> from <c>bin/tool</c> is fine). A <c>..</c> after a named component is refused even when it looks
    /// harmless, because that component could itself be a link that redirects where <c>..</c> goes.
    /// </summary>
    public static string? CheckLinkTarget(int depth, string target)
    {
        if (target.Length == 0)
        {
            return "its target is empty";
        }

        if (target.Contains('\0', StringComparison.Ordinal))
        {
            return "its target contains a NUL character";
        }

        if (IsAbsolute(target))
        {
            return $"its target '{target}' is absolute";
        }

        var climbs = 0;
        var descended = false;
        foreach (var part in Split(target))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (descended)
                {
                    return $"its target '{target}' goes up ('..') after going down, which another link could redirect";
                }

                climbs++;
                if (climbs > depth)
                {
                    return $"its target '{target}' leaves the folder";
                }
            }
            else
            {
                descended = true;
            }
        }

        return null;
    }

    private static bool IsAbsolute(string path) =>
        path.StartsWith('/') || path.StartsWith('\\') || Path.IsPathRooted(path);

    // On Windows '\' separates too, so "..\x" must not slip through as one harmless-looking component.
    private static string[] Split(string path) =>
        path.Split(Path.DirectorySeparatorChar == '\\' ? ['/', '\\'] : ['/'], StringSplitOptions.RemoveEmptyEntries);
}
