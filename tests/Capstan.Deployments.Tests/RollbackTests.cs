using Capstan.Testing;

namespace Capstan.Deployments.Tests;

public sealed class RollbackTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static async Task<DeploymentFixture> TwoReleasesAsync(string strategy)
    {
        var fixture = await DeploymentFixture.StartAsync(strategy, 1, Token);
        await fixture.ShouldSucceedAsync((await fixture.DeployAsync(cancellationToken: Token))[0], Token);
        fixture.WriteManifest(strategy, 1, env: "COLOR: green");
        await fixture.ShouldSucceedAsync((await fixture.DeployAsync(cancellationToken: Token))[0], Token);
        (await fixture.GetThroughEdgeAsync(new HttpClient(), "/", Token)).Body.ShouldBe("v2");
        return fixture;
    }

    [Fact]
    public async Task Rollback_WithinTheRetentionWindow_SwitchesBackToTheStandbyInstances_WithoutStartingAny()
    {
        await using var fixture = await TwoReleasesAsync("blue-green");
        var standby = fixture.Server!.Agent.Instances().Where(i => i.Version == "v1").ShouldHaveSingleItem();
        await using var load = new LoadLoop(fixture, workers: 2);

        var rollback = await fixture.WaitAsync((await fixture.RollbackAsync(cancellationToken: Token)).ShouldHaveSingleItem(), Token);
        await load.StopAsync();

        rollback.Status.ShouldBe("succeeded", rollback.Reason);
        rollback.ReleaseVersion.ShouldBe(1);
        (await fixture.GetThroughEdgeAsync(new HttpClient(), "/", Token)).Body.ShouldBe("v1");
        // The very instance that stood by now serves: nothing was started.
        fixture.Server.Agent.Instances().Where(i => i.Version == "v1").ShouldHaveSingleItem().Pid.ShouldBe(standby.Pid);
        load.Failures.ShouldBeEmpty();
    }

    [Fact]
    public async Task Rollback_AfterTheRetentionWindow_StartsThePreviousReleaseAgain()
    {
        await using var fixture = await TwoReleasesAsync("{ blue-green: { retention: 1ms } }");
        await Poll.UntilAsync(() => fixture.Server!.Agent.Instances().All(i => i.Version == "v2"), "the v1 instance is stopped after its retention", Token);

        var rollback = await fixture.WaitAsync((await fixture.RollbackAsync(cancellationToken: Token)).ShouldHaveSingleItem(), Token);

        rollback.Status.ShouldBe("succeeded", rollback.Reason);
        (await fixture.GetThroughEdgeAsync(new HttpClient(), "/", Token)).Body.ShouldBe("v1");
    }

    [Fact]
    public async Task Rollback_ToANamedVersion_AndToAnUnknownOne()
    {
        await using var fixture = await TwoReleasesAsync("blue-green");

        var rollback = await fixture.WaitAsync((await fixture.RollbackAsync("v1", Token)).ShouldHaveSingleItem(), Token);
        rollback.Status.ShouldBe("succeeded", rollback.Reason);

        var error = await Should.ThrowAsync<InvalidOperationException>(() => fixture.RollbackAsync("v9", Token));
        error.Message.ShouldContain("404");
        error.Message.ShouldContain("no release v9");
    }
}
