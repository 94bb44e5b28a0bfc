namespace Capstan.Pipelines.Artifacts;

/// <summary>Small file system operations that never follow a symbolic link by accident.</summary>
internal static class FileTrees
{
    /// <summary>Lists everything, dot files included, one folder at a time, failing loudly on what cannot be read.</summary>
    public static readonly EnumerationOptions Enumeration = new()
    {
        AttributesToSkip = 0,
        IgnoreInaccessible = false,
        RecurseSubdirectories = false,
        ReturnSpecialDirectories = false,
    };

    /// <summary>True when anything is at <paramref name="path"/>: a file, a folder, or a symbolic link, even a dangling one.</summary>
    public static bool Occupied(string path) =>
        File.Exists(path) || Directory.Exists(path) || new FileInfo(path).LinkTarget is not null;

    /// <summary>True when <paramref name="path"/> is a real folder, not a symbolic link to one.</summary>
    public static bool IsRealDirectory(string path)
    {
        var info = new DirectoryInfo(path);
        return info.Exists && info.LinkTarget is null;
    }

    /// <summary>A path beside <paramref name="path"/> that no one else uses, for staging or setting something aside.</summary>
    public static string Sibling(string path, string purpose)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var parent = Path.GetDirectoryName(full) ?? throw new ArtifactException($"'{path}' has no parent folder");
        return Path.Combine(parent, $".{Path.GetFileName(full)}.capstan-{purpose}-{Guid.NewGuid():N}");
    }

    /// <summary>
    /// True when <paramref name="inner"/> is <paramref name="outer"/> or inside it, comparing full, normalised paths
    /// (case-insensitively where the file system usually is).
    /// </summary>
    public static bool IsSameOrInside(string outer, string inner)
    {
        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        outer = Normalize(outer);
        inner = Normalize(inner);
        return string.Equals(outer, inner, comparison)
            || inner.StartsWith(Path.EndsInDirectorySeparator(outer) ? outer : outer + Path.DirectorySeparatorChar, comparison);
    }

    /// <summary>A full path without a trailing separator, except for a root (<c>/</c>).</summary>
    public static string Normalize(string path)
    {
        var full = Path.GetFullPath(path);
        return full == Path.GetPathRoot(full) ? full : Path.TrimEndingDirectorySeparator(full);
    }

    /// <summary>
    /// Renames a finished temporary file to <paramref name="path"/> unless that exists already, in which case the
    /// temporary file is left for the caller to delete; false then. The rename replaces atomically: .NET's
    /// File.Move without overwrite checks for the target and then renames, so two writers can both pass the check
    /// (seen with strace), and a no-clobber rename cannot be had without P/Invoke. Callers only publish files that
    /// are complete and valid for their name, so whichever rename lands last is fine, and readers see one or the other.
    /// </summary>
    public static bool Publish(string temporary, string path)
    {
        if (File.Exists(path))
        {
            return false;
        }

        File.Move(temporary, path, overwrite: true);
        return true;
    }

    /// <summary>
    /// Deletes a file, a symbolic link (not what it points to) or a folder with everything in it. Read-only folders
    /// (a Go module cache has them) are made writable first, without following links.
    /// </summary>
    public static void Delete(string path)
    {
        if (!IsRealDirectory(path))
        {
            if (Occupied(path))
            {
                File.Delete(path);
            }

            return;
        }

        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (UnauthorizedAccessException) when (!OperatingSystem.IsWindows())
        {
            MakeFoldersWritable(path);
            Directory.Delete(path, recursive: true);
        }
    }

    /// <summary>Deletes what <see cref="Delete"/> deletes, and leaves it when that fails: for cleaning up after an error.</summary>
    public static void TryDelete(string path)
    {
        try
        {
            Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The original error matters more; what is left is a '.capstan-' sibling that docs/artifacts.md says is safe to delete.
        }
    }

    private static void MakeFoldersWritable(string root)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var folder = pending.Pop();
            File.SetUnixFileMode(folder, File.GetUnixFileMode(folder) | UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            foreach (var child in new DirectoryInfo(folder).EnumerateDirectories("*", Enumeration))
            {
                if (child.LinkTarget is null)
                {
                    pending.Push(child.FullName);
                }
            }
        }
    }
}
