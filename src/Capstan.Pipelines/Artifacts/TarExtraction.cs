using System.Formats.Tar;
using System.Globalization;

namespace Capstan.Pipelines.Artifacts;

/// <summary>
/// Extracts a tar into staging folders beside its targets, refusing every entry that could write outside them, and
/// moves the staging folders into place only on <see cref="Commit"/>. Disposing without committing deletes them, so a
/// refused entry, a malformed archive or a failed content check leaves the targets as they were.
/// </summary>
/// <remarks>
/// With <c>prefixed</c>, the archive holds several folders, each under its index (<c>0/…</c>, <c>1/…</c>), and each
/// goes to the target of that index: the dependency cache packs all of a job's cache paths into one tar.
/// </remarks>
internal sealed class TarExtraction : IDisposable
{
    private readonly Target[] _targets;
    private readonly bool _prefixed;

    private TarExtraction(IReadOnlyList<string> targetFolders, bool prefixed)
    {
        _targets = [.. targetFolders.Select(t => new Target(Path.TrimEndingDirectorySeparator(Path.GetFullPath(t))))];
        _prefixed = prefixed;
    }

    /// <summary>Reads the whole archive into staging folders; nothing at the targets changes yet.</summary>
    /// <exception cref="ArtifactException">An entry was refused or the archive is malformed; nothing is left behind.</exception>
    public static async Task<TarExtraction> StageAsync(
        Stream source, IReadOnlyList<string> targetFolders, bool prefixed, CancellationToken cancellationToken)
    {
        var extraction = new TarExtraction(targetFolders, prefixed);
        try
        {
            if (!prefixed)
            {
                // An empty archive still extracts to an (empty) folder.
                extraction.Stage(extraction._targets[0]);
            }

            await extraction.ReadAllAsync(source, cancellationToken).ConfigureAwait(false);
            return extraction;
        }
        catch
        {
            extraction.Dispose();
            throw;
        }
    }

    /// <summary>True when the archive held the target of <paramref name="index"/> (for the cache: the path was there when saved).</summary>
    public bool Holds(int index) => _targets[index].Staging is not null;

    /// <summary>Refuses a target that is a non-empty folder, a file or a link.</summary>
    public static void ThrowIfOccupied(string targetFolder)
    {
        if (FileTrees.IsRealDirectory(targetFolder)
            ? Directory.EnumerateFileSystemEntries(targetFolder, "*", FileTrees.Enumeration).Any()
            : FileTrees.Occupied(targetFolder))
        {
            throw new ArtifactException(
                $"cannot extract into '{targetFolder}': it is not empty or not a folder; extract into a new or empty folder");
        }
    }

