using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Capstan.Pipelines.Artifacts;
using Capstan.State;

namespace Capstan.Pipelines.Caching;

/// <summary>
/// Dependency caches under a root folder (a project's <c>.capstan/cache</c>): one tar per key at
/// <c>entries/&lt;64 hex&gt;.tar</c>, holding each of a job's cache paths under its index. An entry's file modification
/// time is when it was last saved or restored; entries least recently used are evicted when the total passes the size
/// limit. Jobs may save and restore at the same time: every write goes through a uniquely named temporary file and an
/// atomic rename, a restore reads from a file it holds open, and there is no index to keep in step.
/// </summary>
public sealed class DependencyCache
{
    private const string KeyFormatVersion = "capstan-cache-key/1";

    private readonly TimeProvider _time;

    public DependencyCache(string root, long sizeLimitBytes, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentOutOfRangeException.ThrowIfNegative(sizeLimitBytes);
        ArgumentNullException.ThrowIfNull(time);
        Root = Path.GetFullPath(root);
        SizeLimitBytes = sizeLimitBytes;
        _time = time;
    }

    /// <summary>The cache's folder, full path.</summary>
    public string Root { get; }

    /// <summary>The most all entries together may take.</summary>
    public long SizeLimitBytes { get; }

    private string EntriesFolder => Path.Combine(Root, "entries");

    private string TemporaryFolder => Path.Combine(Root, "tmp");

    /// <summary>
    /// The key of a job's cache: SHA-256 over the job name, the cache paths as written, and each key file's path as
    /// written and content, in the order given (each field length-prefixed, so no two declarations run together).
    /// Key files are read relative to <paramref name="workingDirectory"/>.
    /// </summary>
    /// <exception cref="CacheException">A key file does not exist or is a folder; the message names it and the working directory.</exception>
    public static string ComputeKey(string job, string workingDirectory, IReadOnlyList<string> keyFiles, IReadOnlyList<string> paths)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(workingDirectory);
        ArgumentNullException.ThrowIfNull(keyFiles);
        ArgumentNullException.ThrowIfNull(paths);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        AppendField(hash, KeyFormatVersion);
        AppendField(hash, job);
        AppendCount(hash, paths.Count);
        foreach (var path in paths)
        {
            AppendField(hash, path);
        }

        AppendCount(hash, keyFiles.Count);
        foreach (var keyFile in keyFiles)
        {
            AppendField(hash, keyFile);
            hash.AppendData(HashKeyFile(keyFile, workingDirectory));
        }

