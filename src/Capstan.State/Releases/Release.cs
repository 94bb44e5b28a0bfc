namespace Capstan.State;

/// <summary>
/// What gets deployed: one service's artifact with the configuration and the secret versions of one environment.
/// Releases are never changed; a new combination is a new release, numbered by the store.
/// </summary>
public sealed record Release
{
    /// <summary>The release's id, e.g. <c>StateId.New("rel")</c>.</summary>
    public required string Id { get; init; }

    public required string App { get; init; }

    /// <summary>
    /// The environment whose configuration and secrets the release holds. Not empty: <c>''</c> marks the releases made
    /// before releases had an environment (schema version 4), which stay readable but take no new ones.
    /// </summary>
    public required string Environment { get; init; }

    public required string Service { get; init; }

    /// <summary>
    /// 1, 2, 3, … per app, environment and service, in the order the releases were added. Assigned by
    /// <see cref="IReleaseStore.AddAsync"/>; the value given to it is ignored.
    /// </summary>
    public long Version { get; init; }

    public required string ArtifactDigest { get; init; }

    /// <summary>A hash of the service's resolved configuration.</summary>
    public required string ConfigHash { get; init; }

    /// <summary>The version of each secret the release reads, by secret name.</summary>
    public required IReadOnlyDictionary<string, int> SecretVersions { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required string CreatedBy { get; init; }
}

/// <summary>Releases of an app's services, per environment.</summary>
public interface IReleaseStore
{
    /// <summary>
    /// Adds a new release and returns it as stored, with its <see cref="Release.Version"/>: one more than the highest version
    /// of the app, environment and service, assigned in the same transaction (concurrent adds get distinct versions on both
    /// engines). Its id must not exist yet.
    /// </summary>
    /// <exception cref="ArgumentException"><see cref="Release.Environment"/> is empty.</exception>
    Task<Release> AddAsync(Release release, CancellationToken cancellationToken);

    Task<Release?> GetAsync(string releaseId, CancellationToken cancellationToken);

    /// <summary>The release with that version of the app, environment and service, or null.</summary>
    Task<Release?> GetByVersionAsync(string app, string environment, string service, long version, CancellationToken cancellationToken);

    /// <summary>
    /// The app's releases, to one environment or all when <paramref name="environment"/> is null, of one service or all
    /// when <paramref name="service"/> is null; newest first (by <see cref="Release.CreatedAt"/>, then version, then id).
    /// </summary>
    Task<IReadOnlyList<Release>> ListAsync(string app, string? environment, string? service, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// The highest-versioned release of the service in the environment with the same artifact, configuration hash and
    /// secret versions (compared as a set of name/version pairs), or null: reuse it instead of making an identical one.
    /// </summary>
    Task<Release?> FindExistingAsync(
        string app,
        string environment,
        string service,
        string artifactDigest,
        string configHash,
        IReadOnlyDictionary<string, int> secretVersions,
        CancellationToken cancellationToken);
}
