using Capstan.Testing;

namespace Capstan.State.Tests;

public abstract partial class StateStoreContract
{
    [Fact]
    public async Task AddArtifact_ThenGetByDigest_ReturnsIt()
    {
        var artifact = NewArtifact(Digest('a'), "run_1");

        (await Store.Artifacts.AddAsync(artifact, Ct).DefaultTimeout()).ShouldBeTrue();

        (await Store.Artifacts.GetAsync(Digest('a'), Ct).DefaultTimeout()).ShouldBe(artifact);
        (await Store.Artifacts.GetAsync(Digest('b'), Ct).DefaultTimeout()).ShouldBeNull();
    }

    [Fact]
    public async Task AddArtifact_WithADigestAlreadyStored_ChangesNothing()
    {
        var first = NewArtifact(Digest('a'), "run_1");
        await Store.Artifacts.AddAsync(first, Ct).DefaultTimeout();

        var added = await Store.Artifacts.AddAsync(first with { RunId = "run_2", Location = "elsewhere" }, Ct).DefaultTimeout();

        added.ShouldBeFalse();
        (await Store.Artifacts.GetAsync(Digest('a'), Ct).DefaultTimeout()).ShouldBe(first);
    }

    [Fact]
    public async Task ListArtifacts_ReturnsTheAppsNewestFirst()
    {
        await Store.Artifacts.AddAsync(NewArtifact(Digest('a'), "run_1", minute: 1), Ct).DefaultTimeout();
        await Store.Artifacts.AddAsync(NewArtifact(Digest('b'), "run_2", minute: 2), Ct).DefaultTimeout();
        await Store.Artifacts.AddAsync(NewArtifact(Digest('c'), "run_3", minute: 3), Ct).DefaultTimeout();
        await Store.Artifacts.AddAsync(NewArtifact(Digest('d'), "run_9", app: "blog", minute: 4), Ct).DefaultTimeout();

        var artifacts = await Store.Artifacts.ListAsync("shop", 10, Ct).DefaultTimeout();

        artifacts.Select(a => a.Digest).ShouldBe([Digest('c'), Digest('b'), Digest('a')]);
        (await Store.Artifacts.ListAsync("shop", 1, Ct).DefaultTimeout()).Single().Digest.ShouldBe(Digest('c'));
    }
}
