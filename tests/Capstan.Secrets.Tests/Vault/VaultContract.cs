using Capstan.Secrets.Keys;
using Capstan.Secrets.Vault;
using Capstan.Testing;

namespace Capstan.Secrets.Tests.Vault;

/// <summary>The vault's behaviour, run on SQLite and on PostgreSQL.</summary>
public abstract class VaultContract : IAsyncLifetime
{
    private VaultHarness? _harness;

    protected abstract VaultEngine Engine { get; }

    protected VaultHarness H => _harness!;

    protected SecretVault Vault => H.Vault;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _harness = await VaultHarness.OpenAsync(Engine, Ct);

    public async ValueTask DisposeAsync()
    {
        if (_harness is not null)
        {
            await _harness.DisposeAsync();
        }

        await Engine.DisposeAsync();
    }

    [Fact]
    public async Task Set_ThenGet_ReturnsTheValue_PerEnvironment()
    {
        await Vault.SetAsync("production", "DATABASE_URL", "postgres://app:prod-pw@db/shop", Ct).DefaultTimeout();
        await Vault.SetAsync("staging", "DATABASE_URL", "postgres://app:staging-pw@db/shop", Ct).DefaultTimeout();

        (await Vault.GetAsync("production", "DATABASE_URL", null, null, Ct).DefaultTimeout()).Value.ShouldBe("postgres://app:prod-pw@db/shop");
        (await Vault.GetAsync("staging", "DATABASE_URL", null, null, Ct).DefaultTimeout()).Value.ShouldBe("postgres://app:staging-pw@db/shop");
    }

    [Fact]
    public async Task Set_Again_AddsAVersion_AndGetReturnsTheLatest()
    {
        var first = await Vault.SetAsync("production", "API_KEY", "key-one-1234", Ct).DefaultTimeout();
        var second = await Vault.SetAsync("production", "API_KEY", "key-two-5678", Ct).DefaultTimeout();

        first.Version.ShouldBe(1);
        second.Version.ShouldBe(2);
        var latest = await Vault.GetAsync("production", "API_KEY", null, null, Ct).DefaultTimeout();
        latest.Version.ShouldBe(2);
        latest.Value.ShouldBe("key-two-5678");
    }

    [Fact]
    public async Task StoredCiphertext_NeverHoldsThePlaintext_AndNamesItsKey()
    {
        const string value = "plaintext-canary-8d2f";

        var stored = await Vault.SetAsync("production", "TOKEN", value, Ct).DefaultTimeout();

        System.Text.Encoding.UTF8.GetString(stored.Ciphertext).ShouldNotContain(value);
        stored.KeyId.ShouldBe(H.Keys.Current.Id);
        stored.KeyId.ShouldStartWith("mk_");
    }

    [Fact]
    public async Task Get_OfAMissingSecret_NamesTheSecretTheEnvironmentAndTheCommand()
    {
        var error = await Should.ThrowAsync<SecretsException>(() => Vault.GetAsync("production", "DATABASE_URL", null, null, Ct)).DefaultTimeout();

        error.Message.ShouldBe("secret DATABASE_URL has no value in environment production; set it with: capstan secret set DATABASE_URL --env production");
    }

    [Fact]
    public async Task EveryWriteAndRead_IsAudited_WithoutTheValue()
    {
        await Vault.SetAsync("production", "TOKEN", "audited-canary-1", Ct).DefaultTimeout();
        await Vault.GetAsync("production", "TOKEN", null, null, Ct).DefaultTimeout();
        await Vault.RotateAsync("production", "TOKEN", "audited-canary-2", null, Ct).DefaultTimeout();
        await Vault.ExportAsync("production", Ct).DefaultTimeout();
        await Vault.RemoveAsync("production", "TOKEN", Ct).DefaultTimeout();

        var entries = await H.Store.Audit.ReadAllAsync(Ct).DefaultTimeout();

        entries.Select(e => (e.Action, e.Subject, e.Version, e.Environment, e.Actor)).ShouldBe(
        [
            ("secret.set", "TOKEN", 1, "production", "ana"),
            ("secret.read", "TOKEN", 1, "production", "ana"),
            ("secret.rotate", "TOKEN", 2, "production", "ana"),
            ("secret.export", "TOKEN", 2, "production", "ana"),
            ("secret.delete", "TOKEN", null, "production", "ana"),
        ]);
        entries.ShouldAllBe(e => !(e.Detail ?? "").Contains("canary") && !e.Hash.Contains("canary"));
        (await Vault.VerifyAuditAsync(Ct).DefaultTimeout()).IsIntact.ShouldBeTrue();
    }

