using System.Globalization;
using Capstan.Secrets.Audit;
using Capstan.Secrets.Crypto;
using Capstan.Secrets.Keys;
using Capstan.State;

namespace Capstan.Secrets.Vault;

/// <summary>A secret value read from the vault, with the version it came from.</summary>
public sealed record RevealedSecret(string Environment, string Name, int Version, string Value);

/// <summary>What a re-key did.</summary>
public sealed record RekeyResult(string FromKeyId, string ToKeyId, int VersionsRewrapped);

/// <summary>
/// The secrets of one app: values encrypted per environment and version (<see cref="Envelope"/>), every change and every
/// read of a value recorded in the audit log (<see cref="AuditChain"/>). Each operation is one transaction: it happens
/// whole, audit entry included, or not at all.
/// </summary>
public sealed class SecretVault
{
    /// <summary>How long a replaced version stays readable, so that releases started before a rotation keep working.</summary>
    public static readonly TimeSpan DefaultGrace = TimeSpan.FromHours(24);

    private readonly IStateStore _store;
    private readonly KeyRing? _keys;
    private readonly TimeProvider _clock;

    /// <param name="keys">The master keys; null allows only what needs no key (list, history).</param>
    public SecretVault(IStateStore store, KeyRing? keys, string app, string actor, TimeProvider? clock = null, SecretValues? seen = null)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _keys = keys;
        App = app ?? throw new ArgumentNullException(nameof(app));
        Actor = actor ?? throw new ArgumentNullException(nameof(actor));
        _clock = clock ?? TimeProvider.System;
        Seen = seen ?? new SecretValues();
    }

    public string App { get; }

    public string Actor { get; }

    /// <summary>The values this vault has handled, for masking.</summary>
    public SecretValues Seen { get; }

    private KeyRing Keys => _keys ?? throw new InvalidOperationException("this vault was opened without a master key");

    /// <summary>Stores a new version of <paramref name="name"/> in <paramref name="environment"/>.</summary>
    public Task<SecretVersion> SetAsync(string environment, string name, string value, CancellationToken cancellationToken) =>
        WriteAsync(environment, name, value, "secret.set", beforeCommit: null, cancellationToken);

    /// <summary>
    /// Replaces the value of an existing secret. <paramref name="applyNewValue"/> (the manifest's rotation command) runs
    /// inside the transaction, after the new version is written and before it commits: when it fails, nothing changes.
    /// The previous version stays readable for the grace period.
    /// </summary>
    public async Task<SecretVersion> RotateAsync(
        string environment,
        string name,
        string value,
        Func<string, CancellationToken, Task>? applyNewValue,
        CancellationToken cancellationToken)
    {
        if (await _store.Secrets.GetLatestAsync(App, environment, name, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new SecretsException($"secret {name} has no value in environment {environment} to rotate; set one first: capstan secret set {name} --env {environment}");
        }

        return await WriteAsync(environment, name, value, "secret.rotate", applyNewValue, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stores every pair as a new version, in one transaction.</summary>
    public Task<IReadOnlyList<SecretVersion>> ImportAsync(string environment, IReadOnlyList<KeyValuePair<string, string>> values, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(values);
        return InTransactionAsync<IReadOnlyList<SecretVersion>>(async (session, chain, now, ct) =>
        {
            var stored = new List<SecretVersion>(values.Count);
            foreach (var (name, value) in values)
            {
                stored.Add(await AddVersionAsync(session, chain, environment, name, value, "secret.import", now, ct).ConfigureAwait(false));
            }

            return stored;
        }, cancellationToken);
    }

    /// <summary>
    /// The latest value, or an older <paramref name="version"/> while it is within <paramref name="grace"/> of being
    /// replaced. Each read is audited.
    /// </summary>
    public Task<RevealedSecret> GetAsync(string environment, string name, int? version, TimeSpan? grace, CancellationToken cancellationToken) =>
        InTransactionAsync(async (session, chain, now, ct) =>
        {
            var stored = await FindReadableAsync(session, environment, name, version, grace ?? DefaultGrace, now, ct).ConfigureAwait(false);
            var value = Decrypt(stored);
            await chain.AppendAsync(session, new AuditRecord(Actor, "secret.read", App, environment, name, stored.Version), now, ct).ConfigureAwait(false);
            return new RevealedSecret(environment, name, stored.Version, value);
        }, cancellationToken);

    /// <summary>Every latest value of an environment (an export), each read audited.</summary>
    public Task<IReadOnlyList<RevealedSecret>> ExportAsync(string environment, CancellationToken cancellationToken) =>
        InTransactionAsync<IReadOnlyList<RevealedSecret>>(async (session, chain, now, ct) =>
        {
            var revealed = new List<RevealedSecret>();
            foreach (var stored in await session.Secrets.ListLatestAsync(App, environment, ct).ConfigureAwait(false))
            {
                revealed.Add(new RevealedSecret(environment, stored.Name, stored.Version, Decrypt(stored)));
                await chain.AppendAsync(session, new AuditRecord(Actor, "secret.export", App, environment, stored.Name, stored.Version), now, ct).ConfigureAwait(false);
            }

            return revealed;
        }, cancellationToken);

    /// <summary>Deletes every version of a secret in an environment; its numbers are never reused.</summary>
    public Task<int> RemoveAsync(string environment, string name, CancellationToken cancellationToken) =>
        InTransactionAsync(async (session, chain, now, ct) =>
        {
            var removed = await session.Secrets.MarkDeletedAsync(App, environment, name, now, ct).ConfigureAwait(false);
            if (removed == 0)
            {
                throw new SecretsException($"secret {name} has no value in environment {environment}; nothing to remove");
            }

            await chain.AppendAsync(session, new AuditRecord(Actor, "secret.delete", App, environment, name, Detail: Versions(removed)), now, ct).ConfigureAwait(false);
            return removed;
        }, cancellationToken);

    /// <summary>The latest version of each secret (metadata only: no key needed, nothing audited).</summary>
    public Task<IReadOnlyList<SecretVersion>> ListAsync(string? environment, CancellationToken cancellationToken) =>
        _store.Secrets.ListLatestAsync(App, environment, cancellationToken);

    /// <summary>Every version of a secret (metadata only).</summary>
    public Task<IReadOnlyList<SecretVersion>> HistoryAsync(string environment, string name, CancellationToken cancellationToken) =>
        _store.Secrets.GetHistoryAsync(App, environment, name, cancellationToken);

    /// <summary>
    /// Re-wraps every data key (of every app in the store) and the audit chain key under <paramref name="newKey"/>, in one
    /// transaction: values are not decrypted and do not change. An interruption leaves everything under the old key.
    /// </summary>
    public Task<RekeyResult> RekeyAsync(MasterKey newKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(newKey);
        return InTransactionAsync(async (session, chain, now, ct) =>
        {
            var from = chain.KeyId;
            var versions = await session.Secrets.ListAllVersionsAsync(ct).ConfigureAwait(false);
            var rewrapped = 0;
            foreach (var stored in versions)
            {
                ct.ThrowIfCancellationRequested();
                if (stored.KeyId == newKey.Id)
                {
                    continue;
                }

                var binding = new SecretBinding(stored.App, stored.Environment, stored.Name, stored.Version);
                var ciphertext = Envelope.Rewrap(stored.Ciphertext, binding, Keys.Require(stored.KeyId, $"secret {binding}"), newKey);
                await session.Secrets.ReplaceCiphertextAsync(stored.App, stored.Environment, stored.Name, stored.Version, ciphertext, newKey.Id, ct).ConfigureAwait(false);
                rewrapped++;
            }

            await chain.RewrapAsync(session, newKey, _clock, ct).ConfigureAwait(false);
            await chain.AppendAsync(session, new AuditRecord(Actor, "keys.rekey", App, null, "master-key", Detail: $"{from} -> {newKey.Id}, {Versions(rewrapped)}"), now, ct).ConfigureAwait(false);
            return new RekeyResult(from, newKey.Id, rewrapped);
        }, cancellationToken);
    }

    /// <summary>The id of the master key the store's secrets are under, or null for a store that has none yet.</summary>
    public async Task<string?> StoreKeyIdAsync(CancellationToken cancellationToken) =>
        (await _store.Keys.GetAsync(AuditChain.KeyPurpose, cancellationToken).ConfigureAwait(false))?.KeyId;

    /// <summary>Checks the whole audit log; needs the master key (the chain key is wrapped under it).</summary>
    public Task<AuditVerification> VerifyAuditAsync(CancellationToken cancellationToken) =>
        _store.InTransactionAsync(async (session, ct) =>
        {
            using var chain = await AuditChain.OpenAsync(session, Keys, _clock, create: false, ct).ConfigureAwait(false);
            if (chain is null)
            {
                var entries = (await session.Audit.LastAsync(ct).ConfigureAwait(false))?.Sequence ?? 0;
                return entries == 0
                    ? new AuditVerification(0, null, null)
                    : new AuditVerification(entries, 1, "the audit chain key is missing from the state store: the log cannot be checked");
            }

            return await chain.VerifyAsync(session, ct).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>Appends an entry about something other than a secret (later capabilities: deploys, approvals).</summary>
    public Task<AuditEntry> AppendAuditAsync(AuditRecord record, CancellationToken cancellationToken) =>
        InTransactionAsync((session, chain, now, ct) => chain.AppendAsync(session, record, now, ct), cancellationToken);

    private Task<SecretVersion> WriteAsync(
        string environment,
        string name,
        string value,
        string action,
        Func<string, CancellationToken, Task>? beforeCommit,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(value);
        return InTransactionAsync(async (session, chain, now, ct) =>
        {
            var stored = await AddVersionAsync(session, chain, environment, name, value, action, now, ct).ConfigureAwait(false);
            if (beforeCommit is not null)
            {
                await beforeCommit(value, ct).ConfigureAwait(false);
            }

            return stored;
        }, cancellationToken);
    }

    private async Task<SecretVersion> AddVersionAsync(
        IStateSession session,
        AuditChain chain,
        string environment,
        string name,
        string value,
        string action,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        if (value.Length == 0)
        {
            throw new SecretsException($"the value of secret {name} is empty; Capstan does not store empty secrets");
        }

        Seen.Add(value);
        var version = await session.Secrets.ReserveVersionAsync(App, environment, name, cancellationToken).ConfigureAwait(false);
        var stored = new SecretVersion
        {
            App = App,
            Environment = environment,
            Name = name,
            Version = version,
            Ciphertext = Envelope.Seal(value, new SecretBinding(App, environment, name, version), Keys.Current),
            KeyId = Keys.Current.Id,
            CreatedAt = now,
            CreatedBy = Actor,
        };
        await session.Secrets.AddVersionAsync(stored, cancellationToken).ConfigureAwait(false);
        await chain.AppendAsync(session, new AuditRecord(Actor, action, App, environment, name, version), now, cancellationToken).ConfigureAwait(false);
        return stored;
    }

    private async Task<SecretVersion> FindReadableAsync(
        IStateSession session, string environment, string name, int? version, TimeSpan grace, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var history = await session.Secrets.GetHistoryAsync(App, environment, name, cancellationToken).ConfigureAwait(false);
        var live = history.Where(v => v.DeletedAt is null).ToList();
        if (live.Count == 0)
        {
            throw NotFound(environment, name);
        }

        var latest = live[^1];
        if (version is null || version == latest.Version)
        {
            return latest;
        }

        var wanted = live.Find(v => v.Version == version) ?? throw new SecretsException(
            string.Create(CultureInfo.InvariantCulture, $"secret {name} in environment {environment} has no version {version}; the current one is {latest.Version}"));
        var replacedAt = live.First(v => v.Version > wanted.Version).CreatedAt;
        if (now - replacedAt > grace)
        {
            throw new SecretsException(string.Create(CultureInfo.InvariantCulture,
                $"version {version} of secret {name} in environment {environment} was replaced {Ago(now - replacedAt)} ago and its grace period ({Ago(grace)}) is over; use version {latest.Version}"));
        }

        return wanted;
    }

    private string Decrypt(SecretVersion stored)
    {
        var binding = new SecretBinding(stored.App, stored.Environment, stored.Name, stored.Version);
        var value = Envelope.Open(stored.Ciphertext, binding, Keys.Require(stored.KeyId, $"secret {binding}"));
        Seen.Add(value);
        return value;
    }

    /// <summary>Runs one transaction with the audit chain open (created on first use), checking the master key first.</summary>
    private async Task<T> InTransactionAsync<T>(Func<IStateSession, AuditChain, DateTimeOffset, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        var keys = Keys;
        return await _store.InTransactionAsync(async (session, ct) =>
        {
            using var chain = (await AuditChain.OpenAsync(session, keys, _clock, create: true, ct).ConfigureAwait(false))!;
            return await work(session, chain, _clock.GetUtcNow(), ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    internal static SecretsException NotFound(string environment, string name) =>
        new($"secret {name} has no value in environment {environment}; set it with: capstan secret set {name} --env {environment}");

    private static string Versions(int count) => count == 1 ? "1 version" : string.Create(CultureInfo.InvariantCulture, $"{count} versions");

    private static string Ago(TimeSpan span) => new Capstan.Manifest.Values.Duration(TimeSpan.FromSeconds(Math.Round(span.TotalSeconds))).ToString();
}
