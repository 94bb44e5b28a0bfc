namespace Capstan.State;

/// <summary>Pipeline runs and their jobs.</summary>
public interface IRunStore
{
    /// <summary>Adds a new run. Its id must not exist yet.</summary>
    Task CreateAsync(PipelineRun run, CancellationToken cancellationToken);

    /// <summary>Sets a run's status and finish time; false when there is no run with that id.</summary>
    Task<bool> UpdateStatusAsync(string runId, RunStatus status, DateTimeOffset? finishedAt, CancellationToken cancellationToken);

    /// <summary>Adds the job to its run, or replaces the job's row when the run already has one with that name.</summary>
    Task UpsertJobAsync(JobRun job, CancellationToken cancellationToken);

    /// <summary>The run with its jobs, or null.</summary>
    Task<PipelineRunDetails?> GetAsync(string runId, CancellationToken cancellationToken);

    /// <summary>The app's most recent runs, newest first.</summary>
    Task<IReadOnlyList<PipelineRun>> ListRecentAsync(string app, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// The most recently finished <see cref="JobStatus.Succeeded"/> run of <paramref name="job"/> in
    /// <paramref name="app"/> with exactly <paramref name="inputsHash"/>, or null: what a job can be skipped in favour of.
    /// </summary>
    Task<JobRun?> FindLastSucceededAsync(string app, string job, string inputsHash, CancellationToken cancellationToken);
}
