namespace Capstan.State;

/// <summary>
/// Key material the store keeps for a capability, already wrapped (encrypted) by it under a master key the store never
/// sees: e.g. the key that chains the audit log. One row per purpose.
/// </summary>
public sealed record StoredKey
{
    /// <summary>What the key is for, e.g. <c>audit.chain</c>.</summary>
    public required string Purpose { get; init; }

    /// <summary>The id of the master key that wrapped <see cref="Material"/>.</summary>
    public required string KeyId { get; init; }

    public required byte[] Material { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>Wrapped keys, by purpose.</summary>
public interface IKeyStore
{
    Task<StoredKey?> GetAsync(string purpose, CancellationToken cancellationToken);

    /// <summary>Inserts or replaces the key of <see cref="StoredKey.Purpose"/>.</summary>
    Task PutAsync(StoredKey key, CancellationToken cancellationToken);

    /// <summary>
    /// Inserts the key unless its purpose has one; false when it had (a concurrent creator may have won: read it back).
    /// In a transaction, waits for a concurrent creator to finish first.
    /// </summary>
    Task<bool> TryAddAsync(StoredKey key, CancellationToken cancellationToken);
}

internal sealed class KeyStore(ISqlRunner sql) : IKeyStore
{
    public Task<StoredKey?> GetAsync(string purpose, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(purpose);
        return sql.RunAsync(
            write: false,
            (tx, ct) => tx.QuerySingleOrDefaultAsync(
                "SELECT purpose, key_id, material, updated_at FROM capstan_keys WHERE purpose = @purpose",
                p => p.Text("purpose", purpose),
                r => new StoredKey { Purpose = r.GetString(0), KeyId = r.GetString(1), Material = r.GetBytes(2), UpdatedAt = r.GetTime(3) },
                ct),
            cancellationToken);
    }

    public async Task<bool> TryAddAsync(StoredKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var added = await sql.RunAsync(
            write: true,
            (tx, ct) => tx.ExecuteAsync(
                """
                INSERT INTO capstan_keys (purpose, key_id, material, updated_at) VALUES (@purpose, @key_id, @material, @updated_at)
                ON CONFLICT (purpose) DO NOTHING
                """,
                p => p.Text("purpose", key.Purpose).Text("key_id", key.KeyId).Blob("material", key.Material).Time("updated_at", key.UpdatedAt),
                ct),
            cancellationToken).ConfigureAwait(false);
        return added == 1;
    }

    public Task PutAsync(StoredKey key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        return sql.RunAsync(
            write: true,
            (tx, ct) => tx.ExecuteAsync(
                """
                INSERT INTO capstan_keys (purpose, key_id, material, updated_at) VALUES (@purpose, @key_id, @material, @updated_at)
                ON CONFLICT (purpose) DO UPDATE SET key_id = excluded.key_id, material = excluded.material, updated_at = excluded.updated_at
                """,
                p => p.Text("purpose", key.Purpose).Text("key_id", key.KeyId).Blob("material", key.Material).Time("updated_at", key.UpdatedAt),
                ct),
            cancellationToken);
    }
}
