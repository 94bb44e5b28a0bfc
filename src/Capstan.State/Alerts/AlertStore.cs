using System.Data.Common;

namespace Capstan.State;

internal sealed class AlertStore : IAlertStore
{
    private const string Columns =
        "app, rule, fingerprint, status, severity, active_since, resolved_at, last_evaluated_at, value, labels, acknowledged_at, acknowledged_by, firing_since";

    private readonly ISqlRunner _sql;

    public AlertStore(ISqlRunner sql)
    {
        _sql = sql;
    }

    public Task UpsertAsync(AlertState alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return _sql.RunAsync(
            write: true,
            (tx, ct) => tx.ExecuteAsync(
                $"""
                INSERT INTO capstan_alerts ({Columns})
                VALUES (@app, @rule, @fingerprint, @status, @severity, @active_since, @resolved_at, @last_evaluated_at, @value, @labels, NULL, NULL, @firing_since)
                ON CONFLICT (app, rule, fingerprint) DO UPDATE SET
                    status = excluded.status, severity = excluded.severity, active_since = excluded.active_since,
                    resolved_at = excluded.resolved_at, last_evaluated_at = excluded.last_evaluated_at,
                    value = excluded.value, labels = excluded.labels, firing_since = excluded.firing_since,
                    acknowledged_at = {KeepAcknowledgement("acknowledged_at")},
                    acknowledged_by = {KeepAcknowledgement("acknowledged_by")}
                """,
                p => p.Text("app", alert.App)
                    .Text("rule", alert.Rule)
                    .Text("fingerprint", alert.Fingerprint)
                    .Text("status", StoredNames.AlertStatus.Name(alert.Status))
                    .Text("severity", alert.Severity)
                    .Time("active_since", alert.ActiveSince)
                    .Time("resolved_at", alert.ResolvedAt)
                    .Time("firing_since", alert.FiringSince)
                    .Time("last_evaluated_at", alert.LastEvaluatedAt)
                    .Real("value", alert.Value)
                    .Text("labels", JsonMaps.Write(alert.Labels)),
                ct),
            cancellationToken);
    }

    public Task<AlertState?> GetAsync(string app, string rule, string fingerprint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(fingerprint);
        return _sql.RunAsync(
            write: false,
            (tx, ct) => tx.QuerySingleOrDefaultAsync(
                $"SELECT {Columns} FROM capstan_alerts WHERE app = @app AND rule = @rule AND fingerprint = @fingerprint",
                p => p.Text("app", app).Text("rule", rule).Text("fingerprint", fingerprint),
                Read,
                ct),
            cancellationToken);
    }

    public Task<IReadOnlyList<AlertState>> ListActiveAsync(string? app, CancellationToken cancellationToken)
    {
        var appFilter = app is null ? string.Empty : " AND app = @app";
        return _sql.RunAsync(
            write: false,
            (tx, ct) => tx.QueryAsync(
                $"SELECT {Columns} FROM capstan_alerts WHERE status IN (@pending, @firing){appFilter} ORDER BY app, rule, fingerprint",
                p =>
                {
                    p.Text("pending", StoredNames.AlertStatus.Name(AlertStatus.Pending))
                        .Text("firing", StoredNames.AlertStatus.Name(AlertStatus.Firing));
                    if (app is not null)
                    {
                        p.Text("app", app);
                    }
                },
                Read,
                ct),
            cancellationToken);
    }

    public Task<IReadOnlyList<AlertState>> ListAsync(string app, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        return _sql.RunAsync(
            write: false,
            (tx, ct) => tx.QueryAsync(
                $"SELECT {Columns} FROM capstan_alerts WHERE app = @app ORDER BY rule, fingerprint",
                p => p.Text("app", app),
                Read,
                ct),
            cancellationToken);
    }

    public Task<AlertState> AcknowledgeAsync(
        string app,
        string rule,
        string fingerprint,
        DateTimeOffset at,
        string by,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(fingerprint);
        ArgumentException.ThrowIfNullOrEmpty(by);
        return _sql.RunAsync(
            write: true,
            async (tx, ct) =>
            {
                var acknowledged = await tx.QuerySingleOrDefaultAsync(
                    $"""
                    UPDATE capstan_alerts SET acknowledged_at = @at, acknowledged_by = @by
                    WHERE app = @app AND rule = @rule AND fingerprint = @fingerprint AND status = @firing AND acknowledged_at IS NULL
                    RETURNING {Columns}
                    """,
                    p => p.Text("app", app)
                        .Text("rule", rule)
                        .Text("fingerprint", fingerprint)
                        .Text("firing", StoredNames.AlertStatus.Name(AlertStatus.Firing))
                        .Time("at", at)
                        .Text("by", by),
                    Read,
                    ct).ConfigureAwait(false);
                if (acknowledged is not null)
                {
                    return acknowledged;
                }

                var current = await tx.QuerySingleOrDefaultAsync(
                    $"SELECT {Columns} FROM capstan_alerts WHERE app = @app AND rule = @rule AND fingerprint = @fingerprint",
                    p => p.Text("app", app).Text("rule", rule).Text("fingerprint", fingerprint),
                    Read,
                    ct).ConfigureAwait(false);
                throw current switch
                {
                    null => new StateStoreException($"there is no alert {rule}/{fingerprint} of {app}"),
                    { Status: not AlertStatus.Firing } => new StateStoreException(
                        $"cannot acknowledge alert {rule}/{fingerprint} of {app}: it is {StoredNames.AlertStatus.Name(current.Status)}, not firing"),
                    _ => new StateStoreException(
                        $"cannot acknowledge alert {rule}/{fingerprint} of {app}: it is already acknowledged by {current.AcknowledgedBy}"),
                };
            },
            cancellationToken);
    }

    /// <summary>
    /// An acknowledgement belongs to one firing: kept while the alert stays active since the same time or resolves,
    /// cleared when it becomes active again since another time. (The right-hand sides of SET see the row before the update.)
    /// </summary>
    private static string KeepAcknowledgement(string column) =>
        $"CASE WHEN excluded.active_since IS NULL OR excluded.active_since = capstan_alerts.active_since THEN capstan_alerts.{column} ELSE NULL END";

    private static AlertState Read(DbDataReader r) => new()
    {
        App = r.GetString(0),
        Rule = r.GetString(1),
        Fingerprint = r.GetString(2),
        Status = StoredNames.AlertStatus.Parse(r.GetString(3)),
        Severity = r.GetString(4),
        ActiveSince = r.GetTimeOrNull(5),
        ResolvedAt = r.GetTimeOrNull(6),
        LastEvaluatedAt = r.GetTime(7),
        Value = r.GetDoubleOrNull(8),
        Labels = JsonMaps.ReadStringMap(r.GetString(9)),
        AcknowledgedAt = r.GetTimeOrNull(10),
        AcknowledgedBy = r.GetTextOrNull(11),
        FiringSince = r.GetTimeOrNull(12),
    };
}
