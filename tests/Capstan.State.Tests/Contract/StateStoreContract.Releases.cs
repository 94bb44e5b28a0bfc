using Capstan.Testing;

namespace Capstan.State.Tests;

public abstract partial class StateStoreContract
{
    [Fact]
    public async Task AddRelease_ThenGet_RoundTripsTheSecretVersions()
    {
        var release = NewRelease("rel_1", secrets: new Dictionary<string, int> { ["DB_PASSWORD"] = 3, ["Ünïcode \"key\""] = 12, ["empty"] = 0 });
        await Store.Releases.AddAsync(release, Ct).DefaultTimeout();

        var stored = (await Store.Releases.GetAsync("rel_1", Ct).DefaultTimeout()).ShouldNotBeNull();

        stored.ShouldBe(release with { SecretVersions = stored.SecretVersions });
        stored.SecretVersions.OrderBy(p => p.Key, StringComparer.Ordinal).ShouldBe(release.SecretVersions.OrderBy(p => p.Key, StringComparer.Ordinal));
        (await Store.Releases.GetAsync("rel_missing", Ct).DefaultTimeout()).ShouldBeNull();
    }

    [Fact]
    public async Task AddRelease_WithNoSecrets_RoundTripsAnEmptyDictionary()
    {
        await Store.Releases.AddAsync(NewRelease("rel_1", secrets: new Dictionary<string, int>()), Ct).DefaultTimeout();

        (await Store.Releases.GetAsync("rel_1", Ct).DefaultTimeout()).ShouldNotBeNull().SecretVersions.ShouldBeEmpty();
    }

    [Fact]
    public async Task FindExistingRelease_MatchesOnlyTheSameArtifactConfigAndSecretVersions_InAnyKeyOrder()
    {
        await Store.Releases.AddAsync(NewRelease("rel_1", minute: 1), Ct).DefaultTimeout();
        await Store.Releases.AddAsync(NewRelease("rel_2", minute: 2), Ct).DefaultTimeout();
        var sameSecretsOtherOrder = new Dictionary<string, int> { ["API_KEY"] = 1, ["DB_PASSWORD"] = 3 };

        var found = await Store.Releases.FindExistingAsync("shop", "web", Digest('a'), "cfg-1", sameSecretsOtherOrder, Ct).DefaultTimeout();

        found.ShouldNotBeNull().Id.ShouldBe("rel_2");
        (await Store.Releases.FindExistingAsync("shop", "web", Digest('b'), "cfg-1", sameSecretsOtherOrder, Ct).DefaultTimeout()).ShouldBeNull();
        (await Store.Releases.FindExistingAsync("shop", "web", Digest('a'), "cfg-2", sameSecretsOtherOrder, Ct).DefaultTimeout()).ShouldBeNull();
        (await Store.Releases.FindExistingAsync("shop", "api", Digest('a'), "cfg-1", sameSecretsOtherOrder, Ct).DefaultTimeout()).ShouldBeNull();
        (await Store.Releases.FindExistingAsync(
            "shop", "web", Digest('a'), "cfg-1", new Dictionary<string, int> { ["API_KEY"] = 2, ["DB_PASSWORD"] = 3 }, Ct).DefaultTimeout()).ShouldBeNull();
        (await Store.Releases.FindExistingAsync(
            "shop", "web", Digest('a'), "cfg-1", new Dictionary<string, int> { ["DB_PASSWORD"] = 3 }, Ct).DefaultTimeout()).ShouldBeNull();
    }

    [Fact]
    public async Task ListReleases_ByServiceOrAll_NewestFirst()
    {
        await Store.Releases.AddAsync(NewRelease("rel_1", "web", minute: 1), Ct).DefaultTimeout();
        await Store.Releases.AddAsync(NewRelease("rel_2", "worker", minute: 2), Ct).DefaultTimeout();
        await Store.Releases.AddAsync(NewRelease("rel_3", "web", minute: 3), Ct).DefaultTimeout();

        (await Store.Releases.ListAsync("shop", "web", 10, Ct).DefaultTimeout()).Select(r => r.Id).ShouldBe(["rel_3", "rel_1"]);
        (await Store.Releases.ListAsync("shop", null, 10, Ct).DefaultTimeout()).Select(r => r.Id).ShouldBe(["rel_3", "rel_2", "rel_1"]);
        (await Store.Releases.ListAsync("shop", null, 2, Ct).DefaultTimeout()).Select(r => r.Id).ShouldBe(["rel_3", "rel_2"]);
        (await Store.Releases.ListAsync("blog", null, 10, Ct).DefaultTimeout()).ShouldBeEmpty();
    }
}
