namespace Capstan.State;

/// <summary>
/// An incident: something wrong with an app that people respond to, from when it was opened (by an alert or by hand)
/// until a person resolves it. What happened meanwhile is its timeline (<see cref="IncidentEvent"/>).
/// Create it with <see cref="IIncidentStore.CreateAsync"/>; change its status only through the store's transitions.
/// </summary>
public sealed record Incident
{
    /// <summary>The incident's id, e.g. <c>StateId.New("inc")</c>.</summary>
    public required string Id { get; init; }

    public required string App { get; init; }

    /// <summary>The environment it happens in, e.g. <c>production</c>; null when it is not about one environment.</summary>
    public string? Environment { get; init; }

    public required string Title { get; init; }

    /// <summary>1 (most severe) to 4: SEV1 … SEV4.</summary>
    public required int Severity { get; init; }

    public required IncidentStatus Status { get; init; }

    public required DateTimeOffset OpenedAt { get; init; }

    /// <summary>Who opened it: a person, or <c>alert:RULE</c> for an incident an alert opened.</summary>
    public required string OpenedBy { get; init; }

    public DateTimeOffset? AcknowledgedAt { get; init; }

    public string? AcknowledgedBy { get; init; }

    public DateTimeOffset? ResolvedAt { get; init; }

    public string? ResolvedBy { get; init; }

    /// <summary>The services it affects, in the order they were added, each once.</summary>
    public required IReadOnlyList<string> Services { get; init; }

    /// <summary>Every alert ever attached, in the order attached, each once, named as the caller names alerts (the incident manager writes <c>RULE/FINGERPRINT</c>).</summary>
    public required IReadOnlyList<string> AlertFingerprints { get; init; }

    /// <summary>
    /// The attached alerts still firing, as last recorded: a subset of <see cref="AlertFingerprints"/>. Left as it was when
    /// the incident was resolved.
    /// </summary>
    public IReadOnlyList<string> FiringAlerts { get; init; } = [];
}

/// <summary>The status of an incident. Stored as the lowercase text in each member's comment.</summary>
public enum IncidentStatus
{
    /// <summary><c>open</c>: nobody has acknowledged it yet.</summary>
    Open,

    /// <summary><c>acknowledged</c>: a person is on it.</summary>
    Acknowledged,

    /// <summary><c>resolved</c>: a person declared it over. Final.</summary>
    Resolved,
}

/// <summary>One entry of an incident's timeline.</summary>
public sealed record IncidentEvent
{
    public required string IncidentId { get; init; }

    /// <summary>1, 2, 3, … per incident, in the order events were recorded; the store assigns it.</summary>
    public required long Sequence { get; init; }

    /// <summary>When it happened (for a deployment fed in late, earlier than events recorded before it).</summary>
    public required DateTimeOffset At { get; init; }

    public required IncidentEventKind Kind { get; init; }

    /// <summary>Who or what did it: a person, <c>alert:RULE</c>, or <c>capstan</c>.</summary>
    public required string Actor { get; init; }

    public required string Text { get; init; }
}

/// <summary>What a timeline entry records. Stored as the lowercase text in each member's comment.</summary>
public enum IncidentEventKind
{
    /// <summary><c>opened</c>: written by <see cref="IIncidentStore.CreateAsync"/> only.</summary>
    Opened,

    /// <summary><c>alert</c>: an alert fired, resolved, or every alert of the incident resolved.</summary>
    Alert,

    /// <summary><c>acknowledged</c>: written by <see cref="IIncidentStore.AcknowledgeAsync"/> only.</summary>
    Acknowledged,

    /// <summary><c>note</c>: what a person wrote.</summary>
    Note,

    /// <summary><c>escalated</c>: nobody acknowledged in time, so the next person on call was notified.</summary>
    Escalated,

    /// <summary><c>resolved</c>: written by <see cref="IIncidentStore.ResolveAsync"/> only.</summary>
    Resolved,

    /// <summary><c>deployment</c> of a service of the incident.</summary>
    Deployment,

    /// <summary><c>rollback</c> of a service of the incident.</summary>
    Rollback,

    /// <summary><c>secret</c>: a secret of the incident's app and environment changed.</summary>
    Secret,

    /// <summary><c>severity</c>: the severity changed (a more severe alert joined, or a person set it); written by <see cref="IIncidentStore.SetSeverityAsync"/> only.</summary>
    Severity,
}

/// <summary>
/// Incidents and their timelines. Every operation is atomic; each status transition records its timeline event in the
/// same transaction, and refuses, changing nothing, when the incident is no longer in a status it applies to.
/// </summary>
public interface IIncidentStore
{
    /// <summary>
    /// Adds a new incident, which must be <see cref="IncidentStatus.Open"/> with no acknowledgement or resolution, and its
    /// first timeline event: <see cref="IncidentEventKind.Opened"/>, sequence 1, at <see cref="Incident.OpenedAt"/> by
    /// <see cref="Incident.OpenedBy"/>, with the title as text. Its id must not exist yet. Services and alerts given
    /// twice are kept once; <see cref="Incident.FiringAlerts"/> must be among <see cref="Incident.AlertFingerprints"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The incident is not a new, open one, or its severity is not 1 to 4.</exception>
    Task CreateAsync(Incident incident, CancellationToken cancellationToken);

