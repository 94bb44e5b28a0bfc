using System.Data.Common;

namespace Capstan.State;

internal sealed class RunStore : IRunStore
{
    private const string RunColumns = "id, app, status, triggered_by, commit_sha, started_at, finished_at, environment";
    private const string JobColumns =
        "run_id, job, status, attempt, started_at, finished_at, exit_code, inputs_hash, detail, "
        + "tests_passed, tests_failed, tests_skipped, failed_tests, artifact_digest, reused_run_id";

    private readonly ISqlRunner _sql;

    public RunStore(ISqlRunner sql)
    {
        _sql = sql;
    }

    public Task CreateAsync(PipelineRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        return _sql.RunAsync(
            write: true,
            (tx, ct) => tx.ExecuteAsync(
                $"INSERT INTO capstan_runs ({RunColumns}) VALUES (@id, @app, @status, @trigger, @commit, @started_at, @finished_at, @environment)",
                p => p.Text("id", run.Id)
                    .Text("app", run.App)
                    .Text("status", StoredNames.RunStatus.Name(run.Status))
                    .Text("trigger", run.Trigger)
                    .Text("commit", run.Commit)
                    .Time("started_at", run.StartedAt)
                    .Time("finished_at", run.FinishedAt)
                    .Text("environment", run.Environment),
                ct),
            cancellationToken);
    }

    public async Task<bool> UpdateStatusAsync(string runId, RunStatus status, DateTimeOffset? finishedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runId);
        var updated = await _sql.RunAsync(
            write: true,
            (tx, ct) => tx.ExecuteAsync(
                "UPDATE capstan_runs SET status = @status, finished_at = @finished_at WHERE id = @id",
                p => p.Text("id", runId).Text("status", StoredNames.RunStatus.Name(status)).Time("finished_at", finishedAt),
                ct),
            cancellationToken).ConfigureAwait(false);
        return updated == 1;
    }

    public Task UpsertJobAsync(JobRun job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        return _sql.RunAsync(
            write: true,
            (tx, ct) => tx.ExecuteAsync(
                $"""
                INSERT INTO capstan_job_runs ({JobColumns})
                VALUES (@run_id, @job, @status, @attempt, @started_at, @finished_at, @exit_code, @inputs_hash, @detail,
                    @tests_passed, @tests_failed, @tests_skipped, @failed_tests, @artifact_digest, @reused_run_id)
                ON CONFLICT (run_id, job) DO UPDATE SET
                    status = excluded.status, attempt = excluded.attempt, started_at = excluded.started_at,
                    finished_at = excluded.finished_at, exit_code = excluded.exit_code,
                    inputs_hash = excluded.inputs_hash, detail = excluded.detail,
                    tests_passed = excluded.tests_passed, tests_failed = excluded.tests_failed,
                    tests_skipped = excluded.tests_skipped, failed_tests = excluded.failed_tests,
                    artifact_digest = excluded.artifact_digest, reused_run_id = excluded.reused_run_id
                """,
                p => p.Text("run_id", job.RunId)
                    .Text("job", job.Job)
                    .Text("status", StoredNames.JobStatus.Name(job.Status))
                    .Int64("attempt", job.Attempt)
                    .Time("started_at", job.StartedAt)
                    .Time("finished_at", job.FinishedAt)
                    .Int64("exit_code", job.ExitCode)
                    .Text("inputs_hash", job.InputsHash)
                    .Text("detail", job.Detail)
                    .Int64("tests_passed", job.Tests?.Passed)
                    .Int64("tests_failed", job.Tests?.Failed)
                    .Int64("tests_skipped", job.Tests?.Skipped)
                    .Text("failed_tests", job.Tests is { } tests ? JsonLists.Write(tests.FailedTests.Take(TestSummary.MaxFailedTests)) : null)
                    .Text("artifact_digest", job.ArtifactDigest)
                    .Text("reused_run_id", job.ReusedRunId),
                ct),
            cancellationToken);
    }

    public Task<PipelineRunDetails?> GetAsync(string runId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runId);
        return _sql.RunAsync(
            write: false,
            async (tx, ct) =>
            {
                var run = await tx.QuerySingleOrDefaultAsync(
                    $"SELECT {RunColumns} FROM capstan_runs WHERE id = @id",
                    p => p.Text("id", runId),
                    ReadRun,
                    ct).ConfigureAwait(false);
                if (run is null)
                {
                    return null;
                }

                var jobs = await tx.QueryAsync(
                    $"SELECT {JobColumns} FROM capstan_job_runs WHERE run_id = @id ORDER BY job",
                    p => p.Text("id", runId),
                    ReadJob,
                    ct).ConfigureAwait(false);
                return new PipelineRunDetails { Run = run, Jobs = jobs };
            },
            cancellationToken);
    }

    public Task<IReadOnlyList<PipelineRun>> ListRecentAsync(string app, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return _sql.RunAsync(
            write: false,
            (tx, ct) => tx.QueryAsync(
                $"SELECT {RunColumns} FROM capstan_runs WHERE app = @app ORDER BY started_at DESC, id DESC LIMIT @limit",
                p => p.Text("app", app).Int64("limit", limit),
                ReadRun,
                ct),
            cancellationToken);
    }

    public Task<JobRun?> FindLastSucceededAsync(string app, string job, string inputsHash, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(inputsHash);
        return _sql.RunAsync(
            write: false,
            (tx, ct) => tx.QuerySingleOrDefaultAsync(
                $"""
                SELECT {string.Join(", ", JobColumns.Split(", ").Select(c => "j." + c))}
                FROM capstan_job_runs j JOIN capstan_runs r ON r.id = j.run_id
                WHERE r.app = @app AND j.job = @job AND j.inputs_hash = @inputs_hash AND j.status = @succeeded
                ORDER BY j.finished_at DESC NULLS LAST, r.started_at DESC, r.id DESC
                LIMIT 1
                """,
                p => p.Text("app", app)
                    .Text("job", job)
                    .Text("inputs_hash", inputsHash)
                    .Text("succeeded", StoredNames.JobStatus.Name(JobStatus.Succeeded)),
                ReadJob,
                ct),
            cancellationToken);
    }

    private static PipelineRun ReadRun(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        App = r.GetString(1),
        Status = StoredNames.RunStatus.Parse(r.GetString(2)),
        Trigger = r.GetString(3),
        Commit = r.GetTextOrNull(4),
        StartedAt = r.GetTime(5),
        FinishedAt = r.GetTimeOrNull(6),
        Environment = r.GetTextOrNull(7),
    };

    private static JobRun ReadJob(DbDataReader r) => new()
    {
        RunId = r.GetString(0),
        Job = r.GetString(1),
        Status = StoredNames.JobStatus.Parse(r.GetString(2)),
        Attempt = r.GetInt32Value(3),
        StartedAt = r.GetTimeOrNull(4),
        FinishedAt = r.GetTimeOrNull(5),
        ExitCode = r.GetInt32OrNull(6),
        InputsHash = r.GetTextOrNull(7),
        Detail = r.GetTextOrNull(8),
        Tests = r.IsDBNull(9)
            ? null
            : new TestSummary
            {
                Passed = r.GetInt32Value(9),
                Failed = r.GetInt32Value(10),
                Skipped = r.GetInt32Value(11),
                FailedTests = JsonLists.Read(r.GetTextOrNull(12) ?? "[]"),
            },
        ArtifactDigest = r.GetTextOrNull(13),
        ReusedRunId = r.GetTextOrNull(14),
    };
}
