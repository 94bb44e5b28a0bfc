using Capstan.Edge.Routing;
using Capstan.Edge.Tests.Support;
using Capstan.Testing;

namespace Capstan.Edge.Tests.Metrics;

/// <summary>Metrics from HAProxy's real request log, received on the edge's unix datagram socket.</summary>
public sealed class EdgeMetricsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheRequestLog_GivesCountsPerServer_5xx_AndLatencies()
    {
        await using var good = new TestBackend("good");
        await using var bad = new TestBackend("bad") { Status = 503 };
        await using var test = await TestEdge.StartAsync();
        await test.ApplyAsync(new EdgeBackend
        {
            Name = "web",
            Host = "web.localhost",
            Servers = [new EdgeServer { Name = "good", Address = good.Address }, new EdgeServer { Name = "bad", Address = bad.Address }],
        });

        var metrics = test.Edge.Metrics;
        long Logged(string backend) => metrics.Snapshot(backend, null, TimeSpan.FromMinutes(1)).Requests;

        // One request at a time, each awaited in the log: the log socket queues only ten datagrams, and on a loaded
        // machine a burst could be dropped by HAProxy before the listener runs. Counting is what is tested here.
        for (var i = 1; i <= 40; i++)
        {
            await test.GetAsync("web.localhost");
            await Poll.UntilAsync(() => Logged("web") == i, $"request {i} is logged", Ct).DefaultTimeout();
        }

        await test.GetAsync("unknown.localhost");
        await Poll.UntilAsync(() => Logged(RouteValidator.NoRouteBackendName) == 1, "the 404 is logged", Ct).DefaultTimeout();

        metrics.UnparseableLogLines.ShouldBe(0, string.Join('\n', metrics.RecentHaproxyMessages));
        var goodStats = metrics.Snapshot("web", "good", TimeSpan.FromMinutes(1));
        var badStats = metrics.Snapshot("web", "bad", TimeSpan.FromMinutes(1));
        var backend = metrics.Snapshot("web", null, TimeSpan.FromMinutes(1));
        goodStats.Requests.ShouldBe(20);
        goodStats.ServerErrors.ShouldBe(0);
        badStats.Requests.ShouldBe(20);
        badStats.ServerErrors.ShouldBe(20);
        backend.Requests.ShouldBe(40);
        backend.ServerErrorRate.ShouldBe(0.5);
        backend.RequestsPerSecond.ShouldBe(40 / 60.0);
        goodStats.P50.ShouldNotBeNull();
        goodStats.P99.ShouldNotBeNull();
        goodStats.P99!.Value.ShouldBeLessThan(TimeSpan.FromSeconds(5));
        goodStats.Mean.ShouldNotBeNull();
        metrics.Snapshot(RouteValidator.NoRouteBackendName, null, TimeSpan.FromMinutes(1)).Requests.ShouldBe(1);
        metrics.Requests.ActiveServers().ShouldBe([(RouteValidator.NoRouteBackendName, "<NOSRV>"), ("web", "bad"), ("web", "good")]);
        (await test.Edge.RuntimeApi.ShowInfoAsync(Ct).DefaultTimeout())["DroppedLogs"].ShouldBe("0");
    }
}
