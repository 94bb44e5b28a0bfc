using Capstan.Secrets.Masking;
using Capstan.Secrets.Vault;
using Capstan.State;

namespace Capstan.Pipelines.Running;

/// <summary>What every job of one run shares: the request, the masker, the secrets, the store and the folders.</summary>
internal sealed class RunContext(
    PipelineRequest request,
    string runId,
    SecretMasker masker,
    IReadOnlyDictionary<string, RevealedSecret> secrets,
    IStateStore store,
    TimeProvider time,
    IPipelineObserver observer)
{
    public PipelineRequest Request { get; } = request;

    public string RunId { get; } = runId;

    public SecretMasker Masker { get; } = masker;

    public IReadOnlyDictionary<string, RevealedSecret> Secrets { get; } = secrets;

    public IStateStore Store { get; } = store;

    public TimeProvider Time { get; } = time;

    public IPipelineObserver Observer { get; } = observer;

    public string ProjectDirectory => Request.ProjectDirectory;

    public string CapstanDirectory => State.CapstanDirectory.For(Request.ProjectDirectory);

    public string LogPath(string job) => RunLogs.PathOf(CapstanDirectory, RunId, job);

    public void Emit(PipelineEvent pipelineEvent) => Observer.OnEvent(pipelineEvent);

    /// <summary>Records a job that will not run, and tells the observer.</summary>
    public async Task RecordSkippedAsync(JobReport report)
    {
        await Store.Runs.UpsertJobAsync(
            new JobRun
            {
                RunId = RunId,
                Job = report.Job,
                Status = report.Outcome == JobOutcome.Cancelled ? JobStatus.Cancelled : JobStatus.Skipped,
                Attempt = 0,
                Detail = report.Reason,
            },
            CancellationToken.None).ConfigureAwait(false);
        Emit(new JobFinished { At = Time.GetUtcNow(), Report = report });
    }
}

/// <summary>Where a run's job logs are kept: <c>.capstan/runs/RUN/JOB.log</c>.</summary>
public static class RunLogs
{
    public static string PathOf(string capstanDirectory, string runId, string job) =>
        Path.Combine(capstanDirectory, "runs", runId, job + ".log");
}
