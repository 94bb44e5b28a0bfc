using System.Data.Common;

namespace Capstan.State;

internal sealed class ReleaseStore : IReleaseStore
{
    private const string Columns = "id, app, service, artifact_digest, config_hash, secret_versions, created_at, created_by";

    private readonly ISqlRunner _sql;

    public ReleaseStore(ISqlRunner sql)
    {
        _sql = sql;
    }

    public Task AddAsync(Release release, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(release);
        return _sql.RunAsync(
            write: true,
            (tx, ct) => tx.ExecuteAsync(
                $"""
                INSERT INTO capstan_releases ({Columns})
                VALUES (@id, @app, @service, @artifact_digest, @config_hash, @secret_versions, @created_at, @created_by)
                """,
                p => p.Text("id", release.Id)
                    .Text("app", release.App)
                    .Text("service", release.Service)
                    .Text("artifact_digest", release.ArtifactDigest)
                    .Text("config_hash", release.ConfigHash)
                    .Text("secret_versions", JsonMaps.Write(release.SecretVersions))
                    .Time("created_at", release.CreatedAt)
                    .Text("created_by", release.CreatedBy),
                ct),
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

    public Task<IReadOnlyList<Release>> ListAsync(string app, string? service, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var serviceFilter = service is null ? string.Empty : " AND service = @service";
        return _sql.RunAsync(
            write: false,
            (tx, ct) => tx.QueryAsync(
                $"SELECT {Columns} FROM capstan_releases WHERE app = @app{serviceFilter} ORDER BY created_at DESC, id DESC LIMIT @limit",
                p =>
                {
                    p.Text("app", app).Int64("limit", limit);
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
        string service,
        string artifactDigest,
        string configHash,
        IReadOnlyDictionary<string, int> secretVersions,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(artifactDigest);
        ArgumentNullException.ThrowIfNull(configHash);
        var secrets = JsonMaps.Write(secretVersions);
        return _sql.RunAsync(
            write: false,
            (tx, ct) => tx.QuerySingleOrDefaultAsync(
                $"""
                SELECT {Columns} FROM capstan_releases
                WHERE app = @app AND service = @service AND artifact_digest = @artifact_digest
                    AND config_hash = @config_hash AND secret_versions = @secret_versions
                ORDER BY created_at DESC, id DESC
                LIMIT 1
                """,
                p => p.Text("app", app)
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
        Service = r.GetString(2),
        ArtifactDigest = r.GetString(3),
        ConfigHash = r.GetString(4),
        SecretVersions = JsonMaps.ReadInt32Map(r.GetString(5)),
        CreatedAt = r.GetTime(6),
        CreatedBy = r.GetString(7),
    };
}
