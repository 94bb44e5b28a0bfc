using Capstan.State;

namespace Capstan.Pipelines.Artifacts;

/// <summary>
/// Content-addressed artifacts under a root folder (a project's <c>.capstan/artifacts</c>): each is a
/// <see cref="ReproducibleTar"/> at <c>sha256/&lt;first 2 hex&gt;/&lt;64 hex&gt;.tar</c>, written once through a temporary
/// file and a rename, so a reader never sees half of one; two jobs storing the same content at once both end with the
/// same, complete file.
/// </summary>
public sealed class ArtifactRepository
{
    private const UnixFileMode ReadOnly = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public ArtifactRepository(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = Path.GetFullPath(root);
    }

    /// <summary>The store's folder, full path.</summary>
    public string Root { get; }

    /// <summary>Where unfinished writes go; anything in it not being written right now is debris.</summary>
    private string TemporaryFolder => Path.Combine(Root, "tmp");

    /// <summary>
    /// Packs <paramref name="folder"/> as a reproducible tar, hashing it as it is written to a temporary file in the
    /// store, then renames it to its content address. When that exists already the new copy is dropped; two stores
    /// racing may both rename, which is harmless because their bytes are identical.
    /// </summary>
    /// <exception cref="ArtifactException">The folder holds the store, cannot be packed (see <see cref="ReproducibleTar.WriteAsync(string, Stream, CancellationToken)"/>) or the store cannot be written.</exception>
    public async Task<StoredArtifact> StoreFolderAsync(string folder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (FileTrees.IsSameOrInside(folder, Root))
        {
            // The tar being written would be inside the folder being packed.
            throw new ArtifactException($"cannot store '{folder}': the artifact store '{Root}' is inside it; store a build output folder");
        }

        var temporary = Path.Combine(TemporaryFolder, $"{Guid.NewGuid():N}.tar");
        try
        {
            EnsureRoot();
            string digest;
            long size;
            var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 81920);
            await using (file.ConfigureAwait(false))
            {
                var hashing = new HashingStream(file, leaveOpen: true);
                await using (hashing.ConfigureAwait(false))
                {
                    await ReproducibleTar.WriteAsync(folder, hashing, cancellationToken).ConfigureAwait(false);
                    digest = hashing.Digest();
                    size = hashing.BytesHashed;
                }
            }

            var path = PathOf(digest);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (!OperatingSystem.IsWindows())
            {
                // Content-addressed files never change; read-only says so to anyone looking.
                File.SetUnixFileMode(temporary, ReadOnly);
            }

            var alreadyStored = !FileTrees.Publish(temporary, path);
            return new StoredArtifact { Digest = digest, SizeBytes = size, Path = path, AlreadyStored = alreadyStored };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArtifactException($"cannot store '{folder}' in '{Root}': {e.Message}", e);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>True when the artifact is in the store.</summary>
    /// <exception cref="ArtifactException"><paramref name="digest"/> is malformed.</exception>
    public bool Exists(string digest) => File.Exists(PathOf(digest));

    /// <summary>Where the artifact is or would be stored.</summary>
    /// <exception cref="ArtifactException"><paramref name="digest"/> is malformed.</exception>
    public string PathOf(string digest)
    {
        Validate(digest);
        var hex = Sha256Digest.Hex(digest);
        return Path.Combine(Root, "sha256", hex[..2], hex + ".tar");
    }

    /// <summary>Opens the stored tar for reading, without checking its content against the digest.</summary>
    /// <exception cref="ArtifactException"><paramref name="digest"/> is malformed or not in the store.</exception>
    public Stream OpenRead(string digest)
    {
        var path = PathOf(digest);
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 81920);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ArtifactException($"artifact {digest} is not in the store at '{Root}'", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArtifactException($"cannot read artifact {digest} at '{path}': {e.Message}", e);
        }
    }