    [Fact]
    public async Task WithTheWrongMasterKey_EverythingIsRefused_NamingTheKeyExpected_AndNothingChanges()
    {
        await Vault.SetAsync("production", "TOKEN", "right-key-value", Ct).DefaultTimeout();
        var entriesBefore = (await H.Store.Audit.ReadAllAsync(Ct).DefaultTimeout()).Count;
        using var wrong = new KeyRing(MasterKey.Generate(), "CAPSTAN_MASTER_KEY");
        var intruder = H.With(wrong);

        var read = await Should.ThrowAsync<SecretsException>(() => intruder.GetAsync("production", "TOKEN", null, null, Ct)).DefaultTimeout();
        var write = await Should.ThrowAsync<SecretsException>(() => intruder.SetAsync("production", "TOKEN", "another-value", Ct)).DefaultTimeout();

        read.Message.ShouldContain($"is encrypted with master key {H.Keys.Current.Id}, but the key loaded from CAPSTAN_MASTER_KEY is {wrong.Current.Id}");
        read.Message.ShouldContain("Nothing was changed");
        write.Message.ShouldBe(read.Message);
        (await H.Store.Secrets.GetHistoryAsync("shop", "production", "TOKEN", Ct).DefaultTimeout()).Count.ShouldBe(1);
        (await H.Store.Audit.ReadAllAsync(Ct).DefaultTimeout()).Count.ShouldBe(entriesBefore);
    }

    [Fact]
    public async Task ACorruptedCiphertext_IsDetectedByItsTag_AndReportedForThatSecret()
    {
        var stored = await Vault.SetAsync("production", "TOKEN", "value-to-corrupt", Ct).DefaultTimeout();
        await Vault.SetAsync("production", "OTHER", "value-untouched", Ct).DefaultTimeout();
        var damaged = (byte[])stored.Ciphertext.Clone();
        damaged[^1] ^= 0x01;
        await H.Store.Secrets.ReplaceCiphertextAsync("shop", "production", "TOKEN", 1, damaged, stored.KeyId, Ct).DefaultTimeout();

        var error = await Should.ThrowAsync<SecretsException>(() => Vault.GetAsync("production", "TOKEN", null, null, Ct)).DefaultTimeout();

        error.Message.ShouldStartWith("the stored ciphertext of secret TOKEN (version 1) in production does not decrypt: its authentication tag does not match");
        (await Vault.GetAsync("production", "OTHER", null, null, Ct).DefaultTimeout()).Value.ShouldBe("value-untouched");
    }

    [Fact]
    public async Task ACiphertextMovedToAnotherSecret_FailsToDecrypt()
    {
        var source = await Vault.SetAsync("production", "PAYMENTS_KEY", "the-payments-key", Ct).DefaultTimeout();
        await Vault.SetAsync("production", "LOGS_KEY", "the-logs-key-123", Ct).DefaultTimeout();
        await Vault.SetAsync("staging", "PAYMENTS_KEY", "the-staging-key", Ct).DefaultTimeout();

        await H.Store.Secrets.ReplaceCiphertextAsync("shop", "production", "LOGS_KEY", 1, source.Ciphertext, source.KeyId, Ct).DefaultTimeout();
        await H.Store.Secrets.ReplaceCiphertextAsync("shop", "staging", "PAYMENTS_KEY", 1, source.Ciphertext, source.KeyId, Ct).DefaultTimeout();

        (await Should.ThrowAsync<SecretsException>(() => Vault.GetAsync("production", "LOGS_KEY", null, null, Ct)).DefaultTimeout())
            .Message.ShouldContain("copied from another secret");
        (await Should.ThrowAsync<SecretsException>(() => Vault.GetAsync("staging", "PAYMENTS_KEY", null, null, Ct)).DefaultTimeout())
            .Message.ShouldContain("copied from another secret");
    }

