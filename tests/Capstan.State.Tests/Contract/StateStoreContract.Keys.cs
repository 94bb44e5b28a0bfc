using Capstan.Testing;

namespace Capstan.State.Tests;

public abstract partial class StateStoreContract
{
    [Fact]
    public async Task ReserveVersion_InARolledBackTransaction_GivesTheSameNumberAgain()
    {
        await Should.ThrowAsync<InvalidOperationException>(() => Store.InTransactionAsync<int>(
            async (session, ct) =>
            {
                (await session.Secrets.ReserveVersionAsync("shop", "production", "TOKEN", ct)).ShouldBe(1);
                throw new InvalidOperationException("abandon");
            },
            Ct)).DefaultTimeout();

        (await Store.Secrets.ReserveVersionAsync("shop", "production", "TOKEN", Ct).DefaultTimeout()).ShouldBe(1);
    }

    [Fact]
    public async Task AddVersion_WithATakenNumber_Fails_AndKeepsTheFirst()
    {
        var first = await Store.Secrets.AddNextVersionAsync(NewSecret("TOKEN", fill: 1), Ct).DefaultTimeout();

        await Should.ThrowAsync<Exception>(() => Store.Secrets.AddVersionAsync(NewSecret("TOKEN", fill: 9) with { Version = first.Version }, Ct)).DefaultTimeout();

        (await Store.Secrets.GetLatestAsync("shop", "production", "TOKEN", Ct).DefaultTimeout())!.Ciphertext.ShouldBe(first.Ciphertext);
    }

    [Fact]
    public async Task Keys_PutThenGet_ReplacesByPurpose()
    {
        (await Store.Keys.GetAsync("audit.chain", Ct).DefaultTimeout()).ShouldBeNull();

        await Store.Keys.PutAsync(new StoredKey { Purpose = "audit.chain", KeyId = "mk_1", Material = [1, 2, 3], UpdatedAt = At(0) }, Ct).DefaultTimeout();
        await Store.Keys.PutAsync(new StoredKey { Purpose = "audit.chain", KeyId = "mk_2", Material = [4, 5], UpdatedAt = At(1) }, Ct).DefaultTimeout();
        await Store.Keys.PutAsync(new StoredKey { Purpose = "other", KeyId = "mk_1", Material = [9], UpdatedAt = At(2) }, Ct).DefaultTimeout();

        var chain = (await Store.Keys.GetAsync("audit.chain", Ct).DefaultTimeout()).ShouldNotBeNull();
        chain.KeyId.ShouldBe("mk_2");
        chain.Material.ShouldBe(new byte[] { 4, 5 });
        chain.UpdatedAt.ShouldBe(At(1));
    }

    [Fact]
    public async Task AuditHead_IsKeptApartFromTheEntries_AndReplaced()
    {
        (await Store.Audit.GetHeadAsync(Ct).DefaultTimeout()).ShouldBeNull();

        await Store.Audit.SetHeadAsync(new AuditHead(1, "h1", "s1"), Ct).DefaultTimeout();
        await Store.Audit.SetHeadAsync(new AuditHead(2, "h2", "s2"), Ct).DefaultTimeout();

        (await Store.Audit.GetHeadAsync(Ct).DefaultTimeout()).ShouldBe(new AuditHead(2, "h2", "s2"));
    }
}