    /// <summary>
    /// Extracts the artifact into <paramref name="targetFolder"/>, which must not exist or be empty, hashing the tar as
    /// it is read: when the content does not match the digest nothing is extracted.
    /// </summary>
    /// <inheritdoc cref="ExtractAsync(string, string, ExistingTarget, CancellationToken)"/>
    public Task ExtractAsync(string digest, string targetFolder, CancellationToken cancellationToken) =>
        ExtractAsync(digest, targetFolder, ExistingTarget.Refuse, cancellationToken);

    /// <summary>
    /// Extracts the artifact into <paramref name="targetFolder"/> with the rules of
    /// <see cref="ReproducibleTar.ExtractAsync(Stream, string, ExistingTarget, CancellationToken)"/>, hashing the tar as
    /// it is read; the extracted folder is moved into place only when the content matches the digest.
    /// </summary>
    /// <exception cref="ArtifactException">
    /// The digest is malformed or not in the store, the stored file is corrupted (the message names the digest), an
    /// entry was refused, or the target cannot be written.
    /// </exception>
    public async Task ExtractAsync(string digest, string targetFolder, ExistingTarget existing, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(targetFolder);
        if (existing == ExistingTarget.Refuse)
        {
            TarExtraction.ThrowIfOccupied(targetFolder);
        }

        var file = OpenRead(digest);
        await using (file.ConfigureAwait(false))
        {
            var hashing = new HashingStream(file, leaveOpen: true);
            await using (hashing.ConfigureAwait(false))
            {
                TarExtraction extraction;
                try
                {
                    extraction = await TarExtraction.StageAsync(hashing, [targetFolder], prefixed: false, cancellationToken).ConfigureAwait(false);
                }
                catch (ArtifactException e)
                {
                    // A damaged file usually fails as a malformed archive; say that it is damaged when it is.
                    await ThrowIfCorruptedAsync(digest, hashing, e, cancellationToken).ConfigureAwait(false);
                    throw;
                }

                using (extraction)
                {
                    await ThrowIfCorruptedAsync(digest, hashing, null, cancellationToken).ConfigureAwait(false);
                    extraction.Commit(existing);
                }
            }
        }
    }

    /// <summary>True when the stored tar's bytes still hash to <paramref name="digest"/>.</summary>
    /// <exception cref="ArtifactException"><paramref name="digest"/> is malformed or not in the store.</exception>
    public async Task<bool> VerifyAsync(string digest, CancellationToken cancellationToken)
    {
        var file = OpenRead(digest);
        await using (file.ConfigureAwait(false))
        {
            var hashing = new HashingStream(file, leaveOpen: true);
            await using (hashing.ConfigureAwait(false))
            {
                await hashing.DrainAsync(cancellationToken).ConfigureAwait(false);
                return hashing.Digest() == digest;
            }
        }
    }

    private static void Validate(string digest)
    {
        ArgumentNullException.ThrowIfNull(digest);
        if (!Sha256Digest.IsValid(digest))
        {
            throw new ArtifactException($"'{digest}' is not an artifact digest: expected 'sha256:' followed by 64 lowercase hex digits");
        }
    }

    private static async Task ThrowIfCorruptedAsync(string digest, HashingStream hashing, Exception? inner, CancellationToken cancellationToken)
    {
        await hashing.DrainAsync(cancellationToken).ConfigureAwait(false);
        var actual = hashing.Digest();
        if (actual != digest)
        {
            throw new ArtifactException(
                $"artifact {digest} is corrupted: its stored bytes hash to {actual}; nothing was extracted. Store the artifact again from its build",
                inner);
        }
    }

    private void EnsureRoot()
    {
        var parent = Path.GetDirectoryName(Root);
        if (parent is not null && Path.GetFileName(parent) == CapstanDirectory.Name)
        {
            CapstanDirectory.Ensure(parent);
        }

        Directory.CreateDirectory(TemporaryFolder);
    }
}
