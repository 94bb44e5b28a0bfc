using System.Data.Common;

namespace Capstan.State;

internal sealed class ReleaseStore : IReleaseStore
{
    private const string Columns =
        "id, app, environment, service, version, artifact_digest, config_hash, secret_versions, created_at, created_by";

    // Each retry follows another adder's commit, so this is only reached if the numbering itself is broken.
    private const int MaxNumberingAttempts = 1000;

    private readonly ISqlRunner _sql;

    public ReleaseStore(ISqlRunner sql)
    {
        _sql = sql;
    }

    public Task<Release> AddAsync(Release release, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(release);
        if (string.IsNullOrEmpty(release.Environment))
        {
            throw new ArgumentException(
                $"Release '{release.Id}' has no environment; every release belongs to one ('' is kept for releases made before releases had one).",
                nameof(release));
        }

        var secrets = JsonMaps.Write(release.SecretVersions);
        return _sql.RunAsync(
            write: true,
            async (tx, ct) =>
            {
                // The version is the highest plus one, computed in the insert itself. On SQLite the write lock makes adders take
                // turns. On PostgreSQL (read committed) two adders can compute the same number; the second then waits on the
                // unique index for the first to commit and inserts nothing (DO NOTHING, rather than a failed statement, which
                // would abort an enclosing transaction), and tries again with a new snapshot that sees the first's row.
                for (var attempt = 0; attempt < MaxNumberingAttempts; attempt++)
                {
                    var stored = await tx.QuerySingleOrDefaultAsync(
                        $"""
                        INSERT INTO capstan_releases ({Columns})
                        SELECT @id, @app, @environment, @service, COALESCE(MAX(version), 0) + 1,
                            @artifact_digest, @config_hash, @secret_versions, @created_at, @created_by
                        FROM capstan_releases
                        WHERE app = @app AND environment = @environment AND service = @service
                        ON CONFLICT (app, environment, service, version) DO NOTHING
                        RETURNING {Columns}
                        """,
                        p => p.Text("id", release.Id)
                            .Text("app", release.App)
                            .Text("environment", release.Environment)
                            .Text("service", release.Service)
                            .Text("artifact_digest", release.ArtifactDigest)
                            .Text("config_hash", release.ConfigHash)
                            .Text("secret_versions", secrets)
                            .Time("created_at", release.CreatedAt)
                            .Text("created_by", release.CreatedBy),
                        Read,
                        ct).ConfigureAwait(false);
                    if (stored is not null)
                    {
                        return stored;
                    }
                }

                throw new InvalidOperationException(
                    $"Could not number release '{release.Id}' of {release.App}/{release.Environment}/{release.Service} after {MaxNumberingAttempts} attempts.");
            },
            cancellationToken);
    }

    public Task<Release?> GetAsync(string releaseId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(releaseId);
        return _sql.RunAsync(
            write: false,
            (tx, ct) => tx.QuerySingleOrDefaultAsync(
                $"SELECT {Columns} FROM capstan_releases WHERE id = @id",
                p => p.Text("id", releaseId),
                Read,
                ct),
            cancellationToken);
    }

    public Task<Release?> GetByVersionAsync(string app, string environment, string service, long version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(service);
        return _sql.RunAsync(
            write: false,
            (tx, ct) => tx.QuerySingleOrDefaultAsync(
                $"""
                SELECT {Columns} FROM capstan_releases
                WHERE app = @app AND environment = @environment AND service = @service AND version = @version
                """,
                p => p.Text("app", app).Text("environment", environment).Text("service", service).Int64("version", version),
                Read,
                ct),
            cancellationToken);
    }

    public Task<IReadOnlyList<Release>> ListAsync(
        string app,
        string? environment,
        string? service,
        int limit,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var environmentFilter = environment is null ? string.Empty : " AND environment = @environment";
        var serviceFilter = service is null ? string.Empty : " AND service = @service";
        return _sql.RunAsync(
            write: false,
            (tx, ct) => tx.QueryAsync(
                $"""
                SELECT {Columns} FROM capstan_releases
                WHERE app = @app{environmentFilter}{serviceFilter}
                ORDER BY created_at DESC, version DESC, id DESC
                LIMIT @limit
                """,
                p =>
                {
                    p.Text("app", app).Int64("limit", limit);
                    if (environment is not null)
                    {
                        p.Text("environment", environment);
                    }

                    if (service is not null)
                    {
                        p.Text("service", service);
                    }
                },
                Read,
                ct),
            cancellationToken);
    }

    public Task<Release?> FindExistingAsync(
        string app,
        string environment,
        string service,
        string artifactDigest,
        string configHash,
        IReadOnlyDictionary<string, int> secretVersions,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(artifactDigest);
        ArgumentNullException.ThrowIfNull(configHash);
        var secrets = JsonMaps.Write(secretVersions);
        return _sql.RunAsync(
            write: false,
            (tx, ct) => tx.QuerySingleOrDefaultAsync(
                $"""
                SELECT {Columns} FROM capstan_releases
                WHERE app = @app AND environment = @environment AND service = @service AND artifact_digest = @artifact_digest
                    AND config_hash = @config_hash AND secret_versions = @secret_versions
                ORDER BY version DESC
                LIMIT 1
                """,
                p => p.Text("app", app)
                    .Text("environment", environment)
                    .Text("service", service)
                    .Text("artifact_digest", artifactDigest)
                    .Text("config_hash", configHash)
                    .Text("secret_versions", secrets),
                Read,
                ct),
            cancellationToken);
    }

    private static Release Read(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        App = r.GetString(1),
        Environment = r.GetString(2),
        Service = r.GetString(3),
        Version = r.GetInt64(4),
        ArtifactDigest = r.GetString(5),
        ConfigHash = r.GetString(6),
        SecretVersions = JsonMaps.ReadInt32Map(r.GetString(7)),
        CreatedAt = r.GetTime(8),
        CreatedBy = r.GetString(9),
    };
}
