using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Capstan.Pipelines.Inputs;

/// <summary>
/// A hash of everything a job's result depends on (its command, environment, secret versions and input files): when a
/// previous successful run of the job had the same <see cref="Hash"/>, the job can be skipped.
/// </summary>
/// <remarks>
/// <para>
/// Every addition is written as a tagged record whose fields are length-prefixed, so that no two different sequences of
/// additions give the same bytes: moving text from one component to another, or from a name to its value, changes the
/// hash. Additions count in the order they are made, except that the entries of one
/// <see cref="AddEnvironment"/> and one <see cref="AddFilesAsync"/> are sorted first.
/// </para>
/// <para>
/// The fingerprint holds no value in the clear: environment values and file contents enter as their SHA-256 only. A
/// hash of a short value can still be guessed by trying values, so secrets enter by version
/// (<see cref="AddSecretVersion"/>), never by value. Not thread-safe.
/// </para>
/// </remarks>
public sealed class JobFingerprint
{
    // Changing how records are written must change every hash: a new scheme gets a new version here.
    private static readonly byte[] Scheme = "capstan-job-fingerprint/1"u8.ToArray();

    private const int ReadBufferBytes = 128 * 1024;

    private static readonly byte[] EmptySha256 = SHA256.HashData([]);

    private readonly ArrayBufferWriter<byte> _bytes = new(4096);

    public JobFingerprint()
    {
        WriteBytes(Scheme);
    }

