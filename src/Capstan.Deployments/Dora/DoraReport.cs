using Capstan.Manifest.Model;
using Capstan.State;

namespace Capstan.Deployments.Dora;

/// <summary>
/// The four DORA metrics of one environment over a window ending now, computed from recorded events only
/// (<see cref="Compute"/>; definitions in docs/deployments.md, "DORA metrics").
/// </summary>
public sealed record DoraReport
{
    /// <summary>The strategy name of a rollback deployment (<c>capstan rollback</c>).</summary>
    public const string RollbackStrategy = "rollback";


    public required string Environment { get; init; }

    /// <summary>The window is from (exclusive) to (inclusive): a deployment counts when it finished in it.</summary>
    public required DateTimeOffset From { get; init; }

    public required DateTimeOffset To { get; init; }

    public TimeSpan Window => To - From;

    public required DeploymentFrequency DeploymentFrequency { get; init; }

    public required LeadTimeForChanges LeadTimeForChanges { get; init; }

    public required ChangeFailureRate ChangeFailureRate { get; init; }

    public required TimeToRestore TimeToRestore { get; init; }

    /// <summary>Every change failure counted, oldest first, with what restored it.</summary>
    public required IReadOnlyList<ChangeFailure> Failures { get; init; }

    /// <summary>
    /// The environment the figures are for when none is asked for: <c>production</c> when the app declares it, else the last
    /// environment of capstan.yaml (environments are written in promotion order, so the last is the one closest to users);
    /// null when none is declared.
    /// </summary>
    public static string? DefaultEnvironment(IEnumerable<string> declared)
    {
        var names = declared.ToList();
        return names.Contains(DeploymentEnvironment.ProductionName, StringComparer.Ordinal) ? DeploymentEnvironment.ProductionName : names.LastOrDefault();
    }

