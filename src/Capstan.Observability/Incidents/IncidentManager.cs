using Capstan.State;

namespace Capstan.Observability.Incidents;

/// <summary>
/// Runs incidents through their lifecycle (detect, respond, mitigate, resolve; the postmortem is
/// <see cref="PostmortemWriter"/>'s) over an <see cref="IIncidentStore"/>, with every step on the incident's timeline.
/// </summary>
/// <remarks>
/// <para>
/// Alerts: a firing critical alert opens an incident for its app, <c>env</c> and <c>service</c>, unless an unresolved
/// incident of the same app and environment already has that service (or, for an alert without a service, has none),
/// in which case the alert is attached to it (the oldest, if several). Other alerts never open an incident, but are
/// attached to such an incident the same way: they are part of the story. Each firing and each resolution of an attached
/// alert goes on the timeline. When the last firing alert of an incident resolves, the timeline says so, but the
/// incident stays unresolved: a person resolves it, once they know the service is healthy and nothing else is wrong.
/// </para>
/// <para>
/// The manager assumes it is the only one handling alerts for an app: two managers seeing the same alert at once could
/// both open an incident. The state store keeps each step atomic (a stale acknowledgement fails, naming the status).
/// </para>
/// </remarks>
public sealed class IncidentManager
{
    /// <summary>The actor of the timeline entries Capstan writes itself.</summary>
    public const string SystemActor = "capstan";

    /// <summary>How far before an incident began <see cref="WhatChanged"/> looks.</summary>
    public static readonly TimeSpan WhatChangedWindow = TimeSpan.FromHours(1);

    // More unresolved incidents than this in one app (or in all, for escalation) would be a flood; the oldest are looked at last.
    private const int UnresolvedLimit = 1000;

    private readonly IIncidentStore _store;
    private readonly TimeProvider _clock;

    public IncidentManager(IIncidentStore store, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _store = store;
        _clock = timeProvider;
    }

    /// <summary>
    /// An alert fired: opens an incident (critical alerts only), or attaches the alert to the matching unresolved incident
    /// (see the remarks of the class). Returns the incident and whether it was opened now; null when the alert is not
    /// critical and no incident matches. An alert already recorded as firing on the incident changes nothing.
    /// </summary>
    public async Task<IncidentForAlert?> OnAlertFiringAsync(IncidentAlert alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var now = _clock.GetUtcNow();
        var existing = await FindForAlertAsync(alert, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            if (existing.FiringAlerts.Contains(alert.Key, StringComparer.Ordinal))
            {
                return new IncidentForAlert(existing, Opened: false);
            }

            var again = existing.AlertFingerprints.Contains(alert.Key, StringComparer.Ordinal) ? " again" : string.Empty;
            var attached = await _store.AttachAlertAsync(
                alert.Key,
                alert.Service,
                AlertEvent(existing.Id, alert, now, $"{Describe(alert)} firing{again}{(alert.Summary is null ? string.Empty : ": " + alert.Summary)}"),
                cancellationToken).ConfigureAwait(false);

            // A more severe alert joining raises the incident to its severity (never lowers it: that is a person's call).
            var severity = IncidentSeverity.ForAlert(alert.Severity, alert.Labels);
            if (severity.Level < attached.Severity)
            {
                attached = await _store.SetSeverityAsync(
                    attached.Id,
                    severity.Level,
                    now,
                    "alert:" + alert.Rule,
                    $"{IncidentSeverity.FromLevel(attached.Severity).Name} → {severity.Name}: {Describe(alert)} is {severity.Name}",
                    cancellationToken).ConfigureAwait(false);
            }

            return new IncidentForAlert(attached, Opened: false);
        }

        if (!IncidentSeverity.OpensIncident(alert.Severity))
        {
            return null;
        }

        var incident = await OpenForAlertAsync(alert, "alert:" + alert.Rule, now, cancellationToken).ConfigureAwait(false);
        return new IncidentForAlert(incident, Opened: true);
    }

