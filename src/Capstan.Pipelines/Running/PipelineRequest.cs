using Capstan.Manifest.Model;

namespace Capstan.Pipelines.Running;

/// <summary>What to run: which jobs of which project, for which environment, and how.</summary>
public sealed record PipelineRequest
{
    /// <summary>The default size limit of the dependency cache: 10 GiB, as GitHub Actions allows a repository.</summary>
    public const long DefaultCacheSizeLimit = 10L * 1024 * 1024 * 1024;

    public required CapstanManifest Manifest { get; init; }

    /// <summary>The folder of <c>capstan.yaml</c>; every path of the pipeline is relative to it.</summary>
    public required string ProjectDirectory { get; init; }

    /// <summary>The jobs asked for, with everything they need; empty for all jobs.</summary>
    public IReadOnlyList<string> Jobs { get; init; } = [];

    /// <summary>The environment whose secrets the jobs get; required when a job uses a secret.</summary>
    public string? Environment { get; init; }

    /// <summary>At most this many jobs run at once.</summary>
    public int Parallelism { get; init; } = System.Environment.ProcessorCount;

    /// <summary>What started the run: <c>manual</c>, <c>push</c>, <c>schedule</c>.</summary>
    public string Trigger { get; init; } = "manual";

    /// <summary>The commit being built, when the project is in a git repository.</summary>
    public string? Commit { get; init; }

    /// <summary>The caller's environment, read only for <see cref="Execution.JobEnvironment.PassedThrough"/>.</summary>
    public Func<string, string?> CallerEnvironment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>Folders put in front of the jobs' <c>PATH</c> (the running <c>capstan</c>'s own).</summary>
    public IReadOnlyList<string> ToolPaths { get; init; } = [];

    /// <summary>Secret values known before the run (the vault's), masked in every log besides those the jobs get.</summary>
    public IReadOnlyCollection<string> KnownSecretValues { get; init; } = [];

    /// <summary>Whether a job whose inputs did not change since a successful run may reuse that run's result.</summary>
    public bool ReuseUnchangedJobs { get; init; } = true;

    public long CacheSizeLimit { get; init; } = DefaultCacheSizeLimit;

    /// <summary>After SIGTERM, how long a cancelled or timed-out job's processes get before SIGKILL.</summary>
    public TimeSpan KillGrace { get; init; } = TimeSpan.FromSeconds(5);
}
