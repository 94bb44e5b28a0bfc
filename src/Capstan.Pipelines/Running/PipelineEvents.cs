using Capstan.State;

namespace Capstan.Pipelines.Running;

/// <summary>How a job of a run ended, as shown to the user.</summary>
public enum JobOutcome
{
    /// <summary>Not started yet.</summary>
    Pending,

    /// <summary>Running now.</summary>
    Running,

    /// <summary>Ran and succeeded.</summary>
    Passed,

    /// <summary>Ran and failed.</summary>
    Failed,

    /// <summary>Ran past its timeout and was killed.</summary>
    TimedOut,

    /// <summary>Stopped, or never started, because the run was cancelled or another job failed.</summary>
    Cancelled,

    /// <summary>Not run: its <c>if</c> condition was false.</summary>
    Skipped,

    /// <summary>Not run: a successful earlier run had the same inputs, and its result was reused.</summary>
    Cached,
}

/// <summary>What happened to one job.</summary>
public sealed record JobReport
{
    public required string Job { get; init; }

    public required JobOutcome Outcome { get; init; }

    /// <summary>Why it ended as it did, in words: <c>timed out after 10m</c>, <c>exited with code 2</c>.</summary>
    public string? Reason { get; init; }

    public TimeSpan Duration { get; init; }

    public int Attempts { get; init; }

    public int? ExitCode { get; init; }

    /// <summary>A failure that does not fail the pipeline (<c>continue_on_error</c>).</summary>
    public bool ContinueOnError { get; init; }

    public string? LogPath { get; init; }

    /// <summary>The last lines of the log, masked, when the job failed.</summary>
    public IReadOnlyList<string> Tail { get; init; } = [];

    public TestSummary? Tests { get; init; }

    public string? ArtifactDigest { get; init; }

    public string? ReusedRunId { get; init; }

    /// <summary>The job's fingerprint, when it declares inputs: equal fingerprints let a later run reuse this result.</summary>
    public string? InputsHash { get; init; }

    /// <summary>What the job's dependency cache did: <c>restored</c>, <c>saved 12 MB</c>, <c>miss</c>.</summary>
    public string? Cache { get; init; }

    /// <summary>Things the user should know that did not fail the job (a report glob that matched nothing).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Whether this job makes the pipeline fail.</summary>
    public bool FailsPipeline => Outcome is JobOutcome.Failed or JobOutcome.TimedOut && !ContinueOnError;

    /// <summary>Whether jobs needing this one see it as a success: passed, reused, or failed with <c>continue_on_error</c>.</summary>
    public bool CountsAsSuccess => Outcome is JobOutcome.Passed or JobOutcome.Cached
        || (Outcome is JobOutcome.Failed or JobOutcome.TimedOut && ContinueOnError);
}

/// <summary>Something that happened in a run, in the order it happened. Observers get these from several threads.</summary>
public abstract record PipelineEvent
{
    public required DateTimeOffset At { get; init; }
}

/// <summary>The run started; <see cref="Jobs"/> are in a topological order.</summary>
public sealed record RunStarted : PipelineEvent
{
    public required string RunId { get; init; }

    public required IReadOnlyList<string> Jobs { get; init; }

    public required IReadOnlyDictionary<string, IReadOnlyList<string>> Needs { get; init; }

    public string? Commit { get; init; }

    public string? Environment { get; init; }
}

/// <summary>A job's attempt started.</summary>
public sealed record JobStarted : PipelineEvent
{
    public required string Job { get; init; }

    public required int Attempt { get; init; }

    public required int Attempts { get; init; }
}

/// <summary>A job's attempt failed and it will be tried again after <see cref="Delay"/>.</summary>
public sealed record JobRetrying : PipelineEvent
{
    public required string Job { get; init; }

    public required int Attempt { get; init; }

    public required TimeSpan Delay { get; init; }

    public required string Reason { get; init; }
}

/// <summary>A job ended (or will not run).</summary>
public sealed record JobFinished : PipelineEvent
{
    public required JobReport Report { get; init; }
}

/// <summary>The run ended.</summary>
public sealed record RunFinished : PipelineEvent
{
    public required string RunId { get; init; }

    public required RunStatus Status { get; init; }

    public required TimeSpan Duration { get; init; }

    public required IReadOnlyList<JobReport> Jobs { get; init; }
}

/// <summary>Receives a run's events. Called from several threads at once; implementations synchronise themselves.</summary>
public interface IPipelineObserver
{
    void OnEvent(PipelineEvent pipelineEvent);
}
