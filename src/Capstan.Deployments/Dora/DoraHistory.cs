using Capstan.State;

namespace Capstan.Deployments.Dora;

/// <summary>
/// The recorded events the DORA figures are computed from: an environment's deployments and what they point at (the
/// releases, their artifacts, the runs that built them) and the times of the runs' commits.
/// </summary>
public sealed record DoraHistory
{
    /// <summary>At most this many of an environment's newest deployments are read.</summary>
    public const int MaxDeployments = 10_000;

    public required IReadOnlyList<Deployment> Deployments { get; init; }

    public required IReadOnlyList<Release> Releases { get; init; }

    public required IReadOnlyList<Artifact> Artifacts { get; init; }

    public required IReadOnlyList<PipelineRun> Runs { get; init; }

    /// <summary>The committer time of each known commit, by its sha; a commit missing here has no known time.</summary>
    public required IReadOnlyDictionary<string, DateTimeOffset> CommitTimes { get; init; }

    /// <summary>The environment's incidents: one that follows a successful deploy of its service is a change failure.</summary>
    public IReadOnlyList<Incident> Incidents { get; init; } = [];

    /// <summary>
    /// Reads what <see cref="DoraReport.Compute"/> needs for <paramref name="environment"/> from <paramref name="from"/> on:
    /// deployments finished since then or not finished (a failure in the window is restored, or rolled back, by a later
    /// one), their releases, artifacts and runs, and the times of the runs' commits from <paramref name="commits"/>.
    /// </summary>
    public static async Task<DoraHistory> LoadAsync(
        IStateSession state,
        ICommitTimes commits,
        string app,
        string environment,
        DateTimeOffset from,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(commits);
        var deployments = (await state.Deployments.ListAsync(app, environment, MaxDeployments, cancellationToken).ConfigureAwait(false))
            .Where(d => d.FinishedAt is not { } finished || finished > from)
            .ToList();

        var releases = new List<Release>();
        foreach (var id in deployments.Select(d => d.ReleaseId).Distinct(StringComparer.Ordinal))
        {
            if (await state.Releases.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } release)
            {
                releases.Add(release);
            }
        }

        var artifacts = new List<Artifact>();
        foreach (var digest in releases.Select(r => r.ArtifactDigest).Where(d => d.Length > 0).Distinct(StringComparer.Ordinal))
        {
            if (await state.Artifacts.GetAsync(digest, cancellationToken).ConfigureAwait(false) is { } artifact)
            {
                artifacts.Add(artifact);
            }
        }

        var runs = new List<PipelineRun>();
        foreach (var id in artifacts.Select(a => a.RunId).Distinct(StringComparer.Ordinal))
        {
            if (await state.Runs.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } details)
            {
                runs.Add(details.Run);
            }
        }

        var times = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var sha in runs.Select(r => r.Commit).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            if (await commits.GetAsync(sha, cancellationToken).ConfigureAwait(false) is { } time)
            {
                times[sha] = time;
            }
        }

        var incidents = (await state.Incidents.ListAsync(app, unresolvedOnly: false, since: from, limit: MaxDeployments, cancellationToken).ConfigureAwait(false))
            .Where(i => i.Environment is null || i.Environment == environment)
            .ToList();
        return new DoraHistory { Deployments = deployments, Releases = releases, Artifacts = artifacts, Runs = runs, CommitTimes = times, Incidents = incidents };
    }
}