    [Fact]
    public async Task Rotate_KeepsThePreviousVersionReadableForTheGracePeriod_ThenNot()
    {
        await Vault.SetAsync("production", "DB_PASSWORD", "old-password-1", Ct).DefaultTimeout();
        H.Clock.Advance(TimeSpan.FromDays(1));
        var rotated = await Vault.RotateAsync("production", "DB_PASSWORD", "new-password-2", null, Ct).DefaultTimeout();
        rotated.Version.ShouldBe(2);

        H.Clock.Advance(TimeSpan.FromHours(23));
        (await Vault.GetAsync("production", "DB_PASSWORD", 1, null, Ct).DefaultTimeout()).Value.ShouldBe("old-password-1");

        H.Clock.Advance(TimeSpan.FromHours(2));
        var expired = await Should.ThrowAsync<SecretsException>(() => Vault.GetAsync("production", "DB_PASSWORD", 1, null, Ct)).DefaultTimeout();
        expired.Message.ShouldBe("version 1 of secret DB_PASSWORD in environment production was replaced 1d1h ago and its grace period (1d) is over; use version 2");
        (await Vault.GetAsync("production", "DB_PASSWORD", 1, TimeSpan.FromDays(2), Ct).DefaultTimeout()).Value.ShouldBe("old-password-1");
    }

    [Fact]
    public async Task Rotate_WhenTheRotationCommandFails_ChangesNothing()
    {
        await Vault.SetAsync("production", "DB_PASSWORD", "still-current-1", Ct).DefaultTimeout();
        var audited = (await H.Store.Audit.ReadAllAsync(Ct).DefaultTimeout()).Count;
        string? given = null;

        await Should.ThrowAsync<InvalidOperationException>(() => Vault.RotateAsync(
            "production",
            "DB_PASSWORD",
            "never-stored-2",
            (value, _) =>
            {
                given = value;
                throw new InvalidOperationException("ALTER USER failed");
            },
            Ct)).DefaultTimeout();

        given.ShouldBe("never-stored-2");
        (await Vault.GetAsync("production", "DB_PASSWORD", null, null, Ct).DefaultTimeout()).Value.ShouldBe("still-current-1");
        (await H.Store.Secrets.GetHistoryAsync("shop", "production", "DB_PASSWORD", Ct).DefaultTimeout()).Count.ShouldBe(1);
        (await H.Store.Audit.ReadAllAsync(Ct).DefaultTimeout()).Count.ShouldBe(audited + 1, "only the read above");
    }

    [Fact]
    public async Task Rotate_OfASecretWithoutValue_SaysToSetItFirst()
    {
        var error = await Should.ThrowAsync<SecretsException>(() => Vault.RotateAsync("production", "NEW_KEY", "whatever-value", null, Ct)).DefaultTimeout();

        error.Message.ShouldBe("secret NEW_KEY has no value in environment production to rotate; set one first: capstan secret set NEW_KEY --env production");
    }

    [Fact]
    public async Task Remove_HidesTheSecret_AndKeepsItsHistory()
    {
        await Vault.SetAsync("production", "TOKEN", "to-be-removed-1", Ct).DefaultTimeout();
        await Vault.SetAsync("production", "TOKEN", "to-be-removed-2", Ct).DefaultTimeout();

        (await Vault.RemoveAsync("production", "TOKEN", Ct).DefaultTimeout()).ShouldBe(2);

        await Should.ThrowAsync<SecretsException>(() => Vault.GetAsync("production", "TOKEN", null, null, Ct)).DefaultTimeout();
        (await Vault.HistoryAsync("production", "TOKEN", Ct).DefaultTimeout()).ShouldAllBe(v => v.DeletedAt != null);
        (await Should.ThrowAsync<SecretsException>(() => Vault.RemoveAsync("production", "TOKEN", Ct)).DefaultTimeout())
            .Message.ShouldBe("secret TOKEN has no value in environment production; nothing to remove");
        (await Vault.SetAsync("production", "TOKEN", "set-again-value", Ct).DefaultTimeout()).Version.ShouldBe(3);
    }

