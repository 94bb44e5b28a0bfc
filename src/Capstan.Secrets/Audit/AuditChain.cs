using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Capstan.Secrets.Crypto;
using Capstan.Secrets.Keys;
using Capstan.State;

namespace Capstan.Secrets.Audit;

/// <summary>What happened, for the audit log: never a secret value.</summary>
public sealed record AuditRecord(string Actor, string Action, string App, string? Environment, string Subject, int? Version = null, string? Detail = null);

/// <summary>The outcome of checking the chain: the first entry that breaks it, and why.</summary>
public sealed record AuditVerification(long Entries, long? FirstBadSequence, string? Problem)
{
    public bool IsIntact => Problem is null;
}

/// <summary>
/// The tamper-evident audit log: each entry's hash is an HMAC-SHA256, under a key only the master key unlocks, of its
/// content and of the previous entry's hash. Editing, deleting, inserting or reordering entries breaks the chain, and
/// without the key nobody can compute a new one. The head (the last entry, sealed with the same key) is kept apart, so
/// entries cut from the end are noticed too. The chain key is random and stored wrapped under the master key, so a
/// re-key re-wraps it and the chain stays valid.
/// </summary>
public sealed class AuditChain : IDisposable
{
    public const string KeyPurpose = "audit.chain";
    public static readonly string Genesis = new('0', 64);

    private const int KeySize = 32;
    private const int MaxAppendAttempts = 20;

    private readonly byte[] _key;

    private AuditChain(byte[] key, string keyId)
    {
        _key = key;
        KeyId = keyId;
    }

    /// <summary>The id of the master key that wraps the chain key: the key a state store's secrets are under.</summary>
    public string KeyId { get; }

    /// <summary>
    /// The chain key of the store, unwrapped with the ring; created (under the ring's current key) when the store has none
    /// and <paramref name="create"/> is set. A store whose key was wrapped by a key not in the ring is refused, naming it.
    /// </summary>
    public static async Task<AuditChain?> OpenAsync(IStateSession session, KeyRing keys, TimeProvider clock, bool create, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(clock);
        var stored = await session.Keys.GetAsync(KeyPurpose, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            if (!create)
            {
                return null;
            }

            // First use. Two first writers may race: only one key is stored, and both use the one that was.
            var key = RandomNumberGenerator.GetBytes(KeySize);
            var added = await session.Keys.TryAddAsync(
                new StoredKey { Purpose = KeyPurpose, KeyId = keys.Current.Id, Material = KeyWrap.Wrap(key, KeyPurpose, keys.Current), UpdatedAt = clock.GetUtcNow() },
                cancellationToken).ConfigureAwait(false);
            if (added)
            {
                return new AuditChain(key, keys.Current.Id);
            }

            CryptographicOperations.ZeroMemory(key);
            stored = await session.Keys.GetAsync(KeyPurpose, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException("the audit chain key was created concurrently but cannot be read back");
        }

        var master = keys.Require(stored.KeyId, "this state store");
        return new AuditChain(KeyWrap.Unwrap(stored.Material, KeyPurpose, master), master.Id);
    }

    /// <summary>Stores the chain key wrapped under <paramref name="key"/> instead (a re-key); the chain itself does not change.</summary>
    public Task RewrapAsync(IStateSession session, MasterKey key, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(clock);
        return session.Keys.PutAsync(
            new StoredKey { Purpose = KeyPurpose, KeyId = key.Id, Material = KeyWrap.Wrap(_key, KeyPurpose, key), UpdatedAt = clock.GetUtcNow() },
            cancellationToken);
    }

    /// <summary>Appends <paramref name="record"/> in the session's transaction, chained to the last entry, and moves the head.</summary>
    public async Task<AuditEntry> AppendAsync(IStateSession session, AuditRecord record, DateTimeOffset time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(record);
        for (var attempt = 0; attempt < MaxAppendAttempts; attempt++)
        {
            var last = await session.Audit.LastAsync(cancellationToken).ConfigureAwait(false);
            var entry = new AuditEntry
            {
                Sequence = (last?.Sequence ?? 0) + 1,
                Time = DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds()), // what the store keeps
                Actor = record.Actor,
                Action = record.Action,
                App = record.App,
                Environment = record.Environment,
                Subject = record.Subject,
                Version = record.Version,
                Detail = record.Detail,
                PreviousHash = last?.Hash ?? Genesis,
                Hash = "",
            };
            entry = entry with { Hash = Hash(entry) };
            if (await session.Audit.TryAppendAsync(entry, cancellationToken).ConfigureAwait(false))
            {
                await session.Audit.SetHeadAsync(new AuditHead(entry.Sequence, entry.Hash, Seal(entry.Sequence, entry.Hash)), cancellationToken).ConfigureAwait(false);
                return entry;
            }
        }

        throw new InvalidOperationException($"the audit log kept moving: {MaxAppendAttempts} attempts to append lost to other writers");
    }

