using Capstan.Manifest.Model;

namespace Capstan.Observability.Alerting;

/// <summary>
/// How long a group of alerts waits before its first notification (<see cref="GroupWait"/>), between notifications
/// of new or resolved alerts (<see cref="GroupInterval"/>), and before alerts still firing are told again
/// (<see cref="RepeatInterval"/>); Alertmanager's <c>group_wait</c>, <c>group_interval</c> and <c>repeat_interval</c>.
/// </summary>
public sealed record RoutingTimings(TimeSpan GroupWait, TimeSpan GroupInterval, TimeSpan RepeatInterval)
{
    /// <summary>Critical means page now: 0s / 1m / 1h.</summary>
    public static RoutingTimings CriticalDefaults { get; } = new(TimeSpan.Zero, TimeSpan.FromMinutes(1), TimeSpan.FromHours(1));

    /// <summary>Warnings can wait for their siblings: Alertmanager's 30s / 5m, repeated every 4h.</summary>
    public static RoutingTimings WarningDefaults { get; } = new(TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(5), TimeSpan.FromHours(4));
}

/// <summary>Grouping and timings of <see cref="AlertDispatcher"/>. The defaults suit a small team (docs/alerts.md).</summary>
public sealed record DispatcherOptions
{
    /// <summary>The labels whose values make a group: one notification tells of all the alerts of a group.</summary>
    public IReadOnlyList<string> GroupBy { get; init; } = [AlertLabels.AlertName, AlertLabels.Env, AlertLabels.Service];

    public RoutingTimings Critical { get; init; } = RoutingTimings.CriticalDefaults;

    public RoutingTimings Warning { get; init; } = RoutingTimings.WarningDefaults;

    /// <summary>How long an expired silence is still listed, as Alertmanager's default data retention (120h).</summary>
    public TimeSpan SilenceRetention { get; init; } = TimeSpan.FromDays(5);

    /// <summary>The timings of a group whose most severe alert has <paramref name="severity"/>; info alerts are never notified.</summary>
    public RoutingTimings TimingsFor(AlertSeverity severity) => severity == AlertSeverity.Critical ? Critical : Warning;
}

/// <summary>Whether a notification tells of firing alerts (it may also carry resolved ones) or only of resolved ones.</summary>
public enum NotificationStatus
{
    Firing,
    Resolved,
}

/// <summary>
/// One message for one receiver (a channel of capstan.yaml) about one group of alerts: its firing alerts that are not
/// muted, and the resolved alerts it told as firing before.
/// </summary>
public sealed record Notification
{
    /// <summary>The channel's name in capstan.yaml.</summary>
    public required string Receiver { get; init; }

    /// <summary>Identifies the group, in Alertmanager's form: <c>{}:{alertname="X", env="production", service="api"}</c>.</summary>
    public required string GroupKey { get; init; }

    public required LabelSet GroupLabels { get; init; }

    /// <summary><see cref="NotificationStatus.Firing"/> when at least one of <see cref="Alerts"/> fires.</summary>
    public required NotificationStatus Status { get; init; }

    /// <summary>Firing alerts, then resolved ones, each ordered by labels.</summary>
    public required IReadOnlyList<Alert> Alerts { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public IEnumerable<Alert> Firing => Alerts.Where(a => a.IsFiring);

    public IEnumerable<Alert> Resolved => Alerts.Where(a => a.IsResolved);

    public override string ToString() => $"{Receiver} {GroupKey} {Status} ({Alerts.Count} alerts)";
}

/// <summary>An alert as the dispatcher sees it: whether and why it is muted, and where it is routed.</summary>
public sealed record RoutedAlert
{
    public required Alert Alert { get; init; }

    /// <summary>The ids of the active silences that match it.</summary>
    public required IReadOnlyList<string> SilencedBy { get; init; }

    /// <summary>The fingerprints of the firing critical alerts that inhibit it.</summary>
    public required IReadOnlyList<string> InhibitedBy { get; init; }

    public Acknowledgement? Acknowledgement { get; init; }

    /// <summary>The channels its rule notifies; empty for info alerts and rules without <c>notify</c>.</summary>
    public required IReadOnlyList<string> Receivers { get; init; }

    public bool IsMuted => SilencedBy.Count > 0 || InhibitedBy.Count > 0 || Acknowledgement is not null;
}