    /// <summary>Computes the figures of <paramref name="environment"/> over the <paramref name="window"/> that ends at <paramref name="now"/>.</summary>
    public static DoraReport Compute(DoraHistory history, string environment, DateTimeOffset now, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        var from = now - window;
        var releases = ById(history.Releases, r => r.Id);
        var artifacts = ById(history.Artifacts, a => a.Digest);
        var runs = ById(history.Runs, r => r.Id);
        string ServiceOf(Deployment d) => releases.TryGetValue(d.ReleaseId, out var release) ? release.Service : "";

        var all = history.Deployments
            .Where(d => d.Environment == environment)
            .OrderBy(d => d.CreatedAt).ThenBy(d => d.Id, StringComparer.Ordinal)
            .ToList();

        // A change: a deployment that is not a rollback and not a redeploy of the release that already served.
        var changes = all.Where(d => d.Strategy != RollbackStrategy && d.ReleaseId != d.PreviousReleaseId).ToList();
        var deploys = changes.Where(d => d.FinishedAt is { } finished && finished > from && finished <= now).ToList();

        // A succeeded change is rolled back when a rollback moved the service away from its release before any later
        // change succeeded: the last change that succeeded before the rollback began served the release the rollback replaced.
        var rolledBackBy = new Dictionary<string, Deployment>(StringComparer.Ordinal);
        foreach (var rollback in all.Where(d => d.Strategy == RollbackStrategy))
        {
            var service = ServiceOf(rollback);
            var replaced = changes
                .Where(d => d.Status == DeploymentStatus.Succeeded && ServiceOf(d) == service && d.FinishedAt <= rollback.CreatedAt)
                .MaxBy(d => d.FinishedAt);
            if (replaced is not null && (rollback.PreviousReleaseId is null || rollback.PreviousReleaseId == replaced.ReleaseId))
            {
                rolledBackBy.TryAdd(replaced.Id, rollback);
            }
        }

        // A succeeded change followed by an incident of its service (or of the whole environment) before the service's
        // next change finished: it broke something that a person or an alert had to call an incident.
        Incident? IncidentAfter(Deployment deploy)
        {
            var service = ServiceOf(deploy);
            var next = changes
                .Where(d => d.Id != deploy.Id && ServiceOf(d) == service && d.FinishedAt > deploy.FinishedAt)
                .MinBy(d => d.FinishedAt)?.FinishedAt;
            return history.Incidents
                .Where(i => i.Environment is null || i.Environment == environment)
                .Where(i => i.OpenedAt >= deploy.FinishedAt && (next is null || i.OpenedAt < next) && i.OpenedAt <= now)
                .Where(i => i.Services.Count == 0 || i.Services.Contains(service, StringComparer.Ordinal))
                .MinBy(i => i.OpenedAt);
        }

        var failures = new List<ChangeFailure>();
        foreach (var deploy in deploys)
        {
            (ChangeFailureKind Kind, DateTimeOffset At, string? By)? failure = deploy.Status switch
            {
                DeploymentStatus.Failed => (ChangeFailureKind.Failed, deploy.FinishedAt!.Value, null),
                DeploymentStatus.Cancelled => (ChangeFailureKind.Cancelled, deploy.FinishedAt!.Value, null),
                DeploymentStatus.RolledBack => (ChangeFailureKind.Aborted, deploy.FinishedAt!.Value, null),
                DeploymentStatus.Succeeded when rolledBackBy.TryGetValue(deploy.Id, out var rollback) => (ChangeFailureKind.RolledBack, rollback.CreatedAt, rollback.Id),
                DeploymentStatus.Succeeded when IncidentAfter(deploy) is { } incident => (ChangeFailureKind.Incident, incident.OpenedAt, incident.Id),
                _ => null,
            };
            if (failure is not { } f)
            {
                continue;
            }

            var service = ServiceOf(deploy);
            var restoredBy = all
                .Where(d => d.Id != deploy.Id && d.Status == DeploymentStatus.Succeeded && ServiceOf(d) == service && d.FinishedAt >= f.At)
                .MinBy(d => d.FinishedAt);
            failures.Add(new ChangeFailure
            {
                DeploymentId = deploy.Id,
                Service = service,
                Kind = f.Kind,
                FailedAt = f.At,
                RollbackId = f.Kind == ChangeFailureKind.RolledBack ? f.By : null,
                IncidentId = f.Kind == ChangeFailureKind.Incident ? f.By : null,
                RestoredBy = restoredBy?.Id,
                RestoredAt = restoredBy?.FinishedAt,
            });
        }

        var succeeded = deploys.Where(d => d.Status == DeploymentStatus.Succeeded).ToList();
        var leadTimes = new List<TimeSpan>();
        var fallbacks = 0;
        var unmeasured = 0;
        foreach (var deploy in succeeded)
        {
            // The artifact's commit: release → artifact → the run that built it → its commit → the commit's time.
            var run = releases.TryGetValue(deploy.ReleaseId, out var release)
                      && artifacts.TryGetValue(release.ArtifactDigest, out var artifact)
                      && runs.TryGetValue(artifact.RunId, out var built)
                ? built
                : null;
            if (run is null)
            {
                unmeasured++;
                continue;
            }

            DateTimeOffset start;
            if (run.Commit is { } sha && history.CommitTimes.TryGetValue(sha, out var committed))
            {
                start = committed;
            }
            else
            {
                start = run.StartedAt;
                fallbacks++;
            }

            // A commit dated after its deployment (a skewed clock) counts as no wait, not as a negative one.
            var lead = deploy.FinishedAt!.Value - start;
            leadTimes.Add(lead < TimeSpan.Zero ? TimeSpan.Zero : lead);
        }

        var restores = failures.Where(f => f.RestoredAt is not null).Select(f => f.TimeToRestore!.Value).ToList();
        var failureRate = deploys.Count == 0 ? (double?)null : (double)failures.Count / deploys.Count;
        var leadMedian = Percentile(leadTimes, 0.5);
        var restoreMedian = Percentile(restores, 0.5);
        return new DoraReport
        {
            Environment = environment,
            From = from,
            To = now,
            DeploymentFrequency = new DeploymentFrequency
            {
                Deployments = succeeded.Count,
                PerDay = succeeded.Count / window.TotalDays,
                PerWeek = succeeded.Count / window.TotalDays * 7,
                Band = deploys.Count == 0 ? null : DoraBands.OfFrequency(succeeded.Count, window),
            },
            LeadTimeForChanges = new LeadTimeForChanges
            {
                Deployments = leadTimes.Count,
                Median = leadMedian,
                P90 = Percentile(leadTimes, 0.9),
                RunStartFallbacks = fallbacks,
                Unmeasured = unmeasured,
                Band = leadMedian is { } lm ? DoraBands.OfLeadTime(lm) : null,
            },
            ChangeFailureRate = new ChangeFailureRate
            {
                Deployments = deploys.Count,
                Failures = failures.Count,
                Failed = failures.Count(f => f.Kind is not ChangeFailureKind.RolledBack and not ChangeFailureKind.Incident),
                RolledBack = failures.Count(f => f.Kind == ChangeFailureKind.RolledBack),
                FollowedByIncident = failures.Count(f => f.Kind == ChangeFailureKind.Incident),
                Rate = failureRate,
                Band = failureRate is { } rate ? DoraBands.OfChangeFailureRate(rate) : null,
            },
            TimeToRestore = new TimeToRestore
            {
                Failures = failures.Count,
                Restored = restores.Count,
                Median = restoreMedian,
                Band = restoreMedian is { } rm ? DoraBands.OfTimeToRestore(rm) : null,
            },
            Failures = failures,
        };
    }

