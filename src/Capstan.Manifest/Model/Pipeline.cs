using Capstan.Manifest.Values;

namespace Capstan.Manifest.Model;

/// <summary>The CI/CD pipeline: jobs that need each other, run in parallel where they can.</summary>
public sealed record Pipeline
{
    public static readonly Pipeline Empty = new() { Env = new Dictionary<string, Template>(), Jobs = new Dictionary<string, Job>() };

    /// <summary>Variables every job gets.</summary>
    public required IReadOnlyDictionary<string, Template> Env { get; init; }

    public required IReadOnlyDictionary<string, Job> Jobs { get; init; }
}

/// <summary>When a job runs, given how the jobs it needs ended.</summary>
public enum JobCondition
{
    /// <summary>All needed jobs succeeded (the default).</summary>
    Success,

    /// <summary>At least one needed job failed.</summary>
    Failure,

    /// <summary>Whatever happened.</summary>
    Always,
}

public sealed record Job
{
    public required string Name { get; init; }

    public required IReadOnlyList<string> Needs { get; init; }

    /// <summary>A bash script (<c>bash -e -o pipefail</c>); exactly one of <see cref="Run"/> and <see cref="Steps"/> is set.</summary>
    public Template? Run { get; init; }

    public required IReadOnlyList<JobStep> Steps { get; init; }

    public required IReadOnlyDictionary<string, Template> Env { get; init; }

    /// <summary>Secrets injected as environment variables of the same name.</summary>
    public required IReadOnlyList<string> Secrets { get; init; }

    public required JobCondition If { get; init; }

    public required Duration Timeout { get; init; }

    public required RetryPolicy Retry { get; init; }

    public required bool ContinueOnError { get; init; }

    public string? WorkingDirectory { get; init; }

    public JobCache? Cache { get; init; }

    /// <summary>Globs of the files the job reads; with them, an unchanged job is skipped.</summary>
    public required IReadOnlyList<string> Inputs { get; init; }

    /// <summary>The path the job produces, packaged as the artifact services deploy.</summary>
    public string? Artifact { get; init; }

    /// <summary>Globs of JUnit XML and TRX test reports.</summary>
    public required IReadOnlyList<string> Reports { get; init; }
}

public sealed record JobStep
{
    public string? Name { get; init; }

    public required Template Run { get; init; }

    public required IReadOnlyDictionary<string, Template> Env { get; init; }

    public Duration? Timeout { get; init; }

    public required bool ContinueOnError { get; init; }
}

public sealed record RetryPolicy
{
    public static readonly RetryPolicy None = new() { Attempts = 1, Backoff = Duration.FromSeconds(5) };

    /// <summary>Total attempts, the first one included.</summary>
    public required int Attempts { get; init; }

    /// <summary>Wait before the second attempt; it doubles for each further one.</summary>
    public required Duration Backoff { get; init; }
}

/// <summary>A dependency cache restored before and saved after a job.</summary>
public sealed record JobCache
{
    /// <summary>Files whose content is the cache key (lock files).</summary>
    public required IReadOnlyList<string> Key { get; init; }

    /// <summary>Folders saved and restored.</summary>
    public required IReadOnlyList<string> Paths { get; init; }
}