    /// <summary>
    /// <c>sha256:</c> and 64 lowercase hex digits: the SHA-256 of everything added so far. More may be added afterwards.
    /// </summary>
    public string Hash => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(_bytes.WrittenSpan));

    /// <summary>What <see cref="Hash"/> hashes, for tests.</summary>
    internal byte[] HashedBytes => _bytes.WrittenSpan.ToArray();

    /// <summary>Adds a named piece of text, e.g. <c>AddText("command", job.Run)</c> or the shell, image or working folder.</summary>
    public JobFingerprint AddText(string component, string value)
    {
        ArgumentNullException.ThrowIfNull(component);
        ArgumentNullException.ThrowIfNull(value);
        WriteTag(Tag.Text);
        WriteString(component);
        WriteString(value);
        return this;
    }

    /// <summary>
    /// Adds environment variables, sorted by name (ordinal); each value enters as its SHA-256, so the fingerprint never
    /// reveals it. Secret values do not belong here: add them with <see cref="AddSecretVersion"/>.
    /// </summary>
    public JobFingerprint AddEnvironment(IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        WriteTag(Tag.Environment);
        WriteInt64(environment.Count);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        foreach (var (name, value) in environment.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            WriteString(name);
            SHA256.HashData(Encoding.UTF8.GetBytes(value ?? string.Empty), digest);
            WriteBytes(digest);
        }

        return this;
    }

    /// <summary>Adds the version of a secret the job uses: rotating the secret changes the hash, its value never enters.</summary>
    public JobFingerprint AddSecretVersion(string name, int version)
    {
        ArgumentNullException.ThrowIfNull(name);
        WriteTag(Tag.SecretVersion);
        WriteString(name);
        WriteInt64(version);
        return this;
    }

    /// <summary>
    /// Adds files under <paramref name="root"/> (as <see cref="InputFiles.Match"/> lists them), in ordinal order of their
    /// relative paths whatever the order given, each once: its relative path, whether it is executable (the owner's
    /// execute bit, as git records it), its length and the SHA-256 of its content. A symbolic link enters as the path it
    /// points to, unfollowed. Times, owners and other mode bits do not count, nor does where <paramref name="root"/> is.
    /// </summary>
    /// <param name="root">The folder the paths are relative to.</param>
    /// <param name="files">Relative paths, '/'-separated, inside <paramref name="root"/>.</param>
    /// <exception cref="InputFilesException">A file could not be read (it is named); the hash is then unchanged.</exception>
    /// <exception cref="ArgumentException">A path is absolute or leaves <paramref name="root"/>.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the hash is then unchanged.</exception>
    public async Task<JobFingerprint> AddFilesAsync(string root, IReadOnlyList<string> files, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(files);
        var fullRoot = Path.GetFullPath(root);
        var paths = files.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        foreach (var path in paths)
        {
            if (path.Length == 0 || Path.IsPathRooted(path) || path.Split('/').Any(s => s is ".." or "."))
            {
                throw new ArgumentException($"'{path}' is not a relative path inside the root", nameof(files));
            }
        }

        // Files are hashed in parallel into their own slots, then written in order: the bytes do not depend on which
        // file finished first.
        var entries = new FileEntry[paths.Length];
        var parallel = new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount };
        await Parallel.ForEachAsync(Enumerable.Range(0, paths.Length), parallel, (i, token) =>
        {
            entries[i] = Read(Path.Combine(fullRoot, paths[i]), paths[i], token);
            return ValueTask.CompletedTask;
        }).ConfigureAwait(false);

        WriteTag(Tag.Files);
        WriteInt64(paths.Length);
        for (var i = 0; i < paths.Length; i++)
        {
            var entry = entries[i];
            WriteString(paths[i]);
            if (entry.LinkTarget is { } target)
            {
                WriteTag(Tag.SymbolicLink);
                WriteString(target);
            }
            else
            {
                WriteTag(entry.Executable ? Tag.ExecutableFile : Tag.RegularFile);
                WriteInt64(entry.Length);
                WriteBytes(entry.Sha256);
            }
        }

        return this;
    }

    private static FileEntry Read(string fullPath, string relativePath, CancellationToken cancellationToken)
    {
        byte[]? buffer = null;
        try
        {
            var info = new FileInfo(fullPath);
            if (info.LinkTarget is { } target)
            {
                return new FileEntry { LinkTarget = target };
            }

            // Never opened when empty: a FIFO or a device also reports no length, and opening it would block.
            if (info.Length == 0)
            {
                return new FileEntry { Executable = !OperatingSystem.IsWindows() && IsExecutable(info.UnixFileMode), Length = 0, Sha256 = EmptySha256 };
            }

            using var handle = File.OpenHandle(fullPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.SequentialScan);
            var executable = !OperatingSystem.IsWindows() && IsExecutable(File.GetUnixFileMode(handle));
            buffer = ArrayPool<byte>.Shared.Rent(ReadBufferBytes);
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long length = 0;
            int read;
            // The length is what was read, not what a stat said earlier, so that it always agrees with the digest.
            while ((read = RandomAccess.Read(handle, buffer, length)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                sha.AppendData(buffer, 0, read);
                length += read;
            }

            return new FileEntry { Executable = executable, Length = length, Sha256 = sha.GetHashAndReset() };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputFilesException($"cannot read the input file '{relativePath}': {e.Message}", e);
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static bool IsExecutable(UnixFileMode mode) => mode.HasFlag(UnixFileMode.UserExecute);

    private void WriteTag(Tag tag) => WriteBytes([(byte)tag]);

    private void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_bytes.GetSpan(sizeof(long)), value);
        _bytes.Advance(sizeof(long));
    }

    private void WriteString(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        WriteInt64(length);
        Encoding.UTF8.GetBytes(value, _bytes.GetSpan(length));
        _bytes.Advance(length);
    }

    private void WriteBytes(ReadOnlySpan<byte> bytes) => _bytes.Write(bytes);

    private enum Tag : byte
    {
        Text = (byte)'T',
        Environment = (byte)'E',
        SecretVersion = (byte)'S',
        Files = (byte)'F',
        RegularFile = (byte)'f',
        ExecutableFile = (byte)'x',
        SymbolicLink = (byte)'l',
    }

    private readonly record struct FileEntry
    {
        public string? LinkTarget { get; init; }

        public bool Executable { get; init; }

        public long Length { get; init; }

        public byte[] Sha256 { get; init; }
    }
}