    /// <summary>
    /// The <paramref name="p"/> quantile, interpolating linearly between the two nearest values (numpy's default, Excel's
    /// PERCENTILE.INC): the median of an even count is the mean of the middle two. Null without values.
    /// </summary>
    public static TimeSpan? Percentile(IReadOnlyCollection<TimeSpan> values, double p)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var sorted = values.Order().ToArray();
        var rank = (sorted.Length - 1) * p;
        var below = (int)Math.Floor(rank);
        var above = Math.Min(below + 1, sorted.Length - 1);
        var fraction = rank - below;
        return TimeSpan.FromTicks(sorted[below].Ticks + (long)Math.Round((sorted[above].Ticks - sorted[below].Ticks) * fraction));
    }

    private static Dictionary<string, T> ById<T>(IEnumerable<T> items, Func<T, string> key)
    {
        var byId = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            byId.TryAdd(key(item), item);
        }

        return byId;
    }
}

/// <summary>Successful deploys (changes, not rollbacks) finished in the window, and their rate.</summary>
public sealed record DeploymentFrequency
{
    public required int Deployments { get; init; }

    public required double PerDay { get; init; }

    public required double PerWeek { get; init; }

    /// <summary>Null when no change was deployed in the window at all, successfully or not.</summary>
    public DoraBand? Band { get; init; }
}

/// <summary>From the commit of the deployed artifact to the end of its successful deployment.</summary>
public sealed record LeadTimeForChanges
{
    /// <summary>Successful deploys whose lead time was measured.</summary>
    public required int Deployments { get; init; }

    public TimeSpan? Median { get; init; }

    public TimeSpan? P90 { get; init; }

    /// <summary>Of <see cref="Deployments"/>, those measured from their run's start because the commit or its time is unknown.</summary>
    public required int RunStartFallbacks { get; init; }

    /// <summary>Successful deploys not measured: no artifact (deployed from the project folder), or its run is not recorded.</summary>
    public required int Unmeasured { get; init; }

    public DoraBand? Band { get; init; }
}

/// <summary>The share of deploys in the window that failed, were aborted, were rolled back, or were followed by an incident.</summary>
public sealed record ChangeFailureRate
{
    /// <summary>Deploys (changes, not rollbacks) that finished in the window, whatever their outcome.</summary>
    public required int Deployments { get; init; }

    public required int Failures { get; init; }

    /// <summary>Of <see cref="Failures"/>: failed, cancelled or aborted.</summary>
    public required int Failed { get; init; }

    /// <summary>Of <see cref="Failures"/>: succeeded, then rolled back.</summary>
    public required int RolledBack { get; init; }

    /// <summary>Of <see cref="Failures"/>: succeeded, then an incident of the service opened before its next change.</summary>
    public int FollowedByIncident { get; init; }

    /// <summary>0 to 1; null without deploys.</summary>
    public double? Rate { get; init; }

    public DoraBand? Band { get; init; }
}

/// <summary>From a change failure to the next successful deployment of the same service in the environment.</summary>
public sealed record TimeToRestore
{
    public required int Failures { get; init; }

    public required int Restored { get; init; }

    public TimeSpan? Median { get; init; }

    public DoraBand? Band { get; init; }
}

/// <summary>One deploy counted as a change failure.</summary>
public sealed record ChangeFailure
{
    public required string DeploymentId { get; init; }

    public required string Service { get; init; }

    public required ChangeFailureKind Kind { get; init; }

    /// <summary>The deploy's end, or for a rolled-back one the start of the rollback.</summary>
    public required DateTimeOffset FailedAt { get; init; }

    /// <summary>The rollback deployment, for <see cref="ChangeFailureKind.RolledBack"/>.</summary>
    public string? RollbackId { get; init; }

    /// <summary>The incident, for <see cref="ChangeFailureKind.Incident"/>.</summary>
    public string? IncidentId { get; init; }

    /// <summary>The next successful deployment of the service in the environment; null while there is none.</summary>
    public string? RestoredBy { get; init; }

    public DateTimeOffset? RestoredAt { get; init; }

    public TimeSpan? TimeToRestore => RestoredAt - FailedAt;
}

public enum ChangeFailureKind
{
    /// <summary>The deployment failed (status <c>failed</c>).</summary>
    Failed,

    /// <summary>The deployment was cancelled (status <c>cancelled</c>).</summary>
    Cancelled,

    /// <summary>The deployment aborted itself and moved traffic back (status <c>rolled_back</c>).</summary>
    Aborted,

    /// <summary>The deployment succeeded, then a rollback deployment moved its service away from its release.</summary>
    RolledBack,

    /// <summary>The deployment succeeded, then an incident of its service opened before its next change.</summary>
    Incident,
}
