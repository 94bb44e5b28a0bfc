namespace Capstan.State;

/// <summary>One run of an app's pipeline.</summary>
public sealed record PipelineRun
{
    /// <summary>The run's id, e.g. <c>StateId.New("run")</c>.</summary>
    public required string Id { get; init; }

    public required string App { get; init; }

    public required RunStatus Status { get; init; }

    /// <summary>What started the run, e.g. <c>push</c>, <c>manual</c>, <c>schedule</c>.</summary>
    public required string Trigger { get; init; }

    /// <summary>The commit the run built, when it came from a repository.</summary>
    public string? Commit { get; init; }

    /// <summary>The environment whose secrets and variables the jobs received (<c>--env</c>), when one was chosen.</summary>
    public string? Environment { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }
}

/// <summary>One job of a pipeline run. A run holds one row per job: a retry updates it and raises <see cref="Attempt"/>.</summary>
public sealed record JobRun
{
    public required string RunId { get; init; }

    public required string Job { get; init; }

    public required JobStatus Status { get; init; }

    /// <summary>1 for the first attempt, 2 for the first retry, and so on.</summary>
    public required int Attempt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    public int? ExitCode { get; init; }

    /// <summary>A hash of everything the job's result depends on; equal hashes let a later run skip the job.</summary>
    public string? InputsHash { get; init; }

    /// <summary>A short human-readable note, e.g. why the job failed or which run it was reused from.</summary>
    public string? Detail { get; init; }

    /// <summary>What the job's test reports counted, when it declares reports.</summary>
    public TestSummary? Tests { get; init; }

    /// <summary>The digest of the artifact the job produced (or reused), when it declares one.</summary>
    public string? ArtifactDigest { get; init; }

    /// <summary>The run whose result this job reused instead of running, because its inputs were the same.</summary>
    public string? ReusedRunId { get; init; }
}

/// <summary>Test totals of a job, from its JUnit XML and TRX reports.</summary>
public sealed record TestSummary
{
    /// <summary>At most this many failed test names are kept.</summary>
    public const int MaxFailedTests = 100;

    public required int Passed { get; init; }

    public required int Failed { get; init; }

    public required int Skipped { get; init; }

    /// <summary>Names of failed tests, at most <see cref="MaxFailedTests"/>.</summary>
    public required IReadOnlyList<string> FailedTests { get; init; }

    public bool Equals(TestSummary? other) =>
        other is not null
        && Passed == other.Passed
        && Failed == other.Failed
        && Skipped == other.Skipped
        && FailedTests.SequenceEqual(other.FailedTests, StringComparer.Ordinal);

    public override int GetHashCode() => HashCode.Combine(Passed, Failed, Skipped, FailedTests.Count);
}

/// <summary>A run together with its jobs.</summary>
public sealed record PipelineRunDetails
{
    public required PipelineRun Run { get; init; }

    /// <summary>The run's jobs, ordered by name.</summary>
    public required IReadOnlyList<JobRun> Jobs { get; init; }
}

/// <summary>The status of a pipeline run. Stored as the lowercase text in each member's comment.</summary>
public enum RunStatus
{
    /// <summary><c>queued</c></summary>
    Queued,

    /// <summary><c>running</c></summary>
    Running,

    /// <summary><c>succeeded</c></summary>
    Succeeded,

    /// <summary><c>failed</c></summary>
    Failed,

    /// <summary><c>cancelled</c></summary>
    Cancelled,
}

/// <summary>The status of a job in a run. Stored as the lowercase text in each member's comment.</summary>
public enum JobStatus
{
    /// <summary><c>pending</c></summary>
    Pending,

    /// <summary><c>running</c></summary>
    Running,

    /// <summary><c>succeeded</c></summary>
    Succeeded,

    /// <summary><c>failed</c></summary>
    Failed,

    /// <summary><c>cancelled</c></summary>
    Cancelled,

    /// <summary><c>skipped</c>: not run, because a condition was false or an earlier result with the same inputs was reused.</summary>
    Skipped,
}
