using System.Data.Common;

namespace Capstan.State;

internal sealed class DeploymentStore : IDeploymentStore
{
    private const string Columns =
        "id, app, environment, release_id, strategy, status, step, state, revision, created_by, created_at, updated_at, finished_at, reason, previous_release_id";

    private readonly ISqlRunner _sql;

    public DeploymentStore(ISqlRunner sql)
    {
        _sql = sql;
    }

    public Task CreateAsync(Deployment deployment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        return _sql.RunAsync(
            write: true,
            (tx, ct) => tx.ExecuteAsync(
                $"""
                INSERT INTO capstan_deployments ({Columns})
                VALUES (@id, @app, @environment, @release_id, @strategy, @status, @step, @state, @revision,
                    @created_by, @created_at, @updated_at, @finished_at, @reason, @previous_release_id)
                """,
                p => p.Text("id", deployment.Id)
                    .Text("app", deployment.App)
                    .Text("environment", deployment.Environment)
                    .Text("release_id", deployment.ReleaseId)
                    .Text("strategy", deployment.Strategy)
                    .Text("status", StoredNames.DeploymentStatus.Name(deployment.Status))
                    .Text("step", deployment.Step)
                    .Text("state", deployment.State)
                    .Int64("revision", deployment.Revision)
                    .Text("created_by", deployment.CreatedBy)
                    .Time("created_at", deployment.CreatedAt)
                    .Time("updated_at", deployment.UpdatedAt)
                    .Time("finished_at", deployment.FinishedAt)
                    .Text("reason", deployment.Reason)
                    .Text("previous_release_id", deployment.PreviousReleaseId),
                ct),
            cancellationToken);
    }

    public Task<Deployment?> GetAsync(string deploymentId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deploymentId);
        return _sql.RunAsync(
            write: false,
            (tx, ct) => tx.QuerySingleOrDefaultAsync(
                $"SELECT {Columns} FROM capstan_deployments WHERE id = @id",
                p => p.Text("id", deploymentId),
                Read,
                ct),
            cancellationToken);
    }

    public Task<IReadOnlyList<Deployment>> ListAsync(string app, string? environment, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var environmentFilter = environment is null ? string.Empty : " AND environment = @environment";
        return _sql.RunAsync(
            write: false,
            (tx, ct) => tx.QueryAsync(
                $"SELECT {Columns} FROM capstan_deployments WHERE app = @app{environmentFilter} ORDER BY created_at DESC, id DESC LIMIT @limit",
                p =>
                {
                    p.Text("app", app).Int64("limit", limit);
                    if (environment is not null)
                    {
                        p.Text("environment", environment);
                    }
                },
                Read,
                ct),
            cancellationToken);
    }

    public Task<IReadOnlyList<Deployment>> ListUnfinishedAsync(string? app, CancellationToken cancellationToken)
    {
        var appFilter = app is null ? string.Empty : " AND app = @app";
        return _sql.RunAsync(
            write: false,
            (tx, ct) => tx.QueryAsync(
                $"SELECT {Columns} FROM capstan_deployments WHERE finished_at IS NULL{appFilter} ORDER BY created_at, id",
                p =>
                {
                    if (app is not null)
                    {
                        p.Text("app", app);
                    }
                },
                Read,
                ct),
            cancellationToken);
    }

    public Task<Deployment?> GetLastSucceededAsync(string app, string environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(environment);

        // COALESCE: the store does not insist that a succeeded deployment has a finish time, and the engines sort NULLs
        // differently (PostgreSQL puts them first in DESC order, SQLite last).
        return _sql.RunAsync(
            write: false,
            (tx, ct) => tx.QuerySingleOrDefaultAsync(
                $"""
                SELECT {Columns} FROM capstan_deployments
                WHERE app = @app AND environment = @environment AND status = @succeeded
                ORDER BY COALESCE(finished_at, updated_at) DESC, created_at DESC, id DESC
                LIMIT 1
                """,
                p => p.Text("app", app)
                    .Text("environment", environment)
                    .Text("succeeded", StoredNames.DeploymentStatus.Name(DeploymentStatus.Succeeded)),
                Read,
                ct),
            cancellationToken);
    }

    public Task<Deployment?> TryUpdateAsync(Deployment deployment, long expectedRevision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        return _sql.RunAsync<Deployment?>(
            write: true,
            async (tx, ct) =>
            {
                // The revision check and the update are one statement: on PostgreSQL a concurrent updater waits for the row
                // lock, then re-checks the revision against the committed row and updates nothing.
                var updated = await tx.ExecuteAsync(
                    """
                    UPDATE capstan_deployments
                    SET status = @status, step = @step, state = @state, updated_at = @updated_at,
                        finished_at = @finished_at, reason = @reason, revision = revision + 1,
                        previous_release_id = CASE WHEN status = @pending THEN @previous_release_id ELSE previous_release_id END
                    WHERE id = @id AND revision = @expected_revision
                    """,
                    p => p.Text("id", deployment.Id)
                        .Int64("expected_revision", expectedRevision)
                        .Text("status", StoredNames.DeploymentStatus.Name(deployment.Status))
                        .Text("step", deployment.Step)
                        .Text("state", deployment.State)
                        .Time("updated_at", deployment.UpdatedAt)
                        .Time("finished_at", deployment.FinishedAt)
                        .Text("reason", deployment.Reason)
                        .Text("pending", StoredNames.DeploymentStatus.Name(DeploymentStatus.Pending))
                        .Text("previous_release_id", deployment.PreviousReleaseId),
                    ct).ConfigureAwait(false);
                if (updated == 1)
                {
                    return await tx.QuerySingleOrDefaultAsync(
                        $"SELECT {Columns} FROM capstan_deployments WHERE id = @id",
                        p => p.Text("id", deployment.Id),
                        Read,
                        ct).ConfigureAwait(false);
                }

                var exists = await tx.ScalarInt64Async(
                    "SELECT 1 FROM capstan_deployments WHERE id = @id",
                    p => p.Text("id", deployment.Id),
                    ct).ConfigureAwait(false);
                return exists is null
                    ? throw new InvalidOperationException($"There is no deployment '{deployment.Id}' to update.")
                    : null;
            },
            cancellationToken);
    }

    private static Deployment Read(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        App = r.GetString(1),
        Environment = r.GetString(2),
        ReleaseId = r.GetString(3),
        Strategy = r.GetString(4),
        Status = StoredNames.DeploymentStatus.Parse(r.GetString(5)),
        Step = r.GetString(6),
        State = r.GetString(7),
        Revision = r.GetInt64(8),
        CreatedBy = r.GetString(9),
        CreatedAt = r.GetTime(10),
        UpdatedAt = r.GetTime(11),
        FinishedAt = r.GetTimeOrNull(12),
        Reason = r.GetTextOrNull(13),
        PreviousReleaseId = r.GetTextOrNull(14),
    };
}