    [Fact]
    public async Task Import_StoresEveryValueInOneTransaction_OrNone()
    {
        await Vault.ImportAsync("staging", [new("A_KEY", "alpha-value"), new("B_KEY", "beta-value")], Ct).DefaultTimeout();

        await Should.ThrowAsync<SecretsException>(() => Vault.ImportAsync("staging", [new("C_KEY", "gamma-value"), new("D_KEY", "")], Ct)).DefaultTimeout();

        (await Vault.ListAsync("staging", Ct).DefaultTimeout()).Select(v => v.Name).ShouldBe(["A_KEY", "B_KEY"]);
        (await Vault.ExportAsync("staging", Ct).DefaultTimeout()).Select(s => (s.Name, s.Value)).ShouldBe([("A_KEY", "alpha-value"), ("B_KEY", "beta-value")]);
    }

    [Fact]
    public async Task Rekey_RewrapsEveryVersionUnderTheNewKey_WithoutChangingAnyValue()
    {
        await Vault.SetAsync("production", "TOKEN", "token-version-1", Ct).DefaultTimeout();
        await Vault.SetAsync("production", "TOKEN", "token-version-2", Ct).DefaultTimeout();
        await Vault.SetAsync("staging", "DB_URL", "staging-database", Ct).DefaultTimeout();
        await Vault.RemoveAsync("staging", "DB_URL", Ct).DefaultTimeout();
        using var next = MasterKey.FromBase64(MasterKey.Generate().ToBase64(), "test");
        using var ring = new KeyRing(MasterKey.FromBase64(next.ToBase64(), "test"), "the new key");

        var result = await Vault.RekeyAsync(next, Ct).DefaultTimeout();

        result.FromKeyId.ShouldBe(H.Keys.Current.Id);
        result.ToKeyId.ShouldBe(next.Id);
        result.VersionsRewrapped.ShouldBe(3);
        (await H.Store.Secrets.ListAllVersionsAsync(Ct).DefaultTimeout()).ShouldAllBe(v => v.KeyId == next.Id);
        var rekeyed = H.With(ring);
        (await rekeyed.GetAsync("production", "TOKEN", null, null, Ct).DefaultTimeout()).Value.ShouldBe("token-version-2");
        (await rekeyed.GetAsync("production", "TOKEN", 1, TimeSpan.FromDays(1), Ct).DefaultTimeout()).Value.ShouldBe("token-version-1");
        (await rekeyed.VerifyAuditAsync(Ct).DefaultTimeout()).IsIntact.ShouldBeTrue();
        (await H.Store.Audit.ReadAllAsync(Ct).DefaultTimeout()).Select(e => e.Action).ShouldContain("keys.rekey");
        (await Should.ThrowAsync<SecretsException>(() => Vault.GetAsync("production", "TOKEN", null, null, Ct)).DefaultTimeout())
            .Message.ShouldContain($"is encrypted with master key {next.Id}");
    }

    [Fact]
    public async Task Rekey_InterruptedHalfway_LeavesEverythingUnderTheOldKey()
    {
        await Vault.SetAsync("production", "A_KEY", "first-value-1", Ct).DefaultTimeout();
        var broken = await Vault.SetAsync("production", "B_KEY", "second-value-2", Ct).DefaultTimeout();
        await Vault.SetAsync("production", "C_KEY", "third-value-3", Ct).DefaultTimeout();
        // B's ciphertext no longer unwraps: the re-key fails after re-wrapping A, in the middle of its transaction.
        var damaged = (byte[])broken.Ciphertext.Clone();
        damaged[20] ^= 0xFF;
        await H.Store.Secrets.ReplaceCiphertextAsync("shop", "production", "B_KEY", 1, damaged, broken.KeyId, Ct).DefaultTimeout();
        var auditBefore = (await H.Store.Audit.ReadAllAsync(Ct).DefaultTimeout()).Count;
        using var next = MasterKey.Generate();

        await Should.ThrowAsync<SecretsException>(() => Vault.RekeyAsync(next, Ct)).DefaultTimeout();

        (await H.Store.Secrets.ListAllVersionsAsync(Ct).DefaultTimeout()).ShouldAllBe(v => v.KeyId == H.Keys.Current.Id);
        (await H.Store.Keys.GetAsync("audit.chain", Ct).DefaultTimeout())!.KeyId.ShouldBe(H.Keys.Current.Id);
        (await Vault.GetAsync("production", "A_KEY", null, null, Ct).DefaultTimeout()).Value.ShouldBe("first-value-1");
        (await Vault.GetAsync("production", "C_KEY", null, null, Ct).DefaultTimeout()).Value.ShouldBe("third-value-3");
        (await H.Store.Audit.ReadAllAsync(Ct).DefaultTimeout()).Count.ShouldBe(auditBefore + 2, "the two reads above, no rekey entry");
    }

