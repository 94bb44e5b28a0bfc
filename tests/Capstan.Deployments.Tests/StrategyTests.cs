using Capstan.Testing;

namespace Capstan.Deployments.Tests;

/// <summary>Each strategy with a real server, real HAProxy, real instances and real HTTP through the edge.</summary>
public sealed class StrategyTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("blue-green", 1)]
    [InlineData("rolling", 2)]
    public async Task Deploying_ANewRelease_UnderLoad_FailsNoRequest_AndEndsOnTheNewVersion(string strategy, int replicas)
    {
        await using var fixture = await DeploymentFixture.StartAsync(strategy, replicas, Token);
        var first = (await fixture.DeployAsync(cancellationToken: Token)).ShouldHaveSingleItem();
        await fixture.ShouldSucceedAsync(first, Token);
        (await fixture.GetThroughEdgeAsync(new HttpClient(), "/", Token)).Body.ShouldBe("v1");

        // A changed variable makes a new release of the same code.
        fixture.WriteManifest(strategy, replicas, env: "COLOR: green");
        await using var load = new LoadLoop(fixture);
        await Poll.UntilAsync(() => load.Requests > 50, "the load runs", Token);
        var second = (await fixture.DeployAsync(cancellationToken: Token)).ShouldHaveSingleItem();
        second.ReleaseVersion.ShouldBe(2);
        var ended = await fixture.WaitAsync(second, Token);
        var before = load.Requests;
        await Poll.UntilAsync(() => load.Requests > before + 50, "more load after the switch", Token);
        await load.StopAsync();

        ended.Status.ShouldBe("succeeded", ended.Reason);
        load.Failures.ShouldBeEmpty($"{load.Failures.Count} of {load.Requests} requests failed: {string.Join(" | ", load.Failures.Take(3))}");
        load.Bodies.Keys.ShouldBe(["v1", "v2"], ignoreOrder: true);
        (await fixture.GetThroughEdgeAsync(new HttpClient(), "/", Token)).Body.ShouldBe("v2");
        var status = (await fixture.StatusAsync(Token)).Services.ShouldHaveSingleItem();
        status.Version.ShouldBe(2);
        status.Healthy.ShouldBe(replicas);
        status.Traffic.ShouldHaveSingleItem().Version.ShouldBe(2);
    }

    [Fact]
    public async Task Recreate_StopsTheOldRelease_ThenServesTheNewOne()
    {
        await using var fixture = await DeploymentFixture.StartAsync("recreate", 1, Token);
        await fixture.ShouldSucceedAsync((await fixture.DeployAsync(cancellationToken: Token))[0], Token);
        fixture.WriteManifest("recreate", 1, env: "COLOR: green");
        var second = await fixture.WaitAsync((await fixture.DeployAsync(cancellationToken: Token))[0], Token);

        second.Status.ShouldBe("succeeded", second.Reason);
        (await fixture.GetThroughEdgeAsync(new HttpClient(), "/", Token)).Body.ShouldBe("v2");
        fixture.Server!.Agent.Instances().ShouldHaveSingleItem().Version.ShouldBe("v2");
    }

    [Theory]
    [InlineData("NEVER_READY: \"1\"", "did not become ready")]
    [InlineData("EXIT_AT_START: \"3\"", "did not become ready")]
    public async Task ANewReleaseThatNeverGetsReady_FailsTheDeployment_WhileTheOldOneKeepsServing(string env, string reason)
    {
        await using var fixture = await DeploymentFixture.StartAsync("blue-green", 1, Token);
        await fixture.ShouldSucceedAsync((await fixture.DeployAsync(cancellationToken: Token))[0], Token);

        fixture.WriteManifest("blue-green", 1, env: env, progressDeadline: "3s");
        await using var load = new LoadLoop(fixture, workers: 2);
        var failed = await fixture.WaitAsync((await fixture.DeployAsync(cancellationToken: Token))[0], Token);
        await load.StopAsync();

        failed.Status.ShouldBe("failed");
        failed.Reason.ShouldNotBeNull().ShouldContain(reason);
        load.Failures.ShouldBeEmpty();
        load.Bodies.Keys.ShouldBe(["v1"]);
        // What the failed deployment started is gone; only v1 runs.
        await Poll.UntilAsync(() => fixture.Server!.Agent.Instances().All(i => i.Version == "v1"), "the failed release's instances are stopped", Token);
    }

    [Fact]
    public async Task ReadinessGates_Traffic_NoRequestReachesAnInstanceBeforeItIsReady()
    {
        await using var fixture = await DeploymentFixture.StartAsync("blue-green", 1, Token);
        await fixture.ShouldSucceedAsync((await fixture.DeployAsync(cancellationToken: Token))[0], Token);
        fixture.WriteManifest("blue-green", 1, env: "READY_DELAY_MS: \"2000\"");
        await using var load = new LoadLoop(fixture, workers: 2);
        var deployment = (await fixture.DeployAsync(cancellationToken: Token))[0];

        var ended = await fixture.WaitAsync(deployment, Token);
        ended.Status.ShouldBe("succeeded", ended.Reason);
        // A loaded machine may answer no request between the switch and the deployment's end: the load goes on until v2 answers.
        await Poll.UntilAsync(() => load.Bodies.ContainsKey("v2"), "the load gets an answer from v2", Token);
        await load.StopAsync();

        // The test app answers "v2 (not ready)" to a request that reaches it before its readiness probe passes.
        load.Bodies.Keys.ShouldBe(["v1", "v2"], ignoreOrder: true);
        load.Failures.ShouldBeEmpty();
    }
}
