using Capstan.Edge.Routing;
using Capstan.Edge.Tests.Support;
using Capstan.Testing;

namespace Capstan.Edge.Tests.Metrics;

/// <summary>Metrics from HAProxy's real request log, forwarded by its ring to the edge's unix stream socket.</summary>
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

        // A burst, 16 at a time: HAProxy's ring batches the lines to the stream socket, so none is dropped.
        await Parallel.ForAsync(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = Ct }, async (_, _) => await test.GetAsync("web.localhost"));
        await Poll.UntilAsync(() => Logged("web") == 400, "all 400 requests are logged", Ct).DefaultTimeout();

        await test.GetAsync("unknown.localhost");
        await Poll.UntilAsync(() => Logged(RouteValidator.NoRouteBackendName) == 1, "the 404 is logged", Ct).DefaultTimeout();

        metrics.UnparseableLogLines.ShouldBe(0, string.Join('\n', metrics.RecentHaproxyMessages));
        var goodStats = metrics.Snapshot("web", "good", TimeSpan.FromMinutes(1));
        var badStats = metrics.Snapshot("web", "bad", TimeSpan.FromMinutes(1));
        var backend = metrics.Snapshot("web", null, TimeSpan.FromMinutes(1));
        goodStats.Requests.ShouldBe(200);
        goodStats.ServerErrors.ShouldBe(0);
        badStats.Requests.ShouldBe(200);
        badStats.ServerErrors.ShouldBe(200);
        backend.Requests.ShouldBe(400);
        backend.ServerErrorRate.ShouldBe(0.5);
        backend.RequestsPerSecond.ShouldBe(400 / 60.0);
        goodStats.P50.ShouldNotBeNull();
        goodStats.P99.ShouldNotBeNull();
        goodStats.P99!.Value.ShouldBeLessThan(TimeSpan.FromSeconds(5));
        goodStats.Mean.ShouldNotBeNull();
        metrics.Snapshot(RouteValidator.NoRouteBackendName, null, TimeSpan.FromMinutes(1)).Requests.ShouldBe(1);
        metrics.Requests.ActiveServers().ShouldBe([(RouteValidator.NoRouteBackendName, "<NOSRV>"), ("web", "bad"), ("web", "good")]);
        (await test.Edge.RuntimeApi.ShowInfoAsync(Ct).DefaultTimeout())["DroppedLogs"].ShouldBe("0");
    }

    [Fact]
    public async Task LinesLoggedWhileCapstanIsDown_ArriveWhenItListensAgain()
    {
        await using var app = new TestBackend("app");
        await using var test = await TestEdge.StartAsync();
        await test.ApplyAsync(new EdgeBackend { Name = "web", Host = "web.localhost", Servers = [new EdgeServer { Name = "app", Address = app.Address }] });
        await test.GetAsync("web.localhost");
        await Poll.UntilAsync(() => test.Edge.Metrics.Snapshot("web", null, TimeSpan.FromMinutes(1)).Requests == 1, "the first request is logged", Ct).DefaultTimeout();

        // Capstan goes away (its listener with it); HAProxy keeps serving and keeps the lines in its ring.
        await test.Edge.DisposeAsync();
        for (var i = 0; i < 50; i++)
        {
            (await test.GetAsync("web.localhost")).Status.ShouldBe(System.Net.HttpStatusCode.OK);
        }

        var restarted = await test.StartEdgeAsync();
        await Poll.UntilAsync(() => restarted.Metrics.Snapshot("web", null, TimeSpan.FromMinutes(1)).Requests >= 50, "the 50 requests served meanwhile are counted", Ct)
            .DefaultTimeout();
        restarted.Reloads.ShouldBe(0, "adopted as it was");
    }
}
