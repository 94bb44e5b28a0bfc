using System.Data.Common;

namespace Capstan.State;

internal sealed class SilenceStore : ISilenceStore
{
    private const string Columns = "id, app, matchers, starts_at, ends_at, created_by, reason, expired_at";

    private readonly ISqlRunner _sql;

    public SilenceStore(ISqlRunner sql)
    {
        _sql = sql;
    }

    public Task AddAsync(Silence silence, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(silence);
        ArgumentException.ThrowIfNullOrEmpty(silence.Id, nameof(silence));
        ArgumentException.ThrowIfNullOrEmpty(silence.App, nameof(silence));
        ArgumentNullException.ThrowIfNull(silence.Matchers, nameof(silence));
        if (silence.Matchers.Count == 0 || silence.Matchers.Keys.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException(
                $"Silence '{silence.Id}' needs at least one matcher, each with a label name; a silence of everything is not allowed.",
                nameof(silence));
        }

        if (silence.EndsAt <= silence.StartsAt)
        {
            throw new ArgumentException(
                $"Silence '{silence.Id}' ends at {silence.EndsAt:O}, not after it starts at {silence.StartsAt:O}.",
                nameof(silence));
        }

        return _sql.RunAsync(
            write: true,
            (tx, ct) => tx.ExecuteAsync(
                $"""
                INSERT INTO capstan_silences ({Columns})
                VALUES (@id, @app, @matchers, @starts_at, @ends_at, @created_by, @reason, @expired_at)
                """,
                p => p.Text("id", silence.Id)
                    .Text("app", silence.App)
                    .Text("matchers", JsonMaps.Write(silence.Matchers))
                    .Time("starts_at", silence.StartsAt)
                    .Time("ends_at", silence.EndsAt)
                    .Text("created_by", silence.CreatedBy)
                    .Text("reason", silence.Reason)
                    .Time("expired_at", silence.ExpiredAt),
                ct),
            cancellationToken);
    }

    public Task<Silence?> GetAsync(string silenceId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(silenceId);
        return _sql.RunAsync(
            write: false,
            (tx, ct) => tx.QuerySingleOrDefaultAsync(
                $"SELECT {Columns} FROM capstan_silences WHERE id = @id",
                p => p.Text("id", silenceId),
                Read,
                ct),
            cancellationToken);
    }

    public Task<IReadOnlyList<Silence>> ListActiveAsync(string? app, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var appFilter = app is null ? string.Empty : " AND app = @app";
        return _sql.RunAsync(
            write: false,
            (tx, ct) => tx.QueryAsync(
                $"""
                SELECT {Columns} FROM capstan_silences
                WHERE starts_at <= @at AND ends_at > @at AND (expired_at IS NULL OR expired_at > @at){appFilter}
                ORDER BY starts_at, id
                """,
                p =>
                {
                    p.Time("at", at);
                    if (app is not null)
                    {
                        p.Text("app", app);
                    }
                },
                Read,
                ct),
            cancellationToken);
    }

    public Task<IReadOnlyList<Silence>> ListAsync(string? app, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var appFilter = app is null ? string.Empty : " WHERE app = @app";
        return _sql.RunAsync(
            write: false,
            (tx, ct) => tx.QueryAsync(
                $"SELECT {Columns} FROM capstan_silences{appFilter} ORDER BY starts_at DESC, id DESC LIMIT @limit",
                p =>
                {
                    p.Int64("limit", limit);
                    if (app is not null)
                    {
                        p.Text("app", app);
                    }
                },
                Read,
                ct),
            cancellationToken);
    }

    public async Task<bool> ExpireAsync(string silenceId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(silenceId);
        var expired = await _sql.RunAsync(
            write: true,
            (tx, ct) => tx.ExecuteAsync(
                "UPDATE capstan_silences SET expired_at = @at WHERE id = @id AND expired_at IS NULL AND ends_at > @at",
                p => p.Text("id", silenceId).Time("at", at),
                ct),
            cancellationToken).ConfigureAwait(false);
        return expired > 0;
    }

    private static Silence Read(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        App = r.GetString(1),
        Matchers = JsonMaps.ReadStringMap(r.GetString(2)),
        StartsAt = r.GetTime(3),
        EndsAt = r.GetTime(4),
        CreatedBy = r.GetString(5),
        Reason = r.GetString(6),
        ExpiredAt = r.GetTimeOrNull(7),
    };
}
