using System.Data.Common;

namespace Capstan.State;

internal sealed class ArtifactStore : IArtifactStore
{
    private const string Columns = "digest, app, job, run_id, size_bytes, location, created_at";

    private readonly ISqlRunner _sql;

    public ArtifactStore(ISqlRunner sql)
    {
        _sql = sql;
    }

    public async Task<bool> AddAsync(Artifact artifact, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        var added = await _sql.RunAsync(
            write: true,
            (tx, ct) => tx.ExecuteAsync(
                $"""
                INSERT INTO capstan_artifacts ({Columns})
                VALUES (@digest, @app, @job, @run_id, @size_bytes, @location, @created_at)
                ON CONFLICT (digest) DO NOTHING
                """,
                p => p.Text("digest", artifact.Digest)
                    .Text("app", artifact.App)
                    .Text("job", artifact.Job)
                    .Text("run_id", artifact.RunId)
                    .Int64("size_bytes", artifact.SizeBytes)
                    .Text("location", artifact.Location)
                    .Time("created_at", artifact.CreatedAt),
                ct),
            cancellationToken).ConfigureAwait(false);
        return added == 1;
    }

    public Task<Artifact?> GetAsync(string digest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(digest);
        return _sql.RunAsync(
            write: false,
            (tx, ct) => tx.QuerySingleOrDefaultAsync(
                $"SELECT {Columns} FROM capstan_artifacts WHERE digest = @digest",
                p => p.Text("digest", digest),
                Read,
                ct),
            cancellationToken);
    }

    public Task<IReadOnlyList<Artifact>> ListAsync(string app, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return _sql.RunAsync(
            write: false,
            (tx, ct) => tx.QueryAsync(
                $"SELECT {Columns} FROM capstan_artifacts WHERE app = @app ORDER BY created_at DESC, digest DESC LIMIT @limit",
                p => p.Text("app", app).Int64("limit", limit),
                Read,
                ct),
            cancellationToken);
    }

    private static Artifact Read(DbDataReader r) => new()
    {
        Digest = r.GetString(0),
        App = r.GetString(1),
        Job = r.GetString(2),
        RunId = r.GetString(3),
        SizeBytes = r.GetInt64(4),
        Location = r.GetString(5),
        CreatedAt = r.GetTime(6),
    };
}
