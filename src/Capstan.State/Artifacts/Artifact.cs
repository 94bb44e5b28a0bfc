namespace Capstan.State;

/// <summary>A build output, addressed by the digest of its content.</summary>
public sealed record Artifact
{
    /// <summary><c>sha256:</c> followed by 64 lowercase hex digits.</summary>
    public required string Digest { get; init; }

    public required string App { get; init; }

    /// <summary>The job that produced it.</summary>
    public required string Job { get; init; }

    /// <summary>The run that produced it.</summary>
    public required string RunId { get; init; }

    public required long SizeBytes { get; init; }

    /// <summary>Where the bytes are, e.g. a path in the artifact folder, an image reference or an object-store URL.</summary>
    public required string Location { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
}

/// <summary>Build artifacts, one row per digest.</summary>
public interface IArtifactStore
{
    /// <summary>Records the artifact; false (and nothing changes) when one with the same digest is already recorded.</summary>
    Task<bool> AddAsync(Artifact artifact, CancellationToken cancellationToken);

    Task<Artifact?> GetAsync(string digest, CancellationToken cancellationToken);

    /// <summary>The app's artifacts, newest first.</summary>
    Task<IReadOnlyList<Artifact>> ListAsync(string app, int limit, CancellationToken cancellationToken);
}