        return Sha256Digest.Format(hash);
    }

    /// <summary>True when an entry for <paramref name="key"/> is stored.</summary>
    public bool Contains(string key) => File.Exists(EntryPath(key));

    /// <summary>
    /// On a hit, replaces each of <paramref name="resolvedPaths"/> that was present when the entry was saved with its
    /// cached copy (each swapped in with one rename once the whole entry was extracted) and marks the entry used. A
    /// missing entry is a miss; so is a damaged one, which is removed and named in <see cref="CacheRestoreResult.Problem"/>.
    /// </summary>
    /// <param name="resolvedPaths">Full paths, as <see cref="CachePaths.Resolve"/> gives them, in the order used for the key.</param>
    /// <exception cref="CacheException">The paths overlap, or a restored folder cannot be moved into place.</exception>
    public async Task<CacheRestoreResult> RestoreAsync(string key, IReadOnlyList<string> resolvedPaths, CancellationToken cancellationToken)
    {
        var path = EntryPath(key);
        CheckPaths(resolvedPaths);
        if (!File.Exists(path))
        {
            return Miss(key, problem: null);
        }

        try
        {
            return await RestoreEntryAsync(key, path, resolvedPaths, cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException) when (!File.Exists(path))
        {
            // Evicted by another job's save between the check and the open.
            return Miss(key, problem: null);
        }
        catch (ArtifactException e)
        {
            // A cache only saves time: a damaged entry is a miss, not a failed job, and goes so the next save writes a good one.
            FileTrees.TryDelete(path);
            return Miss(key, $"cache entry {key} could not be restored and was removed: {e.Message}");
        }
    }

    /// <summary>
    /// Packs <paramref name="resolvedPaths"/> (folders; a missing one is recorded as absent) into one entry for
    /// <paramref name="key"/>, unless one exists; then evicts least recently used entries until all fit the size
    /// limit. An entry larger than the limit on its own is not kept (<see cref="CacheSaveOutcome.TooLarge"/>).
    /// </summary>
    /// <param name="resolvedPaths">Full paths, as <see cref="CachePaths.Resolve"/> gives them, in the order used for the key.</param>
    /// <exception cref="CacheException">
    /// A path is a file or overlaps another, a folder holds something that cannot be packed (a link leaving it, a FIFO,
    /// socket or device), or the cache folder cannot be written.
    /// </exception>
    public async Task<CacheSaveResult> SaveAsync(string key, IReadOnlyList<string> resolvedPaths, CancellationToken cancellationToken)
    {
        var path = EntryPath(key);
        CheckPaths(resolvedPaths);
        if (File.Exists(path))
        {
            return SaveResult(key, CacheSaveOutcome.AlreadyCached, SizeOf(path), [], []);
        }

        var roots = new List<PackRoot>();
        var absent = new List<string>();
        for (var i = 0; i < resolvedPaths.Count; i++)
        {
            var folder = resolvedPaths[i];
            if (Directory.Exists(folder))
            {
                roots.Add(new PackRoot(i.ToString(CultureInfo.InvariantCulture), folder));
            }
            else if (File.Exists(folder))
            {
                throw new CacheException($"cache path '{folder}' is a file; cache paths are folders");
            }
            else
            {
                absent.Add(folder);
            }
        }

        if (roots.Count == 0)
        {
            return SaveResult(key, CacheSaveOutcome.NothingToSave, 0, absent, []);
        }

        var temporary = Path.Combine(TemporaryFolder, $"{Guid.NewGuid():N}.tar");
        try
        {
            EnsureRoot();
            long size;
            var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 81920);
            await using (file.ConfigureAwait(false))
            {
                await ReproducibleTar.WriteAsync(roots, file, cancellationToken).ConfigureAwait(false);
                size = file.Length;
            }

            if (size > SizeLimitBytes)
            {
                return SaveResult(key, CacheSaveOutcome.TooLarge, size, absent, []);
            }

            File.SetLastWriteTimeUtc(temporary, _time.GetUtcNow().UtcDateTime);
            if (!FileTrees.Publish(temporary, path))
            {
                return SaveResult(key, CacheSaveOutcome.AlreadyCached, SizeOf(path), absent, []);
            }

            return SaveResult(key, CacheSaveOutcome.Saved, size, absent, Evict(keep: path));
        }
        catch (ArtifactException e)
        {
            throw new CacheException($"cannot save cache {key}: {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CacheException($"cannot save cache {key} in '{Root}': {e.Message}", e);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    private async Task<CacheRestoreResult> RestoreEntryAsync(
        string key, string path, IReadOnlyList<string> resolvedPaths, CancellationToken cancellationToken)
    {
        // FileShare.Delete: a save evicting this entry meanwhile may delete it; the open file still reads to the end.
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 81920);
        await using (file.ConfigureAwait(false))
        {
            var size = file.Length;
            // Marked used before extracting, so that a save evicting at the same time takes other entries first.
            Touch(path);
            using var extraction = await TarExtraction.StageAsync(file, resolvedPaths, prefixed: true, cancellationToken).ConfigureAwait(false);
            try
            {
                extraction.Commit(ExistingTarget.Replace);
            }
            catch (ArtifactException e)
            {
                throw new CacheException($"cannot restore cache {key}: {e.Message}", e);
            }

            var indexes = Enumerable.Range(0, resolvedPaths.Count).ToList();
            return new CacheRestoreResult
            {
                Key = key,
                Hit = true,
                SizeBytes = size,
                RestoredPaths = [.. indexes.Where(extraction.Holds).Select(i => resolvedPaths[i])],
                AbsentPaths = [.. indexes.Where(i => !extraction.Holds(i)).Select(i => resolvedPaths[i])],
            };
        }
    }

    private static CacheRestoreResult Miss(string key, string? problem) => new()
    {
        Key = key,
        Hit = false,
        SizeBytes = 0,
        RestoredPaths = [],
        AbsentPaths = [],
        Problem = problem,
    };

    private CacheSaveResult SaveResult(
        string key, CacheSaveOutcome outcome, long size, IReadOnlyList<string> absent, IReadOnlyList<EvictedCacheEntry> evicted) => new()
        {
            Key = key,
            Outcome = outcome,
            SizeBytes = size,
            AbsentPaths = absent,
            Evicted = evicted,
            TotalSizeBytes = ListEntries().Sum(e => e.SizeBytes),
        };

    /// <summary>Removes the least recently used entries, never <paramref name="keep"/>, until the total fits the limit.</summary>
    private List<EvictedCacheEntry> Evict(string keep)
    {
        var entries = ListEntries();
        var total = entries.Sum(e => e.SizeBytes);
        var evicted = new List<EvictedCacheEntry>();
        var candidates = entries
            .Where(e => e.Path != keep)
            .OrderBy(e => e.LastUsed)
            .ThenBy(e => e.Path, StringComparer.Ordinal);
        foreach (var entry in candidates)
        {
            if (total <= SizeLimitBytes)
            {
                break;
            }

            total -= entry.SizeBytes;
            if (!File.Exists(entry.Path))
            {
                // Another job's save evicted it first.
                continue;
            }

            File.Delete(entry.Path);
            evicted.Add(new EvictedCacheEntry
            {
                Key = Sha256Digest.Prefix + Path.GetFileNameWithoutExtension(entry.Path),
                SizeBytes = entry.SizeBytes,
                LastUsed = entry.LastUsed,
            });
        }

        return evicted;
    }

    /// <summary>The entry files with their size and last use; files that are not entries are left out.</summary>
    private List<CacheFile> ListEntries()
    {
        if (!Directory.Exists(EntriesFolder))
        {
            return [];
        }

        var entries = new List<CacheFile>();
        foreach (var file in new DirectoryInfo(EntriesFolder).EnumerateFiles("*.tar", FileTrees.Enumeration))
        {
            if (!Sha256Digest.IsValid(Sha256Digest.Prefix + Path.GetFileNameWithoutExtension(file.Name)))
            {
                continue;
            }

            try
            {
                entries.Add(new CacheFile(file.FullName, file.Length, new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero)));
            }
            catch (FileNotFoundException)
            {
                // Evicted by another job between listing and reading.
            }
        }

        return entries;
    }

    private void Touch(string path)
    {
        try
        {
            File.SetLastWriteTimeUtc(path, _time.GetUtcNow().UtcDateTime);
        }
        catch (FileNotFoundException)
        {
            // Evicted by another job after it was opened; the open file still reads to the end.
        }
    }

    private static long SizeOf(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? info.Length : 0;
    }

    private string EntryPath(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!Sha256Digest.IsValid(key))
        {
            throw new ArgumentException($"'{key}' is not a cache key: expected 'sha256:' followed by 64 lowercase hex digits, as ComputeKey gives", nameof(key));
        }

        return Path.Combine(EntriesFolder, Sha256Digest.Hex(key) + ".tar");
    }

    private void CheckPaths(IReadOnlyList<string> resolvedPaths)
    {
        ArgumentNullException.ThrowIfNull(resolvedPaths);
        foreach (var path in resolvedPaths)
        {
            if (string.IsNullOrEmpty(path) || !Path.IsPathFullyQualified(path))
            {
                throw new ArgumentException($"cache path '{path}' is not a full path; resolve it with CachePaths.Resolve", nameof(resolvedPaths));
            }
        }

        for (var i = 0; i < resolvedPaths.Count; i++)
        {
            for (var j = 0; j < resolvedPaths.Count; j++)
            {
                if (i != j && FileTrees.IsSameOrInside(resolvedPaths[i], resolvedPaths[j]))
                {
                    throw new CacheException($"cache paths '{resolvedPaths[i]}' and '{resolvedPaths[j]}' overlap; each cache path must be a separate folder");
                }
            }

            if (FileTrees.IsSameOrInside(resolvedPaths[i], Root) || FileTrees.IsSameOrInside(Root, resolvedPaths[i]))
            {
                throw new CacheException($"cache path '{resolvedPaths[i]}' overlaps the cache itself at '{Root}'");
            }
        }
    }

    private static byte[] HashKeyFile(string keyFile, string workingDirectory)
    {
        var path = Path.Combine(workingDirectory, keyFile);
        if (Directory.Exists(path))
        {
            throw new CacheException($"cache key file '{keyFile}' is a folder in the working directory '{workingDirectory}'; key files are files");
        }

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 81920);
            return SHA256.HashData(stream);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CacheException($"cache key file '{keyFile}' does not exist in the working directory '{workingDirectory}'", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CacheException($"cannot read cache key file '{keyFile}' in the working directory '{workingDirectory}': {e.Message}", e);
        }
    }

    private static void AppendField(IncrementalHash hash, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        AppendCount(hash, bytes.Length);
        hash.AppendData(bytes);
    }

    private static void AppendCount(IncrementalHash hash, int count)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, count);
        hash.AppendData(length);
    }

    private void EnsureRoot()
    {
        var parent = Path.GetDirectoryName(Root);
        if (parent is not null && Path.GetFileName(parent) == CapstanDirectory.Name)
        {
            CapstanDirectory.Ensure(parent);
        }

        Directory.CreateDirectory(EntriesFolder);
        Directory.CreateDirectory(TemporaryFolder);
    }

    private sealed record CacheFile(string Path, long SizeBytes, DateTimeOffset LastUsed);
}
