namespace Capstan.State;

/// <summary>
/// A silence: while it is active, alerts of its app whose labels have every one of its <see cref="Matchers"/> notify nobody.
/// It is active from <see cref="StartsAt"/> (inclusive) to <see cref="EndsAt"/> (exclusive), or until it is expired.
/// Expired silences are kept, for history.
/// </summary>
public sealed record Silence
{
    /// <summary>The silence's id, e.g. <c>StateId.New("sil")</c>.</summary>
    public required string Id { get; init; }

    public required string App { get; init; }

    /// <summary>Label names and the exact values an alert must have; at least one.</summary>
    public required IReadOnlyDictionary<string, string> Matchers { get; init; }

    public required DateTimeOffset StartsAt { get; init; }

    public required DateTimeOffset EndsAt { get; init; }

    public required string CreatedBy { get; init; }

    /// <summary>Why, e.g. <c>planned database migration</c>.</summary>
    public required string Reason { get; init; }

    /// <summary>When it was ended early with <see cref="ISilenceStore.ExpireAsync"/>; null otherwise.</summary>
    public DateTimeOffset? ExpiredAt { get; init; }

    /// <summary>True when the silence silences at <paramref name="at"/>: started, not ended, not expired.</summary>
    public bool IsActiveAt(DateTimeOffset at) => StartsAt <= at && at < EndsAt && (ExpiredAt is null || at < ExpiredAt);
}

/// <summary>Silences: added, listed, expired; never deleted.</summary>
public interface ISilenceStore
{
    /// <summary>Adds a silence, not expired. Its id must not exist yet.</summary>
    /// <exception cref="ArgumentException">It has no matchers, an empty matcher name, or does not end after it starts.</exception>
    Task AddAsync(Silence silence, CancellationToken cancellationToken);

    Task<Silence?> GetAsync(string silenceId, CancellationToken cancellationToken);

    /// <summary>
    /// The silences active at <paramref name="at"/> (see <see cref="Silence.IsActiveAt"/>), of one app or of all
    /// (<paramref name="app"/> null), ordered by start, then id.
    /// </summary>
    Task<IReadOnlyList<Silence>> ListActiveAsync(string? app, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Every silence of one app or of all, expired and ended ones included, newest start first (then id, descending), at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<Silence>> ListAsync(string? app, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Ends a silence at <paramref name="at"/> (usually now), keeping it for history. Returns false, changing nothing,
    /// when there is no such silence or it is already expired or ended by <paramref name="at"/>.
    /// </summary>
    Task<bool> ExpireAsync(string silenceId, DateTimeOffset at, CancellationToken cancellationToken);
}
