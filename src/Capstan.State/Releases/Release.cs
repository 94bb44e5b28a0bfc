namespace Capstan.State;

/// <summary>
/// What gets deployed: one service's artifact with one configuration and one set of secret versions.
/// Releases are never changed; a new combination is a new release.
/// </summary>
public sealed record Release
{
    /// <summary>The release's id, e.g. <c>StateId.New("rel")</c>.</summary>
    public required string Id { get; init; }

    public required string App { get; init; }

    public required string Service { get; init; }

    public required string ArtifactDigest { get; init; }

    /// <summary>A hash of the service's resolved configuration.</summary>
    public required string ConfigHash { get; init; }

    /// <summary>The version of each secret the release reads, by secret name.</summary>
    public required IReadOnlyDictionary<string, int> SecretVersions { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required string CreatedBy { get; init; }
}

/// <summary>Releases of an app's services.</summary>
public interface IReleaseStore
{
    /// <summary>Adds a new release. Its id must not exist yet.</summary>
    Task AddAsync(Release release, CancellationToken cancellationToken);

    Task<Release?> GetAsync(string releaseId, CancellationToken cancellationToken);

    /// <summary>The app's releases, of one service or of all when <paramref name="service"/> is null, newest first.</summary>
    Task<IReadOnlyList<Release>> ListAsync(string app, string? service, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// The newest release of the service with the same artifact, configuration hash and secret versions
    /// (compared as a set of name/version pairs), or null: reuse it instead of making an identical one.
    /// </summary>
    Task<Release?> FindExistingAsync(
        string app,
        string service,
        string artifactDigest,
        string configHash,
        IReadOnlyDictionary<string, int> secretVersions,
        CancellationToken cancellationToken);
}
