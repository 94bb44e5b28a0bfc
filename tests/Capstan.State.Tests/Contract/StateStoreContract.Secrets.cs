using Capstan.Testing;

namespace Capstan.State.Tests;

public abstract partial class StateStoreContract
{
    [Fact]
    public async Task AddNextVersion_NumbersEachNameFromOne()
    {
        var first = await Store.Secrets.AddNextVersionAsync(NewSecret("DB_PASSWORD", fill: 1), Ct).DefaultTimeout();
        var second = await Store.Secrets.AddNextVersionAsync(NewSecret("DB_PASSWORD", fill: 2, minute: 1), Ct).DefaultTimeout();
        var other = await Store.Secrets.AddNextVersionAsync(NewSecret("API_KEY"), Ct).DefaultTimeout();
        var otherEnvironment = await Store.Secrets.AddNextVersionAsync(NewSecret("DB_PASSWORD", "staging"), Ct).DefaultTimeout();

        first.Version.ShouldBe(1);
        second.Version.ShouldBe(2);
        other.Version.ShouldBe(1);
        otherEnvironment.Version.ShouldBe(1);
    }

    [Fact]
    public async Task AddNextVersion_ByManyAtOnce_GivesEachADistinctNumber()
    {
        var versions = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(
            () => Store.Secrets.AddNextVersionAsync(NewSecret("DB_PASSWORD", fill: (byte)i), Ct),
            Ct))).DefaultTimeout();

        versions.Select(v => v.Version).Order().ShouldBe(Enumerable.Range(1, 10));
        (await Store.Secrets.GetHistoryAsync("shop", "production", "DB_PASSWORD", Ct).DefaultTimeout()).Count.ShouldBe(10);
    }

    [Fact]
    public async Task GetLatest_ReturnsTheHighestVersion_WithItsCiphertext()
    {
        await Store.Secrets.AddNextVersionAsync(NewSecret("DB_PASSWORD", fill: 1), Ct).DefaultTimeout();
        var added = await Store.Secrets.AddNextVersionAsync(NewSecret("DB_PASSWORD", fill: 2, minute: 1), Ct).DefaultTimeout();

        var latest = (await Store.Secrets.GetLatestAsync("shop", "production", "DB_PASSWORD", Ct).DefaultTimeout()).ShouldNotBeNull();

        ShouldBeSame(latest, added);
        latest.Ciphertext.ShouldBe(new byte[] { 0, 2, 2, 255, 2 });
        latest.DeletedAt.ShouldBeNull();
        (await Store.Secrets.GetLatestAsync("shop", "staging", "DB_PASSWORD", Ct).DefaultTimeout()).ShouldBeNull();
    }

    [Fact]
    public async Task GetVersion_ReturnsThatVersion_OrNull()
    {
        var first = await Store.Secrets.AddNextVersionAsync(NewSecret("DB_PASSWORD", fill: 1), Ct).DefaultTimeout();
        await Store.Secrets.AddNextVersionAsync(NewSecret("DB_PASSWORD", fill: 2), Ct).DefaultTimeout();

        ShouldBeSame((await Store.Secrets.GetVersionAsync("shop", "production", "DB_PASSWORD", 1, Ct).DefaultTimeout()).ShouldNotBeNull(), first);
        (await Store.Secrets.GetVersionAsync("shop", "production", "DB_PASSWORD", 3, Ct).DefaultTimeout()).ShouldBeNull();
    }

    [Fact]
    public async Task MarkDeleted_HidesEveryVersionFromLatest_ButKeepsTheHistory()
    {
        await Store.Secrets.AddNextVersionAsync(NewSecret("DB_PASSWORD"), Ct).DefaultTimeout();
        await Store.Secrets.AddNextVersionAsync(NewSecret("DB_PASSWORD"), Ct).DefaultTimeout();

        var marked = await Store.Secrets.MarkDeletedAsync("shop", "production", "DB_PASSWORD", At(9), Ct).DefaultTimeout();

        marked.ShouldBe(2);
        (await Store.Secrets.GetLatestAsync("shop", "production", "DB_PASSWORD", Ct).DefaultTimeout()).ShouldBeNull();
        var history = await Store.Secrets.GetHistoryAsync("shop", "production", "DB_PASSWORD", Ct).DefaultTimeout();
        history.Select(v => (v.Version, v.DeletedAt)).ShouldBe([(1, (DateTimeOffset?)At(9)), (2, At(9))]);
        (await Store.Secrets.GetVersionAsync("shop", "production", "DB_PASSWORD", 2, Ct).DefaultTimeout()).ShouldNotBeNull().DeletedAt.ShouldBe(At(9));
        (await Store.Secrets.MarkDeletedAsync("shop", "production", "DB_PASSWORD", At(10), Ct).DefaultTimeout()).ShouldBe(0);
    }

    [Fact]
    public async Task AddNextVersion_AfterADelete_ContinuesTheNumbering()
    {
        await Store.Secrets.AddNextVersionAsync(NewSecret("DB_PASSWORD"), Ct).DefaultTimeout();
        await Store.Secrets.AddNextVersionAsync(NewSecret("DB_PASSWORD"), Ct).DefaultTimeout();
        await Store.Secrets.MarkDeletedAsync("shop", "production", "DB_PASSWORD", At(9), Ct).DefaultTimeout();

        var again = await Store.Secrets.AddNextVersionAsync(NewSecret("DB_PASSWORD", fill: 7), Ct).DefaultTimeout();

        again.Version.ShouldBe(3);
        ShouldBeSame((await Store.Secrets.GetLatestAsync("shop", "production", "DB_PASSWORD", Ct).DefaultTimeout()).ShouldNotBeNull(), again);
    }

    [Fact]
    public async Task ListLatest_ReturnsTheNewestLiveVersionOfEachName_InOneOrEveryEnvironment()
    {
        await Store.Secrets.AddNextVersionAsync(NewSecret("DB_PASSWORD"), Ct).DefaultTimeout();
        await Store.Secrets.AddNextVersionAsync(NewSecret("DB_PASSWORD"), Ct).DefaultTimeout();
        await Store.Secrets.AddNextVersionAsync(NewSecret("API_KEY"), Ct).DefaultTimeout();
        await Store.Secrets.AddNextVersionAsync(NewSecret("GONE"), Ct).DefaultTimeout();
        await Store.Secrets.MarkDeletedAsync("shop", "production", "GONE", At(1), Ct).DefaultTimeout();
        await Store.Secrets.AddNextVersionAsync(NewSecret("DB_PASSWORD", "staging"), Ct).DefaultTimeout();

        var production = await Store.Secrets.ListLatestAsync("shop", "production", Ct).DefaultTimeout();
        var all = await Store.Secrets.ListLatestAsync("shop", null, Ct).DefaultTimeout();

        production.Select(v => (v.Name, v.Version)).ShouldBe([("API_KEY", 1), ("DB_PASSWORD", 2)]);
        all.Select(v => (v.Environment, v.Name, v.Version)).ShouldBe(
            [("production", "API_KEY", 1), ("production", "DB_PASSWORD", 2), ("staging", "DB_PASSWORD", 1)]);
        (await Store.Secrets.ListLatestAsync("blog", null, Ct).DefaultTimeout()).ShouldBeEmpty();
    }

    [Fact]
    public async Task ReKey_InOneTransaction_ReplacesEveryCiphertextAndKeyId()
    {
        await Store.Secrets.AddNextVersionAsync(NewSecret("DB_PASSWORD"), Ct).DefaultTimeout();
        await Store.Secrets.AddNextVersionAsync(NewSecret("DB_PASSWORD"), Ct).DefaultTimeout();
        await Store.Secrets.AddNextVersionAsync(NewSecret("API_KEY", "staging"), Ct).DefaultTimeout();
        await Store.Secrets.MarkDeletedAsync("shop", "staging", "API_KEY", At(1), Ct).DefaultTimeout();

        var rekeyed = await Store.InTransactionAsync(
            async (session, ct) =>
            {
                var all = await session.Secrets.ListAllVersionsAsync(ct);
                foreach (var v in all)
                {
                    var replaced = await session.Secrets.ReplaceCiphertextAsync(
                        v.App, v.Environment, v.Name, v.Version, [.. v.Ciphertext.Reverse()], "key-2", ct);
                    replaced.ShouldBeTrue();
                }

                return all;
            },
            Ct).DefaultTimeout();

        rekeyed.Count.ShouldBe(3);
        var after = await Store.Secrets.ListAllVersionsAsync(Ct).DefaultTimeout();
        after.ShouldAllBe(v => v.KeyId == "key-2");
        after.Select(v => v.Ciphertext).ShouldBe(rekeyed.Select(v => v.Ciphertext.Reverse().ToArray()));
        after.Select(v => v.DeletedAt).ShouldBe(rekeyed.Select(v => v.DeletedAt));
        (await Store.Secrets.ReplaceCiphertextAsync("shop", "production", "DB_PASSWORD", 9, [1], "key-2", Ct).DefaultTimeout()).ShouldBeFalse();
    }

    [Fact]
    public async Task Ciphertext_RoundTripsEveryByteValue()
    {
        var bytes = Enumerable.Range(0, 256).Select(i => (byte)i).Concat(new byte[4096]).ToArray();

        var added = await Store.Secrets.AddNextVersionAsync(NewSecret("BLOB") with { Ciphertext = bytes }, Ct).DefaultTimeout();

        added.Ciphertext.ShouldBe(bytes);
        (await Store.Secrets.GetLatestAsync("shop", "production", "BLOB", Ct).DefaultTimeout()).ShouldNotBeNull().Ciphertext.ShouldBe(bytes);
    }

    private static void ShouldBeSame(SecretVersion actual, SecretVersion expected)
    {
        actual.Ciphertext.ShouldBe(expected.Ciphertext);
        actual.ShouldBe(expected with { Ciphertext = actual.Ciphertext });
    }
}
