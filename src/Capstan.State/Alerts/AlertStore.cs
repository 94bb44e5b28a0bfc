using System.Data.Common;

namespace Capstan.State;

internal sealed class AlertStore : IAlertStore
{
    private const string Columns =
        "app, rule, fingerprint, status, severity, active_since, resolved_at, last_evaluated_at, value, labels";

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
                VALUES (@app, @rule, @fingerprint, @status, @severity, @active_since, @resolved_at, @last_evaluated_at, @value, @labels)
                ON CONFLICT (app, rule, fingerprint) DO UPDATE SET
                    status = excluded.status, severity = excluded.severity, active_since = excluded.active_since,
                    resolved_at = excluded.resolved_at, last_evaluated_at = excluded.last_evaluated_at,
                    value = excluded.value, labels = excluded.labels
                """,
                p => p.Text("app", alert.App)
                    .Text("rule", alert.Rule)
                    .Text("fingerprint", alert.Fingerprint)
                    .Text("status", StoredNames.AlertStatus.Name(alert.Status))
                    .Text("severity", alert.Severity)
                    .Time("active_since", alert.ActiveSince)
                    .Time("resolved_at", alert.ResolvedAt)
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
    };
}
