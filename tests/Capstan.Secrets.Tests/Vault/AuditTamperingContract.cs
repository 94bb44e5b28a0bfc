using Capstan.Testing;

namespace Capstan.Secrets.Tests.Vault;

/// <summary>Someone with write access to the database changes the audit log; verification names the first bad entry.</summary>
public abstract class AuditTamperingContract : IAsyncLifetime
{
    private VaultHarness? _harness;

    protected abstract VaultEngine Engine { get; }

    private VaultHarness H => _harness!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _harness = await VaultHarness.OpenAsync(Engine, Ct);
        // Six entries: 1 set, 2 set, 3 read, 4 set, 5 read, 6 delete.
        await H.Vault.SetAsync("production", "A_KEY", "alpha-value-1", Ct);
        await H.Vault.SetAsync("production", "B_KEY", "bravo-value-1", Ct);
        await H.Vault.GetAsync("production", "A_KEY", null, null, Ct);
        await H.Vault.SetAsync("staging", "A_KEY", "alpha-staging", Ct);
        await H.Vault.GetAsync("staging", "A_KEY", null, null, Ct);
        await H.Vault.RemoveAsync("production", "B_KEY", Ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_harness is not null)
        {
            await _harness.DisposeAsync();
        }

        await Engine.DisposeAsync();
    }

    [Fact]
    public async Task AnUntouchedLog_Verifies()
    {
        var result = await H.Vault.VerifyAuditAsync(Ct).DefaultTimeout();

        result.IsIntact.ShouldBeTrue(result.Problem);
        result.Entries.ShouldBe(6);
    }

    [Fact]
    public async Task AnEditedEntry_IsNamed()
    {
        await Engine.ExecuteAsync("UPDATE capstan_audit SET actor = 'mallory' WHERE sequence = 3", Ct);

        await ShouldFindAsync(3, "entry 3 does not match its hash: it was edited");
    }

    [Fact]
    public async Task AnEditedEntryWhoseHashWasRecomputedWithoutTheKey_IsNamed()
    {
        // An attacker who knows the hash is SHA-256 based but has no key can only guess; any other hash breaks the chain.
        await Engine.ExecuteAsync("UPDATE capstan_audit SET action = 'secret.set', hash = 'deadbeef' WHERE sequence = 5", Ct);

        await ShouldFindAsync(5, "entry 5 does not match its hash");
    }

    [Fact]
    public async Task ADeletedEntry_IsNamed()
    {
        await Engine.ExecuteAsync("DELETE FROM capstan_audit WHERE sequence = 4", Ct);

        await ShouldFindAsync(4, "entry 4 is missing: the log goes from entry 3 to entry 5");
    }

    [Fact]
    public async Task AnInsertedEntry_IsNamed()
    {
        // Make room at 3 by renumbering, then insert a forged entry that copies entry 2's hash as its previous one.
        await Engine.ExecuteAsync("UPDATE capstan_audit SET sequence = sequence + 100 WHERE sequence >= 3", Ct);
        await Engine.ExecuteAsync("UPDATE capstan_audit SET sequence = sequence - 99 WHERE sequence >= 103", Ct);
        await Engine.ExecuteAsync(
            """
            INSERT INTO capstan_audit (sequence, occurred_at, actor, action, app, environment, subject, version, detail, previous_hash, hash)
            SELECT 3, occurred_at, 'mallory', 'secret.read', app, environment, subject, version, NULL, hash, 'forged'
            FROM capstan_audit WHERE sequence = 2
            """,
            Ct);

        await ShouldFindAsync(3, "entry 3 does not match its hash");
    }

    [Fact]
    public async Task ReorderedEntries_AreNamed()
    {
        // Swap the contents of entries 2 and 3, keeping their numbers.
        await Engine.ExecuteAsync("UPDATE capstan_audit SET sequence = 1000 WHERE sequence = 2", Ct);
        await Engine.ExecuteAsync("UPDATE capstan_audit SET sequence = 2 WHERE sequence = 3", Ct);
        await Engine.ExecuteAsync("UPDATE capstan_audit SET sequence = 3 WHERE sequence = 1000", Ct);

        await ShouldFindAsync(2, "entry 2 does not follow entry 1");
    }

    [Fact]
    public async Task EntriesCutFromTheEnd_AreNoticedThroughTheSealedHead()
    {
        await Engine.ExecuteAsync("DELETE FROM capstan_audit WHERE sequence >= 5", Ct);

        await ShouldFindAsync(5, "entries 5 to 6 were removed from the end of the log");
    }

    [Fact]
    public async Task AHeadMovedBackToHideCutEntries_IsNoticed()
    {
        await Engine.ExecuteAsync("DELETE FROM capstan_audit WHERE sequence = 6", Ct);
        await Engine.ExecuteAsync("UPDATE capstan_audit_head SET sequence = 5, hash = (SELECT hash FROM capstan_audit WHERE sequence = 5)", Ct);

        await ShouldFindAsync(5, "the log's head record was altered");
    }

    [Fact]
    public async Task ARemovedHead_IsNoticed()
    {
        await Engine.ExecuteAsync("DELETE FROM capstan_audit_head", Ct);

        await ShouldFindAsync(6, "the log's head record is missing");
    }

    [Fact]
    public async Task Verify_WithoutTheRightMasterKey_IsRefused()
    {
        using var wrong = new Capstan.Secrets.Keys.KeyRing(Capstan.Secrets.Keys.MasterKey.Generate(), "CAPSTAN_MASTER_KEY");

        var error = await Should.ThrowAsync<SecretsException>(() => H.With(wrong).VerifyAuditAsync(Ct)).DefaultTimeout();

        error.Message.ShouldContain($"is encrypted with master key {H.Keys.Current.Id}");
    }

    private async Task ShouldFindAsync(long sequence, string problem)
    {
        var result = await H.Vault.VerifyAuditAsync(Ct).DefaultTimeout();

        result.IsIntact.ShouldBeFalse();
        result.FirstBadSequence.ShouldBe(sequence);
        result.Problem.ShouldNotBeNull().ShouldContain(problem);
    }
}

public sealed class SqliteAuditTamperingTests : AuditTamperingContract
{
    private readonly SqliteEngine _engine = new();

    protected override VaultEngine Engine => _engine;
}

public sealed class PostgresAuditTamperingTests(PostgresServer server) : AuditTamperingContract
{
    private readonly PostgresEngine _engine = new(server);

    protected override VaultEngine Engine => _engine;
}
