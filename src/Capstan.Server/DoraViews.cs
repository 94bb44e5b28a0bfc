using Capstan.Contracts;
using Capstan.Deployments.Dora;

namespace Capstan.Server;

/// <summary>A <see cref="DoraReport"/> in the API's shape: durations in seconds, bands and kinds in lowercase words.</summary>
internal static class DoraViews
{
    public static DoraView From(string app, string since, DoraReport report) => new()
    {
        App = app,
        Environment = report.Environment,
        Since = since,
        From = report.From,
        To = report.To,
        DeploymentFrequency = new DoraFrequencyView
        {
            Deployments = report.DeploymentFrequency.Deployments,
            PerDay = report.DeploymentFrequency.PerDay,
            PerWeek = report.DeploymentFrequency.PerWeek,
            Band = Word(report.DeploymentFrequency.Band),
        },
        LeadTimeForChanges = new DoraLeadTimeView
        {
            Deployments = report.LeadTimeForChanges.Deployments,
            MedianSeconds = report.LeadTimeForChanges.Median?.TotalSeconds,
            P90Seconds = report.LeadTimeForChanges.P90?.TotalSeconds,
            RunStartFallbacks = report.LeadTimeForChanges.RunStartFallbacks,
            Unmeasured = report.LeadTimeForChanges.Unmeasured,
            Band = Word(report.LeadTimeForChanges.Band),
        },
        ChangeFailureRate = new DoraFailureRateView
        {
            Deployments = report.ChangeFailureRate.Deployments,
            Failures = report.ChangeFailureRate.Failures,
            Failed = report.ChangeFailureRate.Failed,
            RolledBack = report.ChangeFailureRate.RolledBack,
            FollowedByIncident = report.ChangeFailureRate.FollowedByIncident,
            Rate = report.ChangeFailureRate.Rate,
            Band = Word(report.ChangeFailureRate.Band),
        },
        TimeToRestore = new DoraRestoreView
        {
            Failures = report.TimeToRestore.Failures,
            Restored = report.TimeToRestore.Restored,
            MedianSeconds = report.TimeToRestore.Median?.TotalSeconds,
            Band = Word(report.TimeToRestore.Band),
        },
        Failures = [.. report.Failures.Select(f => new DoraFailureView
        {
            DeploymentId = f.DeploymentId,
            Service = f.Service,
            Kind = f.Kind switch
            {
                ChangeFailureKind.RolledBack => "rolled_back",
                _ => f.Kind.ToString().ToLowerInvariant(),
            },
            FailedAt = f.FailedAt,
            RollbackId = f.RollbackId,
            IncidentId = f.IncidentId,
            RestoredBy = f.RestoredBy,
            RestoredAt = f.RestoredAt,
            RestoreSeconds = f.TimeToRestore?.TotalSeconds,
        })],
        NotCounted = [],
    };

    private static string? Word(DoraBand? band) => band?.ToString().ToLowerInvariant();
}
