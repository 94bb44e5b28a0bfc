using Capstan.Manifest.Model;

namespace Capstan.Observability.Alerting;

/// <summary>Where an alert instance stands. <see cref="Inactive"/> is never held by an alert, only named by transitions.</summary>
public enum AlertState
{
    /// <summary>The condition does not hold (or there is no value): no alert exists.</summary>
    Inactive,

    /// <summary>The condition holds, but not yet for the rule's <c>for</c>. Nobody is told.</summary>
    Pending,

    /// <summary>The condition has held for <c>for</c>: routed to the rule's channels.</summary>
    Firing,

    /// <summary>It was firing and the condition no longer holds, or its subject has no value any more.</summary>
    Resolved,
}

/// <summary>
/// One alert instance: one rule, one label set of its subject (an environment of a service, a scraped series).
/// Immutable; each evaluation gives a new instance when anything changed.
/// </summary>
public sealed record Alert
{
    /// <summary>
    /// The hex FNV-1a hash of <see cref="Labels"/>, computed as Prometheus and Alertmanager compute theirs
    /// (<see cref="AlertFingerprint"/>): the same labels give the same fingerprint across restarts and versions.
    /// </summary>
    public required string Fingerprint { get; init; }

    public required string RuleName { get; init; }

    public required AlertSeverity Severity { get; init; }

    /// <summary><see cref="AlertState.Pending"/>, <see cref="AlertState.Firing"/> or <see cref="AlertState.Resolved"/>.</summary>
    public required AlertState State { get; init; }

    /// <summary><c>alertname</c>, <c>severity</c>, the subject's labels (<c>env</c>, <c>service</c>…) and the rule's labels.</summary>
    public required LabelSet Labels { get; init; }

    /// <summary><c>summary</c>, <c>description</c> and <c>runbook_url</c>, as name/value pairs.</summary>
    public required LabelSet Annotations { get; init; }

    /// <summary>When the condition started to hold: the start of <see cref="AlertState.Pending"/>.</summary>
    public required DateTimeOffset ActiveSince { get; init; }

    /// <summary>When it started firing; null while pending.</summary>
    public DateTimeOffset? StartsAt { get; init; }

    /// <summary>When it resolved; null until then.</summary>
    public DateTimeOffset? EndsAt { get; init; }

    /// <summary>The last value of the condition's subject, in the threshold's unit (1 for 1%, seconds, bytes).</summary>
    public required double Value { get; init; }

    /// <summary>The time of the last evaluation that saw the condition hold.</summary>
    public required DateTimeOffset LastSeenAt { get; init; }

    public bool IsFiring => State == AlertState.Firing;

    public bool IsResolved => State == AlertState.Resolved;

    /// <summary>A label of the alert, or null.</summary>
    public string? this[string label] => Labels[label];

    public override string ToString() => $"{RuleName}{Labels} {State}";
}

/// <summary>A change of an alert's state, for the caller to persist or audit.</summary>
/// <param name="Alert">The alert after the change (for <see cref="AlertState.Inactive"/>, its last pending form).</param>
public sealed record AlertTransition(Alert Alert, AlertState From, AlertState To, DateTimeOffset At);

/// <summary>An alert rule whose condition could not be evaluated; its alerts keep their state.</summary>
public sealed record RuleEvaluationFailure(string RuleName, string Condition, Exception Error, DateTimeOffset At);
