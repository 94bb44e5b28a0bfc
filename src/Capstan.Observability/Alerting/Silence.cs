namespace Capstan.Observability.Alerting;

/// <summary>Where a silence stands at a given time.</summary>
public enum SilenceState
{
    /// <summary>Starts later.</summary>
    Pending,

    Active,

    /// <summary>Ended (by its end time or by being expired by hand); no longer applies.</summary>
    Expired,
}

/// <summary>
/// Mutes the alerts whose labels include every one of <see cref="Matchers"/> (exact equality) between
/// <see cref="StartsAt"/> and <see cref="EndsAt"/>. A silenced alert is still shown, never notified.
/// </summary>
public sealed record Silence
{
    public required string Id { get; init; }

    /// <summary>At least one label; an alert matches when it has each of them with the same value.</summary>
    public required LabelSet Matchers { get; init; }

    public required DateTimeOffset StartsAt { get; init; }

    public required DateTimeOffset EndsAt { get; init; }

    public required string CreatedBy { get; init; }

    /// <summary>Why: what is being done about the alerts it mutes.</summary>
    public required string Reason { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public SilenceState StateAt(DateTimeOffset now) =>
        now < StartsAt ? SilenceState.Pending : now < EndsAt ? SilenceState.Active : SilenceState.Expired;

    public bool IsActive(DateTimeOffset now) => StateAt(now) == SilenceState.Active;

    public bool Matches(LabelSet labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return Matchers.Count > 0 && labels.Contains(Matchers);
    }
}

/// <summary>
/// Someone took an alert in hand: its firing is no longer repeated (nor told again) until it resolves. The resolution
/// is still told, and a new firing after it is a new alert to tell.
/// </summary>
public sealed record Acknowledgement(string Fingerprint, DateTimeOffset StartsAt, string By, DateTimeOffset At);

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

/// <summary>What the dispatcher must remember across a restart so that it neither tells again what it told nor forgets silences.</summary>
public sealed record DispatcherState
{
    public IReadOnlyList<Silence> Silences { get; init; } = [];

    public IReadOnlyList<Acknowledgement> Acknowledgements { get; init; } = [];

    public IReadOnlyList<NotificationLogEntry> NotificationLog { get; init; } = [];
}

/// <summary>What was last told to one receiver about one group, as Alertmanager's notification log keeps it.</summary>
public sealed record NotificationLogEntry
{
    public required string Receiver { get; init; }

    public required string GroupKey { get; init; }

    public required DateTimeOffset LastSentAt { get; init; }

    /// <summary>The firing alerts of the last notification.</summary>
    public required IReadOnlyList<AlertEpisode> LastFiring { get; init; }

    /// <summary>The alerts told as firing whose resolution is not told yet.</summary>
    public required IReadOnlyList<AlertEpisode> Unresolved { get; init; }
}
