using System.Formats.Tar;

namespace Capstan.Pipelines.Artifacts;

/// <summary>
/// Packs a folder as a tar whose bytes depend only on the folder's content, and extracts tars without letting an entry
/// write outside the target folder. docs/artifacts.md describes the format and the extraction rules.
/// </summary>
/// <remarks>
/// The tar is GNU format: names and link targets longer than 100 bytes (UTF-8) are carried in <c>././@LongLink</c>
/// entries, whose headers System.Formats.Tar writes with constant fields. PAX is avoided on purpose: .NET names each
/// PAX extended header after the process id, so the same folder would pack differently in two processes.
/// </remarks>
public static class ReproducibleTar
{
    private const UnixFileMode Executable = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
    private const UnixFileMode Mode0755 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
    private const UnixFileMode Mode0644 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode Mode0777 = Mode0755 | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;

    /// <summary>
    /// The modification time of every entry: 2000-01-01T00:00:00Z (946684800), as Bazel's reproducible tars use. Not 0,
    /// which some tools read as "no time".
    /// </summary>
    public static DateTimeOffset ModificationTime { get; } = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Writes <paramref name="folder"/>'s content (not the folder itself) to <paramref name="destination"/>: folders,
    /// regular files and relative symbolic links that stay inside, sorted ordinally by '/'-separated relative path, with
    /// mode 0755 (folders, and files with any execute bit) or 0644 (other files) or 0777 (links),
    /// <see cref="ModificationTime"/>, uid and gid 0 and no user or group names.
    /// </summary>
    /// <exception cref="ArtifactException">
    /// The folder is missing or unreadable, or holds a symbolic link that is absolute or leaves the folder, or a FIFO,
    /// socket or device; the message names it.
    /// </exception>
    public static Task WriteAsync(string folder, Stream destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(destination);
        return WriteAsync([new PackRoot(string.Empty, folder)], destination, cancellationToken);
    }

    /// <summary>Extracts into <paramref name="targetFolder"/>, which must not exist or be empty (<see cref="ExistingTarget.Refuse"/>).</summary>
    /// <inheritdoc cref="ExtractAsync(Stream, string, ExistingTarget, CancellationToken)"/>
    public static Task ExtractAsync(Stream source, string targetFolder, CancellationToken cancellationToken) =>
        ExtractAsync(source, targetFolder, ExistingTarget.Refuse, cancellationToken);

    /// <summary>
    /// Extracts the tar into a new folder beside <paramref name="targetFolder"/> and moves it into place only when every
    /// entry was extracted, so an error leaves nothing half-written. Entries with an absolute path or a <c>..</c>
    /// component, symbolic links whose target is absolute or leaves the folder, hard links to anything but a file
    /// extracted earlier, entries that would be written through a symbolic link, devices and FIFOs are refused. Files
    /// get mode 0755 when the entry has an execute bit and 0644 otherwise; folders get 0755; hard links become copies.
    /// </summary>
    /// <exception cref="ArtifactException">An entry was refused, the archive is malformed, or the target cannot be written; the message names the entry or path and why.</exception>
    public static async Task ExtractAsync(Stream source, string targetFolder, ExistingTarget existing, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(targetFolder);
        if (existing == ExistingTarget.Refuse)
        {
            TarExtraction.ThrowIfOccupied(targetFolder);
        }

        using var extraction = await TarExtraction.StageAsync(source, [targetFolder], prefixed: false, cancellationToken).ConfigureAwait(false);
        extraction.Commit(existing);
    }

    /// <summary>The mode an entry gets, on packing and on extracting: only whether anyone may execute it survives.</summary>
    internal static UnixFileMode NormalizeFileMode(UnixFileMode mode) => (mode & Executable) != 0 ? Mode0755 : Mode0644;

    internal static UnixFileMode DirectoryMode => Mode0755;

