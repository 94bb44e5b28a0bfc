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
