namespace Capstan.State;

/// <summary>The state of one alert: one rule of an app for one set of labels (its fingerprint).</summary>
public sealed record AlertState
{
    public required string App { get; init; }

    public required string Rule { get; init; }

    /// <summary>Identifies the label set the rule fired for, e.g. a hash of the sorted labels.</summary>
    public required string Fingerprint { get; init; }

    public required AlertStatus Status { get; init; }

    /// <summary>The rule's severity, e.g. <c>critical</c>, <c>warning</c>.</summary>
    public required string Severity { get; init; }

    /// <summary>When the condition started to hold (pending, then firing); null when resolved.</summary>
    public DateTimeOffset? ActiveSince { get; init; }

    public DateTimeOffset? ResolvedAt { get; init; }

    /// <summary>When it started firing (the condition had held for the rule's <c>for</c>); null while pending.</summary>
    public DateTimeOffset? FiringSince { get; init; }

    public required DateTimeOffset LastEvaluatedAt { get; init; }

    /// <summary>The value the rule's expression had at the last evaluation.</summary>
    public double? Value { get; init; }

    public required IReadOnlyDictionary<string, string> Labels { get; init; }

    /// <summary>
    /// When a person acknowledged the alert's current (or, once resolved, last) firing, with
    /// <see cref="IAlertStore.AcknowledgeAsync"/>; null if nobody did. Kept by <see cref="IAlertStore.UpsertAsync"/>.
    /// </summary>
    public DateTimeOffset? AcknowledgedAt { get; init; }

    /// <summary>Who acknowledged it; null when <see cref="AcknowledgedAt"/> is.</summary>
    public string? AcknowledgedBy { get; init; }
}

/// <summary>The status of an alert. Stored as the lowercase text in each member's comment.</summary>
public enum AlertStatus
{
    /// <summary><c>pending</c>: the condition holds, but not yet for the rule's <c>for:</c> duration.</summary>
    Pending,

    /// <summary><c>firing</c></summary>
    Firing,

    /// <summary><c>resolved</c></summary>
    Resolved,
}

/// <summary>Alert states, one per (app, rule, fingerprint).</summary>
public interface IAlertStore
{
    /// <summary>
    /// Adds the alert state, or replaces the one with the same app, rule and fingerprint. The acknowledgement is not the
    /// caller's to set and its fields are ignored: a new alert has none; an existing one keeps its own while
    /// <see cref="AlertState.ActiveSince"/> stays the same or becomes null (resolved), and loses it when the alert becomes
    /// active again with another <see cref="AlertState.ActiveSince"/> (a new firing needs a new acknowledgement).
    /// </summary>
    Task UpsertAsync(AlertState alert, CancellationToken cancellationToken);

    Task<AlertState?> GetAsync(string app, string rule, string fingerprint, CancellationToken cancellationToken);

    /// <summary>Pending and firing alerts, of one app or of all when <paramref name="app"/> is null; ordered by app, rule, fingerprint.</summary>
    Task<IReadOnlyList<AlertState>> ListActiveAsync(string? app, CancellationToken cancellationToken);

    /// <summary>Every alert state of the app, resolved ones included; ordered by rule, then fingerprint.</summary>
    Task<IReadOnlyList<AlertState>> ListAsync(string app, CancellationToken cancellationToken);

    /// <summary>
    /// Records that <paramref name="by"/> acknowledged a firing alert at <paramref name="at"/>, and returns the alert as now stored.
    /// The check and the change are one statement: of two people acknowledging at once, one succeeds.
    /// </summary>
    /// <exception cref="StateStoreException">
    /// There is no such alert, it is not firing (<c>cannot acknowledge alert RULE/FINGERPRINT of APP: it is resolved</c>),
    /// or it is acknowledged already (naming by whom).
    /// </exception>
    Task<AlertState> AcknowledgeAsync(
        string app,
        string rule,
        string fingerprint,
        DateTimeOffset at,
        string by,
        CancellationToken cancellationToken);
}
