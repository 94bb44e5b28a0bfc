using System.Net;
using System.Net.Http.Json;
using Capstan.Contracts;
using Capstan.Testing;

namespace Capstan.Deployments.Tests.Canary;

/// <summary>The canary strategy with a real server, HAProxy, test-app instances and a paced load through the edge.</summary>
public sealed class CanaryTests
{
    private const string Canary = "{ canary: [10%, 50%, 100%], pause: 2s, min_requests: 50 }";

    // A fresh instance on CI's busy machine can stay slower than the stable one past the warm-up: the walk through the
    // steps is what this test checks, so latency counts only at ten times the stable p95 (latency aborts are tested apart).
    private const string HealthyCanary = "{ canary: [10%, 50%, 100%], pause: 2s, min_requests: 50, abort_if: { p95_increase: 1000% } }";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>A server with v1 serving under the canary strategy; the test writes v2's variables and deploys.</summary>
    private static async Task<DeploymentFixture> WithV1Async(string strategy = Canary, string progressDeadline = "20s")
    {
        var fixture = await DeploymentFixture.StartAsync(strategy, 1, Token);
        fixture.WriteManifest(strategy, 1, progressDeadline: progressDeadline);
        var first = await fixture.ShouldSucceedAsync((await fixture.DeployAsync(cancellationToken: Token)).ShouldHaveSingleItem(), Token);
        first.Reason.ShouldNotBeNull().ShouldContain("first release of the service");
        return fixture;
    }

    [Fact]
    public async Task AHealthyCanary_WalksEveryStep_ThenTakesAllTraffic_AndTheStableReleaseRetires()
    {
        await using var fixture = await WithV1Async();
        fixture.WriteManifest(HealthyCanary, 1, env: "COLOR: green");
        await using var load = new LoadLoop(fixture, workers: 4, pause: TimeSpan.FromMilliseconds(10));
        var deployment = (await fixture.DeployAsync(cancellationToken: Token)).ShouldHaveSingleItem();

        // Each step is seen in the status with its traffic split.
        var seen = new Dictionary<string, List<double>>();
        await Poll.UntilAsync(
            async ct =>
            {
                var status = (await fixture.StatusAsync(ct)).Services.Single();
                if (status.Deploying?.Step is { } step && step.StartsWith("canary ", StringComparison.Ordinal))
                {
                    // The step is read from the store, the split live: at a step's end they can disagree once.
                    (seen.TryGetValue(step, out var split) ? split : seen[step] = []).Add(Math.Round(status.Traffic.FirstOrDefault(t => t.Version == 2)?.Percent ?? 0));
                }

                return (await fixture.GetAsync(deployment.Id, ct)).Finished;
            },
            "the canary ends",
            TimeSpan.FromSeconds(60),
            Token);
        var ended = await fixture.GetAsync(deployment.Id, Token);
        await load.StopAsync();

        ended.Status.ShouldBe("succeeded", ended.Reason);
        ended.Reason.ShouldNotBeNull().ShouldContain("every canary step passed");
        seen.Keys.ShouldBe(["canary 10%", "canary 50%"], ignoreOrder: true);
        double Usual(string step) => seen[step].GroupBy(p => p).MaxBy(g => g.Count())!.Key;
        var observed = string.Join("; ", seen.Select(s => $"{s.Key}: {string.Join(",", s.Value)}"));
        Usual("canary 10%").ShouldBe(10, $"26 of 256; seen {observed}");
        Usual("canary 50%").ShouldBe(50, observed);
        load.Failures.ShouldBeEmpty($"{load.Failures.Count} of {load.Requests} failed: {string.Join(" | ", load.Failures.Take(3))}");
        (await fixture.GetThroughEdgeAsync(new HttpClient(), "/", Token)).Body.ShouldBe("v2");
        await Poll.UntilAsync(() => fixture.Server!.Agent.Instances().All(i => i.Version == "v2"), "v1 is retired", Token);
    }

    [Fact]
    public async Task ACanaryWithFivePercentErrors_AbortsByItself_AndTheStableReleaseTakesEverythingBack()
    {
        await using var fixture = await WithV1Async();
        fixture.WriteManifest(Canary, 1, env: "FAULT_RATE: \"0.05\"");
        await using var load = new LoadLoop(fixture, workers: 4, pause: TimeSpan.FromMilliseconds(10));
        var deployment = (await fixture.DeployAsync(cancellationToken: Token)).ShouldHaveSingleItem();
        var ended = await fixture.WaitAsync(deployment, Token);
        var before = load.Requests;
        await Poll.UntilAsync(() => load.Requests > before + 50, "more load after the abort", Token);
        await load.StopAsync();

        ended.Status.ShouldBe("failed", ended.Reason);
        ended.Step.ShouldBe("canary 10%", "it never got past the first step");
        ended.Reason.ShouldNotBeNull().ShouldContain("canary step 10% failed the analysis");
        ended.Reason.ShouldContain("points, above the 2 allowed");
        // The only failures users saw are the canary's own 500s, a handful at 10% of the traffic.
        load.Failures.ShouldAllBe(f => f == "500: v2 fault");
        load.Failures.Count.ShouldBeLessThan(20);
        await Poll.UntilAsync(() => fixture.Server!.Agent.Instances().All(i => i.Version == "v1"), "the canary's instances are stopped", Token);
        (await fixture.StatusAsync(Token)).Services.Single().Traffic.ShouldHaveSingleItem().Version.ShouldBe(1);
    }

