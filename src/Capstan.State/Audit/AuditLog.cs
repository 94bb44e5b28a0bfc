using System.Data.Common;
using System.Globalization;

namespace Capstan.State;

internal sealed class AuditLog : IAuditLog
{
    private const string Columns =
        "sequence, occurred_at, actor, action, app, environment, subject, version, detail, previous_hash, hash";

    private readonly ISqlRunner _sql;

    public AuditLog(ISqlRunner sql)
    {
        _sql = sql;
    }

    public Task<AuditHead?> GetHeadAsync(CancellationToken cancellationToken) =>
        _sql.RunAsync(
            write: false,
            (tx, ct) => tx.QuerySingleOrDefaultAsync(
                "SELECT sequence, hash, seal FROM capstan_audit_head WHERE id = 1",
                null,
                r => new AuditHead(r.GetInt64(0), r.GetString(1), r.GetString(2)),
                ct),
            cancellationToken);

    public Task SetHeadAsync(AuditHead head, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(head);
        return _sql.RunAsync(
            write: true,
            (tx, ct) => tx.ExecuteAsync(
                """
                INSERT INTO capstan_audit_head (id, sequence, hash, seal) VALUES (1, @sequence, @hash, @seal)
                ON CONFLICT (id) DO UPDATE SET sequence = excluded.sequence, hash = excluded.hash, seal = excluded.seal
                """,
                p => p.Int64("sequence", head.Sequence).Text("hash", head.Hash).Text("seal", head.Seal),
                ct),
            cancellationToken);
    }

    public Task<AuditEntry?> LastAsync(CancellationToken cancellationToken) =>
        _sql.RunAsync(
            write: false,
            (tx, ct) => tx.QuerySingleOrDefaultAsync(
                $"SELECT {Columns} FROM capstan_audit ORDER BY sequence DESC LIMIT 1",
                null,
                Read,
                ct),
            cancellationToken);

    public Task<bool> TryAppendAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(entry.Sequence);
        return _sql.RunAsync(
            write: true,
            async (tx, ct) =>
            {
                // Inserts only when the entry follows the last one, and does nothing (instead of failing, which would abort
                // a PostgreSQL transaction) when its sequence is taken, also by a concurrent appender that commits first.
                var appended = await tx.ExecuteAsync(
                    $"""
                    INSERT INTO capstan_audit ({Columns})
                    SELECT @sequence, @occurred_at, @actor, @action, @app, @environment, @subject, @version, @detail, @previous_hash, @hash
                    WHERE (SELECT COALESCE(MAX(sequence), 0) FROM capstan_audit) = @previous_sequence
                    ON CONFLICT (sequence) DO NOTHING
                    """,
                    p => p.Int64("sequence", entry.Sequence)
                        .Int64("previous_sequence", entry.Sequence - 1)
                        .Time("occurred_at", entry.Time)
                        .Text("actor", entry.Actor)
                        .Text("action", entry.Action)
                        .Text("app", entry.App)
                        .Text("environment", entry.Environment)
                        .Text("subject", entry.Subject)
                        .Int64("version", entry.Version)
                        .Text("detail", entry.Detail)
                        .Text("previous_hash", entry.PreviousHash)
                        .Text("hash", entry.Hash),
                    ct).ConfigureAwait(false);
                if (appended == 1)
                {
                    return true;
                }

                var last = await tx.ScalarInt64Async("SELECT COALESCE(MAX(sequence), 0) FROM capstan_audit", null, ct)
                    .ConfigureAwait(false) ?? 0;
                if (entry.Sequence <= last)
                {
                    return false;
                }

                throw new ArgumentException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"Audit entry {entry.Sequence} would leave a gap: the last entry is {last}, so the next must be {last + 1}."),
                    nameof(entry));
            },
            cancellationToken);
    }

    public Task<IReadOnlyList<AuditEntry>> ListAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Limit is { } limit)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit, nameof(query));
        }

        var conditions = new List<string>();
        if (query.Since is not null)
        {
            conditions.Add("occurred_at >= @since");
        }

        if (query.Subject is not null)
        {
            conditions.Add("subject = @subject");
        }

        if (query.App is not null)
        {
            conditions.Add("app = @app");
        }

        var where = conditions.Count == 0 ? string.Empty : " WHERE " + string.Join(" AND ", conditions);

        // With a limit, take the newest matches, then put them back in sequence order.
        var sql = query.Limit is null
            ? $"SELECT {Columns} FROM capstan_audit{where} ORDER BY sequence"
            : $"SELECT {Columns} FROM (SELECT {Columns} FROM capstan_audit{where} ORDER BY sequence DESC LIMIT @limit) newest ORDER BY sequence";
        return _sql.RunAsync(
            write: false,
            (tx, ct) => tx.QueryAsync(
                sql,
                p =>
                {
                    if (query.Since is not null)
                    {
                        p.Time("since", query.Since);
                    }

                    if (query.Subject is not null)
                    {
                        p.Text("subject", query.Subject);
                    }

                    if (query.App is not null)
                    {
                        p.Text("app", query.App);
                    }

                    if (query.Limit is not null)
                    {
                        p.Int64("limit", query.Limit);
                    }
                },
                Read,
                ct),
            cancellationToken);
    }

    public Task<IReadOnlyList<AuditEntry>> ReadAllAsync(CancellationToken cancellationToken) =>
        ListAsync(new AuditQuery(), cancellationToken);

    private static AuditEntry Read(DbDataReader r) => new()
    {
        Sequence = r.GetInt64(0),
        Time = r.GetTime(1),
        Actor = r.GetString(2),
        Action = r.GetString(3),
        App = r.GetString(4),
        Environment = r.GetTextOrNull(5),
        Subject = r.GetString(6),
        Version = r.GetInt32OrNull(7),
        Detail = r.GetTextOrNull(8),
        PreviousHash = r.GetString(9),
        Hash = r.GetString(10),
    };
}
