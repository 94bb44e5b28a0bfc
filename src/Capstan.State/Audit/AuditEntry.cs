namespace Capstan.State;

/// <summary>
/// One entry of the audit log. Entries are numbered 1, 2, 3, … without gaps; the secrets capability chains them
/// by hash (<see cref="PreviousHash"/>, <see cref="Hash"/>), which the store keeps without checking.
/// </summary>
public sealed record AuditEntry
{
    public required long Sequence { get; init; }

    public required DateTimeOffset Time { get; init; }

    /// <summary>Who did it: a user, a token name, or <c>capstan</c> for automatic actions.</summary>
    public required string Actor { get; init; }

    /// <summary>What was done, e.g. <c>secret.set</c>, <c>deploy.start</c>.</summary>
    public required string Action { get; init; }

    public required string App { get; init; }

    public string? Environment { get; init; }

    /// <summary>What it was done to, e.g. a secret name or a deployment id.</summary>
    public required string Subject { get; init; }

    /// <summary>The version of <see cref="Subject"/> concerned, e.g. a secret version.</summary>
    public int? Version { get; init; }

    public string? Detail { get; init; }

    public required string PreviousHash { get; init; }

    public required string Hash { get; init; }
}

/// <summary>Which audit entries to list.</summary>
public sealed record AuditQuery
{
    /// <summary>Only entries at or after this time.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Only entries about this subject.</summary>
    public string? Subject { get; init; }

    /// <summary>Only entries of this app.</summary>
    public string? App { get; init; }

    /// <summary>At most this many entries: the newest that match, still returned in sequence order.</summary>
    public int? Limit { get; init; }
}

/// <summary>
/// The last entry of the chain, kept apart from the entries and sealed (<see cref="Seal"/>) by the chain's owner, so that
/// entries removed from the end of the log are noticed: the head still names the removed last entry.
/// </summary>
public sealed record AuditHead(long Sequence, string Hash, string Seal);

/// <summary>The append-only audit log.</summary>
public interface IAuditLog
{
    /// <summary>The sealed head of the chain, or null before the first entry.</summary>
    Task<AuditHead?> GetHeadAsync(CancellationToken cancellationToken);

    /// <summary>Records the head; call it in the transaction that appends the entry it names.</summary>
    Task SetHeadAsync(AuditHead head, CancellationToken cancellationToken);

    /// <summary>The entry with the highest sequence, or null when the log is empty.</summary>
    Task<AuditEntry?> LastAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Appends <paramref name="entry"/>, whose <see cref="AuditEntry.Sequence"/> must be the last sequence plus one.
    /// Returns false, appending nothing, when that sequence is already taken (someone else appended first):
    /// read <see cref="LastAsync"/> again, rebuild the entry and retry.
    /// </summary>
    /// <exception cref="ArgumentException">The sequence would leave a gap after the last entry.</exception>
    Task<bool> TryAppendAsync(AuditEntry entry, CancellationToken cancellationToken);

    /// <summary>Entries matching <paramref name="query"/>, in sequence order.</summary>
    Task<IReadOnlyList<AuditEntry>> ListAsync(AuditQuery query, CancellationToken cancellationToken);

    /// <summary>Every entry, in sequence order: what a chain verification reads.</summary>
    Task<IReadOnlyList<AuditEntry>> ReadAllAsync(CancellationToken cancellationToken);
}