    [Fact]
    public async Task Rekey_Cancelled_LeavesEverythingUnderTheOldKey()
    {
        for (var i = 0; i < 20; i++)
        {
            await Vault.SetAsync("production", $"KEY_{i}", $"value-number-{i}", Ct).DefaultTimeout();
        }

        using var next = MasterKey.Generate();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(() => Vault.RekeyAsync(next, cancelled.Token)).DefaultTimeout();

        (await H.Store.Secrets.ListAllVersionsAsync(Ct).DefaultTimeout()).ShouldAllBe(v => v.KeyId == H.Keys.Current.Id);
    }

    [Fact]
    public async Task Export_ReturnsTheLatestValueOfEverySecret()
    {
        await Vault.SetAsync("production", "B_KEY", "bravo-value-old", Ct).DefaultTimeout();
        await Vault.SetAsync("production", "B_KEY", "bravo-value-new", Ct).DefaultTimeout();
        await Vault.SetAsync("production", "A_KEY", "alpha-value-1", Ct).DefaultTimeout();
        await Vault.SetAsync("staging", "A_KEY", "not-this-one-1", Ct).DefaultTimeout();

        var exported = await Vault.ExportAsync("production", Ct).DefaultTimeout();

        exported.Select(s => (s.Name, s.Version, s.Value)).ShouldBe([("A_KEY", 1, "alpha-value-1"), ("B_KEY", 2, "bravo-value-new")]);
    }

    [Fact]
    public async Task ConcurrentSets_OfOneSecret_GetDistinctVersions_AndAnIntactChain()
    {
        var sets = Enumerable.Range(0, 8).Select(i => Task.Run(() => H.With(actor: $"user{i}").SetAsync("production", "TOKEN", $"concurrent-value-{i}", Ct), Ct));

        var versions = await Task.WhenAll(sets).DefaultTimeout(TimeSpan.FromSeconds(60));

        versions.Select(v => v.Version).Order().ShouldBe(Enumerable.Range(1, 8));
        var verification = await Vault.VerifyAuditAsync(Ct).DefaultTimeout();
        verification.Problem.ShouldBeNull();
        (await H.Store.Audit.ReadAllAsync(Ct).DefaultTimeout()).Count.ShouldBe(8);
    }

    [Fact]
    public async Task SeenValues_CollectsWhatTheVaultHandled_ForMasking()
    {
        await Vault.SetAsync("production", "TOKEN", "seen-when-set-1", Ct).DefaultTimeout();
        await Vault.SetAsync("staging", "TOKEN", "seen-when-read-2", Ct).DefaultTimeout();
        var reader = H.With();
        await reader.GetAsync("staging", "TOKEN", null, null, Ct).DefaultTimeout();

        Vault.Seen.All.ShouldBe(["seen-when-set-1", "seen-when-read-2"], ignoreOrder: true);
        reader.Seen.All.ShouldBe(["seen-when-read-2"]);
    }
}

public sealed class SqliteVaultTests : VaultContract
{
    private readonly SqliteEngine _engine = new();

    protected override VaultEngine Engine => _engine;
}

public sealed class PostgresVaultTests(PostgresServer server) : VaultContract
{
    private readonly PostgresEngine _engine = new(server);

    protected override VaultEngine Engine => _engine;
}