    /// <summary>
    /// Writes several folders into one tar, each under its <see cref="PackRoot.Prefix"/> (a folder entry of its own),
    /// or one folder at the top when the prefix is empty.
    /// </summary>
    internal static async Task WriteAsync(IReadOnlyList<PackRoot> roots, Stream destination, CancellationToken cancellationToken)
    {
        var entries = new List<PackEntry>();
        foreach (var root in roots)
        {
            Collect(root, entries, cancellationToken);
        }

        entries.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        var writer = new TarWriter(destination, TarEntryFormat.Gnu, leaveOpen: true);
        await using (writer.ConfigureAwait(false))
        {
            foreach (var entry in entries)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await WriteEntryAsync(writer, entry, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task WriteEntryAsync(TarWriter writer, PackEntry entry, CancellationToken cancellationToken)
    {
        // GnuTarEntry leaves the access and change times zero unless they are set; they are not.
        var tarEntry = new GnuTarEntry(entry.Type, entry.Type == TarEntryType.Directory ? entry.Name + "/" : entry.Name)
        {
            ModificationTime = ModificationTime,
            Uid = 0,
            Gid = 0,
            UserName = string.Empty,
            GroupName = string.Empty,
            Mode = entry.Type switch
            {
                TarEntryType.Directory => Mode0755,
                TarEntryType.SymbolicLink => Mode0777,
                _ => entry.Executable ? Mode0755 : Mode0644,
            },
        };
        if (entry.Type != TarEntryType.RegularFile)
        {
            if (entry.LinkTarget is not null)
            {
                tarEntry.LinkName = entry.LinkTarget;
            }

            await writer.WriteEntryAsync(tarEntry, cancellationToken).ConfigureAwait(false);
            return;
        }

        FileStream data;
        try
        {
            data = new FileStream(entry.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArtifactException($"cannot read '{entry.FullPath}': {e.Message}", e);
        }

        await using (data.ConfigureAwait(false))
        {
            tarEntry.DataStream = data;
            await writer.WriteEntryAsync(tarEntry, cancellationToken).ConfigureAwait(false);
        }
    }

    private static void Collect(PackRoot root, List<PackEntry> entries, CancellationToken cancellationToken)
    {
        var folder = Path.GetFullPath(root.Folder);
        if (!Directory.Exists(folder))
        {
            throw new ArtifactException($"cannot pack '{root.Folder}': it is not a folder");
        }

        var prefix = root.Prefix.Length == 0 ? string.Empty : root.Prefix + "/";
        if (root.Prefix.Length != 0)
        {
            entries.Add(new PackEntry(root.Prefix, TarEntryType.Directory, folder, null, Executable: false));
        }

        var pending = new Stack<(string FullPath, string Relative)>();
        pending.Push((folder, string.Empty));
        while (pending.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (directory, relativeDirectory) = pending.Pop();
            List<FileSystemInfo> children;
            try
            {
                children = [.. new DirectoryInfo(directory).EnumerateFileSystemInfos("*", FileTrees.Enumeration)];
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ArtifactException($"cannot pack '{directory}': cannot list the folder: {e.Message}", e);
            }

            foreach (var child in children)
            {
                var relative = relativeDirectory + child.Name;
                var name = prefix + relative;
                if (child.Attributes.HasFlag(FileAttributes.ReparsePoint) && child.LinkTarget is { } target)
                {
                    var depth = relative.Count(c => c == '/');
                    if (ArchivePaths.CheckLinkTarget(depth, target) is { } problem)
                    {
                        throw new ArtifactException(
                            $"cannot pack the symbolic link '{relative}' in '{folder}': {problem}; only relative links that stay inside the folder are kept");
                    }

                    entries.Add(new PackEntry(name, TarEntryType.SymbolicLink, child.FullName, target, Executable: false));
                }
                else if (child is DirectoryInfo)
                {
                    entries.Add(new PackEntry(name, TarEntryType.Directory, child.FullName, null, Executable: false));
                    pending.Push((child.FullName, relative + "/"));
                }
                else
                {
                    RefuseSpecialFile((FileInfo)child, relative, folder);
                    var executable = !OperatingSystem.IsWindows() && (child.UnixFileMode & Executable) != 0;
                    entries.Add(new PackEntry(name, TarEntryType.RegularFile, child.FullName, null, executable));
                }
            }
        }
    }

    /// <summary>
    /// System.IO tells no FIFO, socket or device from a regular file, but TarWriter's own lstat does. Such files always
    /// have length 0, so only empty files are shown to a throwaway TarWriter to learn what they are.
    /// </summary>
    private static void RefuseSpecialFile(FileInfo file, string relative, string folder)
    {
        if (file.Length != 0)
        {
            return;
        }

        TarEntryType type;
        try
        {
            using var probe = new MemoryStream();
            using (var writer = new TarWriter(probe, TarEntryFormat.Gnu, leaveOpen: true))
            {
                writer.WriteEntry(file.FullName, "probe");
            }

            probe.Position = 0;
            using var reader = new TarReader(probe);
            type = reader.GetNextEntry()?.EntryType ?? TarEntryType.RegularFile;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A socket lands here ("The file type of ... is not supported"), as does a file that cannot be read.
            throw new ArtifactException($"cannot pack '{relative}' in '{folder}': {e.Message}", e);
        }

        if (type is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
        {
            throw new ArtifactException(
                $"cannot pack '{relative}' in '{folder}': it is a {TarExtraction.Describe(type)}; only folders, regular files and symbolic links are packed");
        }
    }

    private sealed record PackEntry(string Name, TarEntryType Type, string FullPath, string? LinkTarget, bool Executable);
}

/// <summary>A folder to pack, under <see cref="Prefix"/> in the tar (empty: at the top).</summary>
internal sealed record PackRoot(string Prefix, string Folder);