    /// <summary>Moves every staged folder into place, each with one rename.</summary>
    /// <exception cref="ArtifactException">A target cannot be replaced, or is occupied with <see cref="ExistingTarget.Refuse"/>.</exception>
    public void Commit(ExistingTarget existing)
    {
        foreach (var target in _targets)
        {
            if (target.Staging is null || target.Committed)
            {
                continue;
            }

            try
            {
                if (existing == ExistingTarget.Refuse)
                {
                    ThrowIfOccupied(target.Final);
                    if (Directory.Exists(target.Final))
                    {
                        Directory.Delete(target.Final);
                    }

                    Directory.Move(target.Staging, target.Final);
                }
                else
                {
                    Replace(target);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ArtifactException($"cannot move the extracted folder into '{target.Final}': {e.Message}", e);
            }

            target.Committed = true;
        }
    }

    public void Dispose()
    {
        foreach (var target in _targets)
        {
            if (target.Staging is not null && !target.Committed)
            {
                FileTrees.TryDelete(target.Staging);
            }
        }
    }

    internal static string Describe(TarEntryType type) => type switch
    {
        TarEntryType.CharacterDevice => "character device",
        TarEntryType.BlockDevice => "block device",
        TarEntryType.Fifo => "FIFO (named pipe)",
        _ => $"{type} entry",
    };

    private static void Replace(Target target)
    {
        string? aside = null;
        if (FileTrees.IsRealDirectory(target.Final))
        {
            aside = FileTrees.Sibling(target.Final, "old");
            Directory.Move(target.Final, aside);
        }
        else if (FileTrees.Occupied(target.Final))
        {
            File.Delete(target.Final);
        }

        try
        {
            Directory.Move(target.Staging!, target.Final);
        }
        catch (Exception e) when (aside is not null && e is IOException or UnauthorizedAccessException)
        {
            Directory.Move(aside, target.Final);
            throw;
        }

        if (aside is not null)
        {
            FileTrees.TryDelete(aside);
        }
    }

    private static ArtifactException Refused(string name, string why) =>
        new($"refused archive entry '{name}': {why}; nothing was extracted");

    private void Stage(Target target)
    {
        if (target.Staging is not null)
        {
            return;
        }

        var staging = FileTrees.Sibling(target.Final, "extract");
        Directory.CreateDirectory(Path.GetDirectoryName(staging)!);
        Directory.CreateDirectory(staging);
        target.Staging = staging;
    }

    private async Task ReadAllAsync(Stream source, CancellationToken cancellationToken)
    {
        string? current = null;
        try
        {
            using var reader = new TarReader(source, leaveOpen: true);
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
            {
                cancellationToken.ThrowIfCancellationRequested();
                current = entry.Name;
                await ExtractAsync(entry, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
        {
            var where = current is null ? string.Empty : $" (at or after entry '{current}')";
            throw new ArtifactException($"the archive is malformed or truncated{where}: {e.Message}; nothing was extracted", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArtifactException($"cannot extract entry '{current}': {e.Message}; nothing was extracted", e);
        }
    }

    private async Task ExtractAsync(TarEntry entry, CancellationToken cancellationToken)
    {
        var name = entry.Name;
        if (entry.EntryType == TarEntryType.GlobalExtendedAttributes)
        {
            return;
        }

        if (ArchivePaths.SplitEntryName(name, out var components) is { } problem)
        {
            throw Refused(name, problem);
        }

        var (target, relative, display) = Route(name, components);
        Stage(target);
        if (relative.Length == 0)
        {
            if (entry.EntryType != TarEntryType.Directory)
            {
                throw Refused(name, "it stands for the target folder itself but is not a folder");
            }

            return;
        }

        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
                EnsureFolders(target, relative, relative.Length, name, display);
                break;
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                {
                    var path = Leaf(target, relative, name, display);
                    await WriteFileAsync(path, entry.DataStream, entry.Mode, cancellationToken).ConfigureAwait(false);
                    target.Files.Add(string.Join('/', relative));
                    break;
                }

            case TarEntryType.SymbolicLink:
                {
                    if (ArchivePaths.CheckLinkTarget(relative.Length - 1, entry.LinkName) is { } linkProblem)
                    {
                        throw Refused(name, $"it is a symbolic link and {linkProblem}");
                    }

                    var path = Leaf(target, relative, name, display);
                    File.CreateSymbolicLink(path, entry.LinkName);
                    break;
                }

            case TarEntryType.HardLink:
                {
                    var source = HardLinkSource(target, components, entry.LinkName, name);
                    var path = Leaf(target, relative, name, display);
                    var data = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
                    await using (data.ConfigureAwait(false))
                    {
                        await WriteFileAsync(path, data, entry.Mode, cancellationToken).ConfigureAwait(false);
                    }

                    target.Files.Add(string.Join('/', relative));
                    break;
                }

            default:
                throw Refused(name, $"it is a {Describe(entry.EntryType)}; only folders, regular files and links are extracted");
        }
    }

    /// <summary>Which target an entry goes to, its path inside that target, and how to name a path in it for a message.</summary>
    private (Target Target, string[] Relative, Func<int, string> Display) Route(string name, string[] components)
    {
        if (!_prefixed)
        {
            return (_targets[0], components, n => string.Join('/', components[..n]));
        }

        if (components.Length == 0 || !TryIndex(components[0], out var index))
        {
            throw Refused(name, $"it is not under a numbered folder 0 to {_targets.Length - 1}");
        }

        return (_targets[index], components[1..], n => string.Join('/', components[..(n + 1)]));
    }

    private bool TryIndex(string component, out int index) =>
        int.TryParse(component, NumberStyles.None, CultureInfo.InvariantCulture, out index)
        && index.ToString(CultureInfo.InvariantCulture) == component
        && index < _targets.Length;

    /// <summary>
    /// Makes sure the first <paramref name="count"/> components of <paramref name="relative"/> are real folders in the
    /// staging folder, creating what is missing. An existing symbolic link on the way is refused: writing through it
    /// could land anywhere.
    /// </summary>
    private static void EnsureFolders(Target target, string[] relative, int count, string name, Func<int, string> display)
    {
        var path = target.Staging!;
        for (var i = 0; i < count; i++)
        {
            path = Path.Combine(path, relative[i]);
            var key = string.Join('/', relative[..(i + 1)]);
            if (target.Folders.Contains(key))
            {
                continue;
            }

            var info = new DirectoryInfo(path);
            if (info.LinkTarget is not null)
            {
                throw Refused(name, $"it would be written through the symbolic link '{display(i + 1)}' extracted earlier");
            }

            if (!info.Exists)
            {
                if (File.Exists(path))
                {
                    throw Refused(name, $"'{display(i + 1)}' was extracted earlier as a file, not a folder");
                }

                Directory.CreateDirectory(path);
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(path, ReproducibleTar.DirectoryMode);
                }
            }

            target.Folders.Add(key);
        }
    }

    /// <summary>The full path for a file or link entry, its parent folders made; refuses a path already taken.</summary>
    private static string Leaf(Target target, string[] relative, string name, Func<int, string> display)
    {
        EnsureFolders(target, relative, relative.Length - 1, name, display);
        var path = Path.Combine([target.Staging!, .. relative]);
        if (FileTrees.Occupied(path))
        {
            throw Refused(name, "the archive holds this path twice");
        }

        return path;
    }

    /// <summary>A hard link may only name a regular file extracted earlier into the same target.</summary>
    private string HardLinkSource(Target target, string[] components, string linkName, string name)
    {
        var why = $"it is a hard link to '{linkName}', which is not a regular file extracted earlier inside the folder";
        if (ArchivePaths.SplitEntryName(linkName, out var linkComponents) is not null || linkComponents.Length == 0)
        {
            throw Refused(name, why);
        }

        if (_prefixed)
        {
            if (linkComponents[0] != components[0])
            {
                throw Refused(name, why);
            }

            linkComponents = linkComponents[1..];
        }

        if (!target.Files.Contains(string.Join('/', linkComponents)))
        {
            throw Refused(name, why);
        }

        return Path.Combine([target.Staging!, .. linkComponents]);
    }

    private static async Task WriteFileAsync(string path, Stream? data, UnixFileMode entryMode, CancellationToken cancellationToken)
    {
        var mode = ReproducibleTar.NormalizeFileMode(entryMode);
        // CreateNew is O_EXCL: it fails rather than follow a link that appeared at the path.
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }

        var output = new FileStream(path, options);
        await using (output.ConfigureAwait(false))
        {
            if (data is not null)
            {
                await data.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
            }

            if (!OperatingSystem.IsWindows())
            {
                // The create mode went through the umask; the archive's mode is what counts.
                File.SetUnixFileMode(output.SafeFileHandle, mode);
            }
        }
    }

    private sealed class Target(string final)
    {
        public string Final { get; } = final;

        public string? Staging { get; set; }

        public bool Committed { get; set; }

        /// <summary>Relative paths known to be real folders in the staging folder.</summary>
        public HashSet<string> Folders { get; } = new(StringComparer.Ordinal);

        /// <summary>Relative paths of regular files extracted so far: the only things a hard link may name.</summary>
        public HashSet<string> Files { get; } = new(StringComparer.Ordinal);
    }
}
