using System.Data.Common;

namespace Capstan.State;

internal sealed class NotificationLog : INotificationLog
{
    private const string Columns = "id, app, receiver, group_key, status, attempt, outcome, error, occurred_at";

    private readonly ISqlRunner _sql;

    public NotificationLog(ISqlRunner sql)
    {
        _sql = sql;
    }

    public Task AppendAsync(NotificationDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(delivery.Attempt, nameof(delivery));
        return _sql.RunAsync(
            write: true,
            (tx, ct) => tx.ExecuteAsync(
                $"""
                INSERT INTO capstan_notifications ({Columns})
                VALUES (@id, @app, @receiver, @group_key, @status, @attempt, @outcome, @error, @occurred_at)
                """,
                p => p.Text("id", delivery.Id)
                    .Text("app", delivery.App)
                    .Text("receiver", delivery.Receiver)
                    .Text("group_key", delivery.GroupKey)
                    .Text("status", StoredNames.NotificationStatus.Name(delivery.Status))
                    .Int64("attempt", delivery.Attempt)
                    .Text("outcome", StoredNames.NotificationOutcome.Name(delivery.Outcome))
                    .Text("error", delivery.Error)
                    .Time("occurred_at", delivery.At),
                ct),
            cancellationToken);
    }

    public Task<IReadOnlyList<NotificationDelivery>> ListRecentAsync(
        string? app,
        string? receiver,
        int limit,
        CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var filters = new List<string>();
        if (app is not null)
        {
            filters.Add("app = @app");
        }

        if (receiver is not null)
        {
            filters.Add("receiver = @receiver");
        }

        var where = filters.Count == 0 ? string.Empty : " WHERE " + string.Join(" AND ", filters);
        return _sql.RunAsync(
            write: false,
            (tx, ct) => tx.QueryAsync(
                $"SELECT {Columns} FROM capstan_notifications{where} ORDER BY occurred_at DESC, id DESC LIMIT @limit",
                p =>
                {
                    p.Int64("limit", limit);
                    if (app is not null)
                    {
                        p.Text("app", app);
                    }

                    if (receiver is not null)
                    {
                        p.Text("receiver", receiver);
                    }
                },
                Read,
                ct),
            cancellationToken);
    }

    public Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        _sql.RunAsync(
            write: true,
            (tx, ct) => tx.ExecuteAsync(
                "DELETE FROM capstan_notifications WHERE occurred_at < @before",
                p => p.Time("before", before),
                ct),
            cancellationToken);

    private static NotificationDelivery Read(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        App = r.GetString(1),
        Receiver = r.GetString(2),
        GroupKey = r.GetString(3),
        Status = StoredNames.NotificationStatus.Parse(r.GetString(4)),
        Attempt = r.GetInt32Value(5),
        Outcome = StoredNames.NotificationOutcome.Parse(r.GetString(6)),
        Error = r.GetTextOrNull(7),
        At = r.GetTime(8),
    };
}