    /// <summary>
    /// An alert resolved: records it on the unresolved incident it is firing on, and, when it was the incident's last firing
    /// alert, records that too (the incident itself stays for a person to resolve). Returns the incident, or null when the
    /// alert is not firing on any unresolved incident.
    /// </summary>
    public async Task<Incident?> OnAlertResolvedAsync(IncidentAlert alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var now = _clock.GetUtcNow();
        var unresolved = await _store.ListAsync(alert.App, unresolvedOnly: true, since: null, UnresolvedLimit, cancellationToken)
            .ConfigureAwait(false);
        var incident = unresolved.Where(i => i.FiringAlerts.Contains(alert.Key, StringComparer.Ordinal)).MinBy(i => i.OpenedAt);
        if (incident is null)
        {
            return null;
        }

        var detached = await _store.DetachFiringAlertAsync(
            alert.Key,
            AlertEvent(incident.Id, alert, now, $"{Describe(alert)} resolved"),
            cancellationToken).ConfigureAwait(false);
        if (detached.FiringAlerts.Count == 0)
        {
            await _store.AppendEventAsync(
                new IncidentEvent
                {
                    IncidentId = detached.Id,
                    Sequence = 0,
                    At = now,
                    Kind = IncidentEventKind.Alert,
                    Actor = SystemActor,
                    Text = "no alert of the incident is firing any more; resolve it once the service is confirmed healthy",
                },
                cancellationToken).ConfigureAwait(false);
        }

        return detached;
    }