    [Fact]
    public async Task ASlowerCanary_AbortsOnLatency()
    {
        await using var fixture = await WithV1Async();
        fixture.WriteManifest(Canary, 1, env: "LATENCY_MS: \"80\"");
        await using var load = new LoadLoop(fixture, workers: 4, pause: TimeSpan.FromMilliseconds(10));
        var ended = await fixture.WaitAsync((await fixture.DeployAsync(cancellationToken: Token)).ShouldHaveSingleItem(), Token);
        await load.StopAsync();

        ended.Status.ShouldBe("failed", ended.Reason);
        ended.Reason.ShouldNotBeNull().ShouldContain("failed the analysis");
        ended.Reason.ShouldContain("of canary requests slower than");
        load.Failures.ShouldBeEmpty();
    }

    [Fact]
    public async Task TooLittleTraffic_IsInconclusive_AndNeverPasses()
    {
        const string strategy = "{ canary: [10%, 100%], pause: 1s, min_requests: 1000 }";
        await using var fixture = await WithV1Async(strategy, progressDeadline: "3s");
        fixture.WriteManifest(strategy, 1, env: "COLOR: green", progressDeadline: "3s");
        await using var load = new LoadLoop(fixture, workers: 1, pause: TimeSpan.FromMilliseconds(50));
        var ended = await fixture.WaitAsync((await fixture.DeployAsync(cancellationToken: Token)).ShouldHaveSingleItem(), Token);
        await load.StopAsync();

        ended.Status.ShouldBe("failed", ended.Reason);
        ended.Reason.ShouldNotBeNull().ShouldMatch(@"canary step 10% reached no verdict within its pause \(1s\) and the progress deadline \(3s\): inconclusive: \d+ requests, 1000 needed");
        load.Failures.ShouldBeEmpty();
        (await fixture.GetThroughEdgeAsync(new HttpClient(), "/", Token)).Body.ShouldBe("v1");
    }

    [Theory]
    [InlineData("abort", "failed", "aborted by")]
    [InlineData("promote", "succeeded", "promoted by")]
    public async Task APerson_CanAbortOrPromoteACanaryInItsSteps(string verb, string status, string reason)
    {
        const string strategy = "{ canary: [10%, 50%, 100%], pause: 5m, min_requests: 50 }";
        await using var fixture = await WithV1Async(strategy);
        fixture.WriteManifest(strategy, 1, env: "COLOR: green");
        await using var load = new LoadLoop(fixture, workers: 2, pause: TimeSpan.FromMilliseconds(10));
        var deployment = (await fixture.DeployAsync(cancellationToken: Token)).ShouldHaveSingleItem();
        await Poll.UntilAsync(async ct => (await fixture.GetAsync(deployment.Id, ct)).Step == "canary 10%", "the first step is under way", TimeSpan.FromSeconds(30), Token);

        using var response = await fixture.Api.PostAsJsonAsync($"api/apps/shop/deployments/{deployment.Id}/{verb}", new DeploymentActionRequest { Actor = "ana" }, ApiJson.Default.DeploymentActionRequest, Token);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync(Token));
        var ended = await fixture.WaitAsync(deployment, Token);
        await load.StopAsync();

        ended.Status.ShouldBe(status);
        ended.Reason.ShouldNotBeNull().ShouldContain($"{reason} ana (token admin)");
        load.Failures.ShouldBeEmpty();
        (await fixture.GetThroughEdgeAsync(new HttpClient(), "/", Token)).Body.ShouldBe(verb == "abort" ? "v1" : "v2");

        // Acting on it again, or on what does not exist, is refused with the reason.
        using var again = await fixture.Api.PostAsJsonAsync($"api/apps/shop/deployments/{deployment.Id}/{verb}", new DeploymentActionRequest(), ApiJson.Default.DeploymentActionRequest, Token);
        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await again.Content.ReadAsStringAsync(Token)).ShouldContain("already ended");
        using var unknown = await fixture.Api.PostAsJsonAsync("api/apps/shop/deployments/dep_nope/abort", new DeploymentActionRequest(), ApiJson.Default.DeploymentActionRequest, Token);
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AbortingADeploymentThatIsNotACanary_IsRefused()
    {
        await using var fixture = await DeploymentFixture.StartAsync("blue-green", 1, Token);
        fixture.WriteManifest("blue-green", 1, env: "READY_DELAY_MS: \"3000\"");
        var deployment = (await fixture.DeployAsync(cancellationToken: Token)).ShouldHaveSingleItem();

        using var response = await fixture.Api.PostAsJsonAsync($"api/apps/shop/deployments/{deployment.Id}/abort", new DeploymentActionRequest(), ApiJson.Default.DeploymentActionRequest, Token);

        response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await response.Content.ReadAsStringAsync(Token)).ShouldContain("uses blue-green, not canary");
        await fixture.ShouldSucceedAsync(deployment, Token);
    }
}
