using System.Data.Common;

namespace Capstan.State;

internal sealed class IncidentStore : IIncidentStore
{
    private const string Columns =
        "id, app, environment, title, severity, status, opened_at, opened_by, acknowledged_at, acknowledged_by, "
        + "resolved_at, resolved_by, services, alert_fingerprints, firing_alerts";

    private const string EventColumns = "incident_id, sequence, occurred_at, kind, actor, text";

    private readonly ISqlRunner _sql;

    public IncidentStore(ISqlRunner sql)
    {
        _sql = sql;
    }

    public Task CreateAsync(Incident incident, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(incident);
        CheckNew(incident);
        var services = incident.Services.Distinct(StringComparer.Ordinal).ToArray();
        var alerts = incident.AlertFingerprints.Distinct(StringComparer.Ordinal).ToArray();
        var firing = incident.FiringAlerts.Distinct(StringComparer.Ordinal).ToArray();
        return _sql.RunAsync(
            write: true,
            async (tx, ct) =>
            {
                await tx.ExecuteAsync(
                    $"""
                    INSERT INTO capstan_incidents ({Columns}, last_sequence)
                    VALUES (@id, @app, @environment, @title, @severity, @status, @opened_at, @opened_by, NULL, NULL,
                        NULL, NULL, @services, @alert_fingerprints, @firing_alerts, 1)
                    """,
                    p => p.Text("id", incident.Id)
                        .Text("app", incident.App)
                        .Text("environment", incident.Environment)
                        .Text("title", incident.Title)
                        .Int64("severity", incident.Severity)
                        .Text("status", StoredNames.IncidentStatus.Name(IncidentStatus.Open))
                        .Time("opened_at", incident.OpenedAt)
                        .Text("opened_by", incident.OpenedBy)
                        .Text("services", JsonLists.Write(services))
                        .Text("alert_fingerprints", JsonLists.Write(alerts))
                        .Text("firing_alerts", JsonLists.Write(firing)),
                    ct).ConfigureAwait(false);
                await InsertEventAsync(
                    tx,
                    new IncidentEvent
                    {
                        IncidentId = incident.Id,
                        Sequence = 1,
                        At = incident.OpenedAt,
                        Kind = IncidentEventKind.Opened,
                        Actor = incident.OpenedBy,
                        Text = incident.Title,
                    },
                    ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken);
    }

    public Task<Incident?> GetAsync(string incidentId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(incidentId);
        return _sql.RunAsync(write: false, (tx, ct) => GetAsync(tx, incidentId, ct), cancellationToken);
    }

    public Task<IReadOnlyList<Incident>> ListAsync(
        string? app,
        bool unresolvedOnly,
        DateTimeOffset? since,
        int limit,
        CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var filters = new List<string>();
        if (app is not null)
        {
            filters.Add("app = @app");
        }

        if (unresolvedOnly)
        {
            filters.Add("status <> @resolved");
        }

        if (since is not null)
        {
            filters.Add("opened_at >= @since");
        }

        var where = filters.Count == 0 ? string.Empty : " WHERE " + string.Join(" AND ", filters);
        return _sql.RunAsync(
            write: false,
            (tx, ct) => tx.QueryAsync(
                $"SELECT {Columns} FROM capstan_incidents{where} ORDER BY opened_at DESC, id DESC LIMIT @limit",
                p =>
                {
                    p.Int64("limit", limit);
                    if (app is not null)
                    {
                        p.Text("app", app);
                    }

                    if (unresolvedOnly)
                    {
                        p.Text("resolved", StoredNames.IncidentStatus.Name(IncidentStatus.Resolved));
                    }

                    if (since is not null)
                    {
                        p.Time("since", since);
                    }
                },
                Read,
                ct),
            cancellationToken);
    }

    public Task<Incident> AcknowledgeAsync(string incidentId, DateTimeOffset at, string by, string text, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(incidentId);
        ArgumentException.ThrowIfNullOrEmpty(by);
        ArgumentNullException.ThrowIfNull(text);
        return _sql.RunAsync(
            write: true,
            async (tx, ct) =>
            {
                // The status check and the change are one statement, so of two people acknowledging at once exactly one succeeds.
                var sequence = await tx.ScalarInt64Async(
                    """
                    UPDATE capstan_incidents
                    SET status = @acknowledged, acknowledged_at = @at, acknowledged_by = @by, last_sequence = last_sequence + 1
                    WHERE id = @id AND status = @open
                    RETURNING last_sequence
                    """,
                    p => p.Text("id", incidentId)
                        .Text("acknowledged", StoredNames.IncidentStatus.Name(IncidentStatus.Acknowledged))
                        .Text("open", StoredNames.IncidentStatus.Name(IncidentStatus.Open))
                        .Time("at", at)
                        .Text("by", by),
                    ct).ConfigureAwait(false);
                if (sequence is null)
                {
                    throw await RefusalAsync(tx, incidentId, "acknowledge", IncidentStatus.Acknowledged, ct).ConfigureAwait(false);
                }

                return await RecordTransitionAsync(tx, incidentId, sequence.Value, at, IncidentEventKind.Acknowledged, by, text, ct)
                    .ConfigureAwait(false);
            },
            cancellationToken);
    }

    public Task<Incident> ResolveAsync(string incidentId, DateTimeOffset at, string by, string text, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(incidentId);
        ArgumentException.ThrowIfNullOrEmpty(by);
        ArgumentNullException.ThrowIfNull(text);
        return _sql.RunAsync(
            write: true,
            async (tx, ct) =>
            {
                var sequence = await tx.ScalarInt64Async(
                    """
                    UPDATE capstan_incidents
                    SET status = @resolved, resolved_at = @at, resolved_by = @by, last_sequence = last_sequence + 1
                    WHERE id = @id AND status <> @resolved
                    RETURNING last_sequence
                    """,
                    p => p.Text("id", incidentId)
                        .Text("resolved", StoredNames.IncidentStatus.Name(IncidentStatus.Resolved))
                        .Time("at", at)
                        .Text("by", by),
                    ct).ConfigureAwait(false);
                if (sequence is null)
                {
                    throw await RefusalAsync(tx, incidentId, "resolve", IncidentStatus.Resolved, ct).ConfigureAwait(false);
                }

                return await RecordTransitionAsync(tx, incidentId, sequence.Value, at, IncidentEventKind.Resolved, by, text, ct)
                    .ConfigureAwait(false);
            },
            cancellationToken);
    }

    public Task<Incident> SetSeverityAsync(string incidentId, int severity, DateTimeOffset at, string by, string text, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(incidentId);
        ArgumentOutOfRangeException.ThrowIfLessThan(severity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(severity, 4);
        ArgumentException.ThrowIfNullOrEmpty(by);
        ArgumentNullException.ThrowIfNull(text);
        return _sql.RunAsync(
            write: true,
            async (tx, ct) =>
            {
                var sequence = await tx.ScalarInt64Async(
                    """
                    UPDATE capstan_incidents
                    SET severity = @severity, last_sequence = last_sequence + 1
                    WHERE id = @id AND status <> @resolved AND severity <> @severity
                    RETURNING last_sequence
                    """,
                    p => p.Text("id", incidentId)
                        .Text("resolved", StoredNames.IncidentStatus.Name(IncidentStatus.Resolved))
                        .Int64("severity", severity),
                    ct).ConfigureAwait(false);
                if (sequence is null)
                {
                    var incident = await GetAsync(tx, incidentId, ct).ConfigureAwait(false) ?? throw NoSuchIncident(incidentId);
                    return incident.Status != IncidentStatus.Resolved
                        ? incident // already at that severity: nothing to record
                        : throw new StateStoreException($"cannot change the severity of incident {incidentId}: it is resolved");
                }

                return await RecordTransitionAsync(tx, incidentId, sequence.Value, at, IncidentEventKind.Severity, by, text, ct)
                    .ConfigureAwait(false);
            },
            cancellationToken);
    }

    public Task<Incident> AttachAlertAsync(string alert, string? service, IncidentEvent firing, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(alert);
        CheckAppendable(firing, nameof(firing));
        return _sql.RunAsync(
            write: true,
            async (tx, ct) =>
            {
                var (incident, _) = await LockAndAppendAsync(tx, firing, ct).ConfigureAwait(false);
                var changed = incident with
                {
                    AlertFingerprints = AddOnce(incident.AlertFingerprints, alert),
                    FiringAlerts = AddOnce(incident.FiringAlerts, alert),
                    Services = service is null ? incident.Services : AddOnce(incident.Services, service),
                };
                await SaveListsAsync(tx, changed, ct).ConfigureAwait(false);
                return changed;
            },
            cancellationToken);
    }

    public Task<Incident> DetachFiringAlertAsync(string alert, IncidentEvent resolved, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(alert);
        CheckAppendable(resolved, nameof(resolved));
        return _sql.RunAsync(
            write: true,
            async (tx, ct) =>
            {
                var (incident, _) = await LockAndAppendAsync(tx, resolved, ct).ConfigureAwait(false);
                var changed = incident with { FiringAlerts = incident.FiringAlerts.Where(a => a != alert).ToArray() };
                await SaveListsAsync(tx, changed, ct).ConfigureAwait(false);
                return changed;
            },
            cancellationToken);
    }

    public Task<IncidentEvent> AppendEventAsync(IncidentEvent incidentEvent, CancellationToken cancellationToken)
    {
        CheckAppendable(incidentEvent, nameof(incidentEvent));
        return _sql.RunAsync(
            write: true,
            async (tx, ct) => (await LockAndAppendAsync(tx, incidentEvent, ct).ConfigureAwait(false)).Appended,
            cancellationToken);
    }

    public Task<IReadOnlyList<IncidentEvent>> ListEventsAsync(string incidentId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(incidentId);
        return _sql.RunAsync(
            write: false,
            (tx, ct) => tx.QueryAsync(
                $"SELECT {EventColumns} FROM capstan_incident_events WHERE incident_id = @id ORDER BY sequence",
                p => p.Text("id", incidentId),
                ReadEvent,
                ct),
            cancellationToken);
    }

    private static void CheckNew(Incident incident)
    {
        ArgumentException.ThrowIfNullOrEmpty(incident.Id, nameof(incident));
        ArgumentException.ThrowIfNullOrEmpty(incident.App, nameof(incident));
        ArgumentException.ThrowIfNullOrEmpty(incident.OpenedBy, nameof(incident));
        ArgumentNullException.ThrowIfNull(incident.Title, nameof(incident));
        ArgumentNullException.ThrowIfNull(incident.Services, nameof(incident));
        ArgumentNullException.ThrowIfNull(incident.AlertFingerprints, nameof(incident));
        ArgumentNullException.ThrowIfNull(incident.FiringAlerts, nameof(incident));
        if (incident.Severity is < 1 or > 4)
        {
            throw new ArgumentException($"Incident '{incident.Id}' has severity {incident.Severity}; use 1 (SEV1) to 4 (SEV4).", nameof(incident));
        }

        if (incident.Status != IncidentStatus.Open || incident.AcknowledgedAt is not null || incident.AcknowledgedBy is not null
            || incident.ResolvedAt is not null || incident.ResolvedBy is not null)
        {
            throw new ArgumentException(
                $"Incident '{incident.Id}' must be created open, without acknowledgement or resolution; use AcknowledgeAsync and ResolveAsync after.",
                nameof(incident));
        }

        var unattached = incident.FiringAlerts.Except(incident.AlertFingerprints, StringComparer.Ordinal).ToList();
        if (unattached.Count > 0)
        {
            throw new ArgumentException(
                $"Incident '{incident.Id}' has firing alerts that are not among its alerts: {string.Join(", ", unattached)}.",
                nameof(incident));
        }
    }

    private static void CheckAppendable(IncidentEvent incidentEvent, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(incidentEvent, parameterName);
        ArgumentException.ThrowIfNullOrEmpty(incidentEvent.IncidentId, parameterName);
        ArgumentException.ThrowIfNullOrEmpty(incidentEvent.Actor, parameterName);
        ArgumentNullException.ThrowIfNull(incidentEvent.Text, parameterName);
        if (incidentEvent.Kind is IncidentEventKind.Opened or IncidentEventKind.Acknowledged or IncidentEventKind.Resolved or IncidentEventKind.Severity)
        {
            throw new ArgumentException(
                $"A '{StoredNames.IncidentEventKind.Name(incidentEvent.Kind)}' event is recorded by its transition (CreateAsync, AcknowledgeAsync, ResolveAsync, SetSeverityAsync), not appended.",
                parameterName);
        }
    }

    /// <summary>
    /// Takes the next sequence of the incident, which on PostgreSQL locks its row until the transaction ends (so that the
    /// read after it sees every earlier writer's lists), appends the event with it and reads the incident.
    /// </summary>
    private static async Task<(Incident Incident, IncidentEvent Appended)> LockAndAppendAsync(
        StateTransaction tx,
        IncidentEvent incidentEvent,
        CancellationToken ct)
    {
        var sequence = await tx.ScalarInt64Async(
            "UPDATE capstan_incidents SET last_sequence = last_sequence + 1 WHERE id = @id RETURNING last_sequence",
            p => p.Text("id", incidentEvent.IncidentId),
            ct).ConfigureAwait(false)
            ?? throw NoSuchIncident(incidentEvent.IncidentId);
        var appended = incidentEvent with { Sequence = sequence, At = Truncate(incidentEvent.At) };
        await InsertEventAsync(tx, appended, ct).ConfigureAwait(false);
        var incident = await GetAsync(tx, incidentEvent.IncidentId, ct).ConfigureAwait(false)
            ?? throw NoSuchIncident(incidentEvent.IncidentId);
        return (incident, appended);
    }

    private static async Task<Incident> RecordTransitionAsync(
        StateTransaction tx,
        string incidentId,
        long sequence,
        DateTimeOffset at,
        IncidentEventKind kind,
        string by,
        string text,
        CancellationToken ct)
    {
        await InsertEventAsync(
            tx,
            new IncidentEvent { IncidentId = incidentId, Sequence = sequence, At = at, Kind = kind, Actor = by, Text = text },
            ct).ConfigureAwait(false);
        return await GetAsync(tx, incidentId, ct).ConfigureAwait(false) ?? throw NoSuchIncident(incidentId);
    }

    private static async Task<StateStoreException> RefusalAsync(
        StateTransaction tx,
        string incidentId,
        string verb,
        IncidentStatus target,
        CancellationToken ct)
    {
        var incident = await GetAsync(tx, incidentId, ct).ConfigureAwait(false);
        if (incident is null)
        {
            return NoSuchIncident(incidentId);
        }

        var already = incident.Status == target ? "already " : string.Empty;
        return new StateStoreException(
            $"cannot {verb} incident {incidentId}: it is {already}{StoredNames.IncidentStatus.Name(incident.Status)}");
    }

    private static StateStoreException NoSuchIncident(string incidentId) => new($"there is no incident '{incidentId}'");

    private static Task InsertEventAsync(StateTransaction tx, IncidentEvent incidentEvent, CancellationToken ct) =>
        tx.ExecuteAsync(
            $"""
            INSERT INTO capstan_incident_events ({EventColumns})
            VALUES (@incident_id, @sequence, @occurred_at, @kind, @actor, @text)
            """,
            p => p.Text("incident_id", incidentEvent.IncidentId)
                .Int64("sequence", incidentEvent.Sequence)
                .Time("occurred_at", incidentEvent.At)
                .Text("kind", StoredNames.IncidentEventKind.Name(incidentEvent.Kind))
                .Text("actor", incidentEvent.Actor)
                .Text("text", incidentEvent.Text),
            ct);

    private static Task SaveListsAsync(StateTransaction tx, Incident incident, CancellationToken ct) =>
        tx.ExecuteAsync(
            """
            UPDATE capstan_incidents SET services = @services, alert_fingerprints = @alert_fingerprints, firing_alerts = @firing_alerts
            WHERE id = @id
            """,
            p => p.Text("id", incident.Id)
                .Text("services", JsonLists.Write(incident.Services))
                .Text("alert_fingerprints", JsonLists.Write(incident.AlertFingerprints))
                .Text("firing_alerts", JsonLists.Write(incident.FiringAlerts)),
            ct);

    private static Task<Incident?> GetAsync(StateTransaction tx, string incidentId, CancellationToken ct) =>
        tx.QuerySingleOrDefaultAsync(
            $"SELECT {Columns} FROM capstan_incidents WHERE id = @id",
            p => p.Text("id", incidentId),
            Read,
            ct);

    private static IReadOnlyList<string> AddOnce(IReadOnlyList<string> items, string item) =>
        items.Contains(item, StringComparer.Ordinal) ? items : [.. items, item];

    /// <summary>The time as the store gives it back: whole milliseconds, UTC.</summary>
    private static DateTimeOffset Truncate(DateTimeOffset time) => DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());

    private static Incident Read(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        App = r.GetString(1),
        Environment = r.GetTextOrNull(2),
        Title = r.GetString(3),
        Severity = r.GetInt32Value(4),
        Status = StoredNames.IncidentStatus.Parse(r.GetString(5)),
        OpenedAt = r.GetTime(6),
        OpenedBy = r.GetString(7),
        AcknowledgedAt = r.GetTimeOrNull(8),
        AcknowledgedBy = r.GetTextOrNull(9),
        ResolvedAt = r.GetTimeOrNull(10),
        ResolvedBy = r.GetTextOrNull(11),
        Services = JsonLists.Read(r.GetString(12)),
        AlertFingerprints = JsonLists.Read(r.GetString(13)),
        FiringAlerts = JsonLists.Read(r.GetString(14)),
    };

    private static IncidentEvent ReadEvent(DbDataReader r) => new()
    {
        IncidentId = r.GetString(0),
        Sequence = r.GetInt64(1),
        At = r.GetTime(2),
        Kind = StoredNames.IncidentEventKind.Parse(r.GetString(3)),
        Actor = r.GetString(4),
        Text = r.GetString(5),
    };
}
