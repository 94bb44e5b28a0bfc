using Microsoft.Extensions.FileSystemGlobbing.Abstractions;

namespace Capstan.Pipelines.Reports;

/// <summary>
/// A folder for FileSystemGlobbing to search that never follows a symbolic link and leaves out <c>.git</c>.
/// FileSystemGlobbing's own <see cref="DirectoryInfoWrapper"/> follows linked folders, so a link back up the tree makes
/// <c>**</c> recurse without end; here a report is only ever a regular file inside the job's folder.
/// </summary>
internal sealed class UnlinkedDirectory : DirectoryInfoBase
{
    private static readonly EnumerationOptions Options = new()
    {
        AttributesToSkip = 0,
        IgnoreInaccessible = true,
        RecurseSubdirectories = false,
        ReturnSpecialDirectories = false,
    };

    private readonly DirectoryInfo _directory;

    public UnlinkedDirectory(DirectoryInfo directory)
    {
        _directory = directory;
    }

    public override string Name => _directory.Name;

    public override string FullName => _directory.FullName;

    public override DirectoryInfoBase? ParentDirectory =>
        _directory.Parent is { } parent ? new UnlinkedDirectory(parent) : null;

    public override IEnumerable<FileSystemInfoBase> EnumerateFileSystemInfos()
    {
        List<FileSystemInfo> entries;
        try
        {
            entries = [.. _directory.EnumerateFileSystemInfos("*", Options)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone or unreadable since its parent was listed: it holds no report that could be read.
            return [];
        }

        var found = new List<FileSystemInfoBase>(entries.Count);
        foreach (var entry in entries)
        {
            if (entry.Attributes.HasFlag(FileAttributes.ReparsePoint) || entry.Name == ".git")
            {
                continue;
            }

            found.Add(entry switch
            {
                DirectoryInfo directory => new UnlinkedDirectory(directory),
                _ => new FileInfoWrapper((FileInfo)entry),
            });
        }

        return found;
    }

    public override DirectoryInfoBase GetDirectory(string path) =>
        new UnlinkedDirectory(new DirectoryInfo(Path.Combine(_directory.FullName, path)));

    public override FileInfoBase GetFile(string path) =>
        new FileInfoWrapper(new FileInfo(Path.Combine(_directory.FullName, path)));
}
