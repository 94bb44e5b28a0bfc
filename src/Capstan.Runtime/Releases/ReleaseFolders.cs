using Capstan.Pipelines.Artifacts;
using Capstan.State;

namespace Capstan.Runtime.Releases;

/// <summary>
/// Releases unpacked on disk, one folder per artifact: <c>.capstan/releases/&lt;64 hex&gt;/</c>. A folder is unpacked once,
/// into a temporary sibling that the artifact store checks against the digest as it extracts, and then renamed into
/// place, so a release folder that exists is complete. Callers in this process asking for the same release share one
/// extraction; another process racing for it loses the rename and uses the winner's folder.
/// </summary>
public sealed class ReleaseFolders
{
    private const string DigestPrefix = "sha256:";

    private readonly ArtifactRepository _artifacts;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Task<string>> _unpacking = new(StringComparer.Ordinal);

    /// <param name="root">The releases folder, e.g. <c>.capstan/releases</c>.</param>
    /// <param name="artifacts">Where the artifacts are.</param>
    public ReleaseFolders(string root, ArtifactRepository artifacts)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentNullException.ThrowIfNull(artifacts);
        Root = Path.GetFullPath(root);
        _artifacts = artifacts;
    }

    /// <summary>The releases folder, full path.</summary>
    public string Root { get; }

    /// <summary>Where the release of <paramref name="digest"/> is or would be unpacked.</summary>
    /// <exception cref="RuntimeException"><paramref name="digest"/> is not a <c>sha256:</c> digest.</exception>
    public string PathOf(string digest)
    {
        try
        {
            _artifacts.PathOf(digest); // validates the digest's form
        }
        catch (ArtifactException e)
        {
            throw new RuntimeException($"release '{digest}' cannot be unpacked: {e.Message}", e);
        }

        return Path.Combine(Root, digest[DigestPrefix.Length..]);
    }

    /// <summary>True when the release is unpacked (a release folder exists only complete).</summary>
    public bool Exists(string digest) => Directory.Exists(PathOf(digest));

    /// <summary>
    /// The release's folder, unpacked now if it is not yet. Cancelling stops the wait, not an extraction that another
    /// caller may share; that one finishes and leaves a complete folder.
    /// </summary>
    /// <exception cref="RuntimeException">
    /// The artifact is not in the store, is corrupted (its bytes no longer hash to the digest), or is not a valid archive;
    /// the message names the digest, and nothing is left in the releases folder.
    /// </exception>
    public Task<string> EnsureAsync(string digest, CancellationToken cancellationToken)
    {
        var final = PathOf(digest);
        if (Directory.Exists(final))
        {
            return Task.FromResult(final);
        }

        Task<string> unpacking;
        lock (_lock)
        {
            if (!_unpacking.TryGetValue(digest, out unpacking!))
            {
                unpacking = UnpackAsync(digest, final);
                _unpacking[digest] = unpacking;
            }
        }

        return unpacking.WaitAsync(cancellationToken);
    }

    private async Task<string> UnpackAsync(string digest, string final)
    {
        await Task.Yield(); // register in _unpacking before doing any work
        var temporary = Path.Combine(Root, $".{Path.GetFileName(final)}.{Guid.NewGuid():N}.partial");
        try
        {
            EnsureRoot();
            await _artifacts.ExtractAsync(digest, temporary, CancellationToken.None).ConfigureAwait(false);
            try
            {
                Directory.Move(temporary, final);
            }
            catch (IOException) when (Directory.Exists(final))
            {
                // Another process unpacked the same release first: its folder is just as complete.
            }

            return final;
        }
        catch (ArtifactException e)
        {
            throw new RuntimeException($"release {digest} cannot be unpacked: {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RuntimeException($"release {digest} cannot be unpacked into '{Root}': {e.Message}", e);
        }
        finally
        {
            if (Directory.Exists(temporary))
            {
                Directory.Delete(temporary, recursive: true);
            }

            lock (_lock)
            {
                _unpacking.Remove(digest);
            }
        }
    }

    private void EnsureRoot()
    {
        var parent = Path.GetDirectoryName(Root);
        if (parent is not null && Path.GetFileName(parent) == CapstanDirectory.Name)
        {
            CapstanDirectory.Ensure(parent);
        }

        Directory.CreateDirectory(Root);
    }
}