    /// <summary>Checks every entry and the head; names the first entry that breaks the chain.</summary>
    public async Task<AuditVerification> VerifyAsync(IStateSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var entries = await session.Audit.ReadAllAsync(cancellationToken).ConfigureAwait(false);
        var head = await session.Audit.GetHeadAsync(cancellationToken).ConfigureAwait(false);
        var expected = 1L;
        var previous = Genesis;
        foreach (var entry in entries)
        {
            if (entry.Sequence != expected)
            {
                return Bad(entries.Count, expected, string.Create(CultureInfo.InvariantCulture,
                    $"entry {expected} is missing: the log goes from entry {expected - 1} to entry {entry.Sequence}"));
            }

            if (!FixedTimeEquals(entry.PreviousHash, previous))
            {
                return Bad(entries.Count, entry.Sequence, string.Create(CultureInfo.InvariantCulture,
                    $"entry {entry.Sequence} does not follow entry {entry.Sequence - 1}: it names another entry as its previous one (entries were reordered, inserted or removed)"));
            }

            if (!FixedTimeEquals(entry.Hash, Hash(entry)))
            {
                return Bad(entries.Count, entry.Sequence, string.Create(CultureInfo.InvariantCulture,
                    $"entry {entry.Sequence} does not match its hash: it was edited, or written without the chain key"));
            }

            previous = entry.Hash;
            expected++;
        }

        var lastSequence = expected - 1;
        if (head is null)
        {
            return lastSequence == 0
                ? new AuditVerification(0, null, null)
                : Bad(entries.Count, lastSequence, "the log's head record is missing: it was removed from the state store");
        }

        if (!FixedTimeEquals(head.Seal, Seal(head.Sequence, head.Hash)))
        {
            return Bad(entries.Count, head.Sequence, "the log's head record was altered: its seal does not match");
        }

        if (head.Sequence > lastSequence)
        {
            return Bad(entries.Count, lastSequence + 1, string.Create(CultureInfo.InvariantCulture,
                $"entries {lastSequence + 1} to {head.Sequence} were removed from the end of the log (its head names entry {head.Sequence})"));
        }

        if (head.Sequence < lastSequence || !FixedTimeEquals(head.Hash, previous))
        {
            return Bad(entries.Count, head.Sequence + 1, string.Create(CultureInfo.InvariantCulture,
                $"the log does not end where its head says (entry {head.Sequence}): entries after it were added or changed"));
        }

        return new AuditVerification(entries.Count, null, null);
    }

    /// <summary>HMAC-SHA256 over every field but the hash, length-prefixed so that no two entries share bytes.</summary>
    internal string Hash(AuditEntry entry)
    {
        var builder = new StringBuilder("capstan/audit/v1");
        foreach (var field in new[]
                 {
                     entry.Sequence.ToString(CultureInfo.InvariantCulture),
                     entry.Time.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
                     entry.Actor, entry.Action, entry.App, entry.Environment ?? "\0", entry.Subject,
                     entry.Version?.ToString(CultureInfo.InvariantCulture) ?? "\0", entry.Detail ?? "\0", entry.PreviousHash,
                 })
        {
            builder.Append('\n').Append(field.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(field);
        }

        return Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(builder.ToString())));
    }

    private string Seal(long sequence, string hash) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"capstan/audit-head/v1\n{sequence}\n{hash}"))));

    private static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));

    private static AuditVerification Bad(int entries, long sequence, string problem) => new(entries, sequence, problem);

    public void Dispose() => CryptographicOperations.ZeroMemory(_key);
}
