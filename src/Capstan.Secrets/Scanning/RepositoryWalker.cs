namespace Capstan.Secrets.Scanning;

/// <summary>A regular file a walk found.</summary>
/// <param name="RelativePath">Relative to the walked root, '/'-separated.</param>
/// <param name="FullPath">The file's full path.</param>
/// <param name="Length">Its length in bytes when it was listed.</param>
public sealed record WalkedFile(string RelativePath, string FullPath, long Length);

/// <summary>What a walk found: the files, what it passed over, and folders it could not read.</summary>
/// <param name="Files">The regular files, in the order of the walk (folder by folder, names in ordinal order).</param>
/// <param name="Skipped">
/// What was passed over: symbolic links (<see cref="SkipReason.SymbolicLink"/>) and, when ignore files are used, what they
/// exclude (<see cref="SkipReason.Ignored"/>; an excluded folder is one entry ending in '/', its contents are not walked).
/// </param>
/// <param name="Problems">
/// Folders that could not be listed and ignore files that could not be read, each as <c>path: message</c>: a walk with
/// problems may have missed files.
/// </param>
public sealed record WalkResult(IReadOnlyList<WalkedFile> Files, IReadOnlyList<SkippedPath> Skipped, IReadOnlyList<string> Problems);

/// <summary>
/// Lists the files under a root as git would see them: in name order; without <c>.git</c> (folder or file) and
/// <c>.capstan</c> folders; without what <c>.gitignore</c> excludes (it does not enter excluded folders); without following
/// any symbolic link, so nothing outside the root is ever read and link cycles cannot loop.
/// </summary>
/// <remarks>
/// When the root lies inside a git repository, the <c>.gitignore</c> files of the folders from the repository's top down
/// to the root apply as well, and so does <c>.git/info/exclude</c>; the user's global excludes file does not. Whether the
/// root itself (or a folder above it) is ignored is not checked: the walk starts inside it.
/// Used by the secret scanner and by the pipeline runner's job inputs.
/// </remarks>
public static class RepositoryWalker
{
    private static readonly EnumerationOptions Options = new()
    {
        // Dot files are "hidden" on Unix; they are exactly the ones that matter (.env, .gitignore).
        AttributesToSkip = 0,
        IgnoreInaccessible = false,
        RecurseSubdirectories = false,
        ReturnSpecialDirectories = false,
    };

    /// <summary>Walks <paramref name="root"/>.</summary>
    /// <param name="root">A full path, without a trailing separator.</param>
    /// <param name="useGitignore">When false, nothing is excluded for being ignored (<c>.git</c> and <c>.capstan</c> still are).</param>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public static WalkResult Walk(string root, bool useGitignore, CancellationToken cancellationToken)
    {
        var top = FindRepositoryTop(root);
        var prefix = top == root ? string.Empty : Path.GetRelativePath(top, root).Replace('\\', '/') + "/";
        var ignore = useGitignore ? new GitIgnore(top) : null;
        var files = new List<WalkedFile>();
        var skipped = new List<SkippedPath>();
        var problems = new List<string>();
        var pending = new Stack<(string FullPath, string RelativePath)>();
        pending.Push((root, string.Empty));
        while (pending.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (directory, relativeDirectory) = pending.Pop();
            List<FileSystemInfo> entries;
            try
            {
                entries = [.. new DirectoryInfo(directory).EnumerateFileSystemInfos("*", Options)];
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add($"{(relativeDirectory.Length == 0 ? "." : relativeDirectory)}: cannot list the folder: {e.Message}");
                continue;
            }

            var subdirectories = new List<(string, string)>();
            foreach (var entry in entries.OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                var relative = relativeDirectory + entry.Name;
                var isDirectory = entry is DirectoryInfo;
                // Never scanned, never reported: git's own folder (or the file that points to it in a worktree or
                // submodule), and Capstan's state and master key.
                if (entry.Name == ".git" || (isDirectory && entry.Name == ".capstan"))
                {
                    continue;
                }

                if (entry.Attributes.HasFlag(FileAttributes.ReparsePoint))
                {
                    skipped.Add(new SkippedPath { Path = relative, Reason = SkipReason.SymbolicLink });
                    continue;
                }

                if (ignore is not null && ignore.IsExcluded(prefix + relative, isDirectory))
                {
                    skipped.Add(new SkippedPath { Path = isDirectory ? relative + "/" : relative, Reason = SkipReason.Ignored });
                    continue;
                }

                if (isDirectory)
                {
                    subdirectories.Add((entry.FullName, relative + "/"));
                }
                else
                {
                    files.Add(new WalkedFile(relative, entry.FullName, ((FileInfo)entry).Length));
                }
            }

            // Pushed in reverse so that folders are visited in name order.
            for (var i = subdirectories.Count - 1; i >= 0; i--)
            {
                pending.Push(subdirectories[i]);
            }
        }

        if (ignore is not null)
        {
            problems.AddRange(ignore.Problems);
        }

        return new WalkResult(files, skipped, problems);
    }

    /// <summary>
    /// The nearest folder at or above <paramref name="root"/> that holds <c>.git</c>, so that the <c>.gitignore</c> files
    /// above a scanned subfolder apply as they do for git; the root itself when it is not inside a repository.
    /// </summary>
    internal static string FindRepositoryTop(string root)
    {
        for (var directory = new DirectoryInfo(root); directory is not null; directory = directory.Parent)
        {
            var git = Path.Combine(directory.FullName, ".git");
            if (Directory.Exists(git) || File.Exists(git))
            {
                return directory.FullName;
            }
        }

        return root;
    }
}