    /// <summary>Opens an incident by hand.</summary>
    public async Task<Incident> OpenAsync(IncidentRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.Title, nameof(request));
        ArgumentException.ThrowIfNullOrWhiteSpace(request.OpenedBy, nameof(request));
        var incident = new Incident
        {
            Id = StateId.New("inc", _clock),
            App = request.App,
            Environment = request.Environment,
            Title = request.Title,
            Severity = request.Severity.Level,
            Status = IncidentStatus.Open,
            OpenedAt = _clock.GetUtcNow(),
            OpenedBy = request.OpenedBy,
            Services = request.Services,
            AlertFingerprints = [],
        };
        await _store.CreateAsync(incident, cancellationToken).ConfigureAwait(false);
        return await GetAsync(incident.Id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens an incident by hand from an alert of any severity (a warning gives SEV3; see <see cref="IncidentSeverity.ForAlert"/>),
    /// with the alert attached as firing.
    /// </summary>
    public Task<Incident> OpenFromAlertAsync(IncidentAlert alert, string openedBy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentException.ThrowIfNullOrWhiteSpace(openedBy);
        return OpenForAlertAsync(alert, openedBy, _clock.GetUtcNow(), cancellationToken);
    }

    /// <summary>A person takes the incident: it must be open. Stops its escalation.</summary>
    /// <exception cref="StateStoreException">There is no such incident, or it is not open (the message names its status).</exception>
    public async Task<Incident> AcknowledgeAsync(string incidentId, string by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(incidentId);
        ArgumentException.ThrowIfNullOrWhiteSpace(by);
        var now = _clock.GetUtcNow();
        var incident = await _store.GetAsync(incidentId, cancellationToken).ConfigureAwait(false);
        var text = incident is null ? "acknowledged" : AcknowledgedText(incident, now);
        return await _store.AcknowledgeAsync(incidentId, now, by, text, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A person sets the severity of an incident that is not resolved, up or down, with why; the timeline records
    /// <c>SEV2 → SEV1 (reason)</c>. Its response target, and so its escalation, follow the new severity.
    /// </summary>
    /// <exception cref="StateStoreException">There is no such incident, or it is resolved.</exception>
    public async Task<Incident> SetSeverityAsync(string incidentId, IncidentSeverity severity, string by, string? reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(incidentId);
        ArgumentNullException.ThrowIfNull(severity);
        ArgumentException.ThrowIfNullOrWhiteSpace(by);
        var incident = await _store.GetAsync(incidentId, cancellationToken).ConfigureAwait(false)
            ?? throw new StateStoreException($"there is no incident '{incidentId}'");
        var text = $"{IncidentSeverity.FromLevel(incident.Severity).Name} → {severity.Name}{(string.IsNullOrWhiteSpace(reason) ? string.Empty : $" ({reason.Trim()})")}";
        return await _store.SetSeverityAsync(incidentId, severity.Level, _clock.GetUtcNow(), by, text, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds what a person found or did to the timeline, in any status.</summary>
    /// <exception cref="StateStoreException">There is no such incident.</exception>
    public Task<IncidentEvent> NoteAsync(string incidentId, string by, string text, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(incidentId);
        ArgumentException.ThrowIfNullOrWhiteSpace(by);
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        return _store.AppendEventAsync(
            new IncidentEvent
            {
                IncidentId = incidentId,
                Sequence = 0,
                At = _clock.GetUtcNow(),
                Kind = IncidentEventKind.Note,
                Actor = by,
                Text = text,
            },
            cancellationToken);
    }

    /// <summary>A person declares the incident over; <paramref name="text"/> says how (by default, how long it took).</summary>
    /// <exception cref="StateStoreException">There is no such incident, or it is already resolved.</exception>
    public async Task<Incident> ResolveAsync(string incidentId, string by, string? text, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(incidentId);
        ArgumentException.ThrowIfNullOrWhiteSpace(by);
        var now = _clock.GetUtcNow();
        if (text is null)
        {
            var incident = await _store.GetAsync(incidentId, cancellationToken).ConfigureAwait(false);
            text = incident is null ? "resolved" : $"resolved {DurationText.Format(now - incident.OpenedAt)} after opening";
        }

        return await _store.ResolveAsync(incidentId, now, by, text, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Records a deployment, rollback or secret change on every unresolved incident it touches: same app; same environment
    /// when both name one; and a service of the incident, unless the change or the incident names no service (then it
    /// touches all). The entry is dated when the change happened. Returns the entries written, one per incident.
    /// </summary>
    public async Task<IReadOnlyList<IncidentEvent>> AddChangeAsync(ChangeEvent change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        var unresolved = await _store.ListAsync(change.App, unresolvedOnly: true, since: null, UnresolvedLimit, cancellationToken)
            .ConfigureAwait(false);
        var written = new List<IncidentEvent>();
        foreach (var incident in unresolved.Where(i => Touches(change, i)).OrderBy(i => i.OpenedAt).ThenBy(i => i.Id, StringComparer.Ordinal))
        {
            written.Add(await _store.AppendEventAsync(
                new IncidentEvent
                {
                    IncidentId = incident.Id,
                    Sequence = 0,
                    At = change.At,
                    Kind = change.Kind switch
                    {
                        ChangeKind.Deployment => IncidentEventKind.Deployment,
                        ChangeKind.Rollback => IncidentEventKind.Rollback,
                        _ => IncidentEventKind.Secret,
                    },
                    Actor = change.Actor,
                    Text = change.Text,
                },
                cancellationToken).ConfigureAwait(false));
        }

        return written;
    }

    /// <summary>
    /// "What changed?": the changes of the incident's app (and environment, when both name one) made in the hour before it
    /// opened, up to and including the moment it opened, oldest first. Changes to any service count: a dependency's
    /// deployment is a common cause.
    /// </summary>
    public static IReadOnlyList<ChangeEvent> WhatChanged(Incident incident, IEnumerable<ChangeEvent> changes)
    {
        ArgumentNullException.ThrowIfNull(incident);
        ArgumentNullException.ThrowIfNull(changes);
        var from = incident.OpenedAt - WhatChangedWindow;
        return changes
            .Where(c => c.App == incident.App && SameEnvironment(c.Environment, incident.Environment))
            .Where(c => c.At >= from && c.At <= incident.OpenedAt)
            .OrderBy(c => c.At)
            .ToList();
    }

    /// <summary>
    /// Escalates the open incidents of <paramref name="app"/> (or of all apps) that <paramref name="policy"/> says are due
    /// now: records each escalation on the incident's timeline and returns them for the caller to deliver. Idempotent: an
    /// escalation recorded once is not returned again, also after a restart, since the count comes from the timeline.
    /// </summary>
    public async Task<IReadOnlyList<EscalationAction>> TickEscalationsAsync(
        EscalationPolicy policy,
        string? app,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var now = _clock.GetUtcNow();
        var unresolved = await _store.ListAsync(app, unresolvedOnly: true, since: null, UnresolvedLimit, cancellationToken)
            .ConfigureAwait(false);
        var actions = new List<EscalationAction>();
        foreach (var incident in unresolved.Where(i => i.Status == IncidentStatus.Open).OrderBy(i => i.OpenedAt))
        {
            var timeline = await _store.ListEventsAsync(incident.Id, cancellationToken).ConfigureAwait(false);
            var escalated = timeline.Count(e => e.Kind == IncidentEventKind.Escalated);
            foreach (var action in policy.Tick(incident, escalated, now))
            {
                await _store.AppendEventAsync(
                    new IncidentEvent
                    {
                        IncidentId = incident.Id,
                        Sequence = 0,
                        At = now,
                        Kind = IncidentEventKind.Escalated,
                        Actor = SystemActor,
                        Text = $"not acknowledged within {DurationText.Format(action.Unacknowledged)}: notifying {action.Person} (escalation {action.Level} of {action.Of})",
                    },
                    cancellationToken).ConfigureAwait(false);
                actions.Add(action);
            }
        }

        return actions;
    }

    private async Task<Incident> OpenForAlertAsync(IncidentAlert alert, string openedBy, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var incident = new Incident
        {
            Id = StateId.New("inc", _clock),
            App = alert.App,
            Environment = alert.Environment,
            Title = alert.Summary is null ? $"{Describe(alert)} firing" : $"{alert.Rule}: {alert.Summary}",
            Severity = IncidentSeverity.ForAlert(alert.Severity, alert.Labels).Level,
            Status = IncidentStatus.Open,
            OpenedAt = now,
            OpenedBy = openedBy,
            Services = alert.Service is null ? [] : [alert.Service],
            AlertFingerprints = [alert.Key],
            FiringAlerts = [alert.Key],
        };
        await _store.CreateAsync(incident, cancellationToken).ConfigureAwait(false);
        return await GetAsync(incident.Id, cancellationToken).ConfigureAwait(false);
    }

    private async Task<Incident?> FindForAlertAsync(IncidentAlert alert, CancellationToken cancellationToken)
    {
        var unresolved = await _store.ListAsync(alert.App, unresolvedOnly: true, since: null, UnresolvedLimit, cancellationToken)
            .ConfigureAwait(false);
        return unresolved
            .Where(i => i.Environment == alert.Environment)
            .Where(i => alert.Service is null ? i.Services.Count == 0 : i.Services.Contains(alert.Service, StringComparer.Ordinal))
            .MinBy(i => i.OpenedAt);
    }

    private async Task<Incident> GetAsync(string incidentId, CancellationToken cancellationToken) =>
        await _store.GetAsync(incidentId, cancellationToken).ConfigureAwait(false)
        ?? throw new InvalidOperationException($"Incident '{incidentId}' was created but cannot be read back.");

    private static bool Touches(ChangeEvent change, Incident incident) =>
        SameEnvironment(change.Environment, incident.Environment)
        && (change.Service is null || incident.Services.Count == 0 || incident.Services.Contains(change.Service, StringComparer.Ordinal));

    private static bool SameEnvironment(string? a, string? b) => a is null || b is null || a == b;

    private static string AcknowledgedText(Incident incident, DateTimeOffset now)
    {
        var severity = IncidentSeverity.FromLevel(incident.Severity);
        var taken = now - incident.OpenedAt;
        var verdict = taken <= severity.ResponseTarget ? "within" : "outside";
        return $"acknowledged {DurationText.Format(taken)} after opening, {verdict} the {severity.Name} target of {DurationText.Format(severity.ResponseTarget)}";
    }

    private static IncidentEvent AlertEvent(string incidentId, IncidentAlert alert, DateTimeOffset at, string text) => new()
    {
        IncidentId = incidentId,
        Sequence = 0,
        At = at,
        Kind = IncidentEventKind.Alert,
        Actor = "alert:" + alert.Rule,
        Text = text,
    };

    /// <summary><c>HighErrorRate on api in production</c>, leaving out what the alert does not say.</summary>
    private static string Describe(IncidentAlert alert) =>
        alert.Rule
        + (alert.Service is null ? string.Empty : " on " + alert.Service)
        + (alert.Environment is null ? string.Empty : " in " + alert.Environment);
}

/// <summary>The incident an alert went to, and whether it was opened for it.</summary>
public sealed record IncidentForAlert(Incident Incident, bool Opened);

/// <summary>An incident a person opens.</summary>
public sealed record IncidentRequest
{
    public required string App { get; init; }

    public string? Environment { get; init; }

    public required string Title { get; init; }

    public required IncidentSeverity Severity { get; init; }

    /// <summary>The services affected; none for the app as a whole.</summary>
    public IReadOnlyList<string> Services { get; init; } = [];

    /// <summary>The person opening it.</summary>
    public required string OpenedBy { get; init; }
}