    Task<Incident?> GetAsync(string incidentId, CancellationToken cancellationToken);

    /// <summary>
    /// Incidents of one app or of all (<paramref name="app"/> null), newest first (by opened time, then id), at most
    /// <paramref name="limit"/>: only those not resolved when <paramref name="unresolvedOnly"/>, only those opened at or
    /// after <paramref name="since"/> when given.
    /// </summary>
    Task<IReadOnlyList<Incident>> ListAsync(
        string? app,
        bool unresolvedOnly,
        DateTimeOffset? since,
        int limit,
        CancellationToken cancellationToken);

    /// <summary>
    /// Marks an open incident acknowledged by <paramref name="by"/> and records an <see cref="IncidentEventKind.Acknowledged"/>
    /// event with <paramref name="text"/>. Returns the incident as now stored.
    /// </summary>
    /// <exception cref="StateStoreException">
    /// There is no such incident, or it is not open: <c>cannot acknowledge incident ID: it is already acknowledged</c>
    /// (or <c>resolved</c>).
    /// </exception>
    Task<Incident> AcknowledgeAsync(string incidentId, DateTimeOffset at, string by, string text, CancellationToken cancellationToken);

    /// <summary>
    /// Marks an incident that is open or acknowledged resolved by <paramref name="by"/> and records a
    /// <see cref="IncidentEventKind.Resolved"/> event with <paramref name="text"/>. Returns the incident as now stored.
    /// An incident resolved without acknowledgement keeps no acknowledgement.
    /// </summary>
    /// <exception cref="StateStoreException">There is no such incident, or it is already resolved.</exception>
    Task<Incident> ResolveAsync(string incidentId, DateTimeOffset at, string by, string text, CancellationToken cancellationToken);

    /// <summary>
    /// Sets the severity (1 to 4) of an incident that is not resolved and records a <see cref="IncidentEventKind.Severity"/>
    /// event by <paramref name="by"/> with <paramref name="text"/>. An incident already at that severity is returned
    /// unchanged, with no event. Returns the incident as now stored.
    /// </summary>
    /// <exception cref="StateStoreException">There is no such incident, or it is resolved.</exception>
    Task<Incident> SetSeverityAsync(string incidentId, int severity, DateTimeOffset at, string by, string text, CancellationToken cancellationToken);

    /// <summary>
    /// Attaches a firing alert to the incident of <paramref name="firing"/>: adds <paramref name="alert"/> to <see cref="Incident.AlertFingerprints"/> and
    /// <see cref="Incident.FiringAlerts"/>, and <paramref name="service"/> (when given) to <see cref="Incident.Services"/>,
    /// each unless there already, and records <paramref name="firing"/> (kind <see cref="IncidentEventKind.Alert"/> or another
    /// that may be appended) with the next sequence. Works in any status. Returns the incident as now stored.
    /// </summary>
    /// <exception cref="StateStoreException">There is no such incident.</exception>
    Task<Incident> AttachAlertAsync(string alert, string? service, IncidentEvent firing, CancellationToken cancellationToken);

    /// <summary>
    /// Records that an alert attached to the incident of <paramref name="resolved"/> stopped firing: removes <paramref name="alert"/> from <see cref="Incident.FiringAlerts"/>
    /// (nothing to remove is fine) and records <paramref name="resolved"/> with the next sequence. Returns the incident as now stored.
    /// </summary>
    /// <exception cref="StateStoreException">There is no such incident.</exception>
    Task<Incident> DetachFiringAlertAsync(string alert, IncidentEvent resolved, CancellationToken cancellationToken);

    /// <summary>
    /// Appends an event to the timeline of <see cref="IncidentEvent.IncidentId"/> with the next sequence (the given
    /// <see cref="IncidentEvent.Sequence"/> is ignored) and returns it as stored. Events may be appended in any status.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The kind is <see cref="IncidentEventKind.Opened"/>, <see cref="IncidentEventKind.Acknowledged"/> or
    /// <see cref="IncidentEventKind.Resolved"/>, which only the transitions record.
    /// </exception>
    /// <exception cref="StateStoreException">There is no such incident.</exception>
    Task<IncidentEvent> AppendEventAsync(IncidentEvent incidentEvent, CancellationToken cancellationToken);

    /// <summary>The incident's timeline in the order recorded (by sequence); empty for an unknown incident.</summary>
    Task<IReadOnlyList<IncidentEvent>> ListEventsAsync(string incidentId, CancellationToken cancellationToken);
}
