using System.Net;
using Capstan.Edge.Routing;
using Capstan.Edge.Tests.Support;
using Capstan.Testing;

namespace Capstan.Edge.Tests.Routing;

/// <summary>Real requests through a real HAProxy to in-test backends: hosts, paths, weights, drain, servers changed live.</summary>
public sealed class EdgeRoutingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Requests_AreRoutedByHost_WithoutPortOrCase_AndByLongestPathPrefix()
    {
        await using var web = new TestBackend("web");
        await using var api = new TestBackend("api");
        await using var other = new TestBackend("other");
        await using var test = await TestEdge.StartAsync();

        await test.ApplyAsync(
            new EdgeBackend { Name = "hello-web", Host = "hello.localhost", Servers = [new EdgeServer { Name = "w1", Address = web.Address }] },
            new EdgeBackend { Name = "hello-api", Host = "hello.localhost", PathPrefix = "/api", Servers = [new EdgeServer { Name = "a1", Address = api.Address }] },
            new EdgeBackend { Name = "other-web", Host = "other.localhost", Servers = [new EdgeServer { Name = "o1", Address = other.Address }] });

        (await test.GetAsync("hello.localhost", "/")).Body.ShouldBe("web /");
        (await test.GetAsync($"HELLO.localhost:{test.Options.Port}", "/page")).Body.ShouldBe("web /page");
        (await test.GetAsync("hello.localhost", "/api")).Body.ShouldBe("api /api");
        (await test.GetAsync("hello.localhost", "/api/users?id=1")).Body.ShouldBe("api /api/users?id=1");
        (await test.GetAsync("hello.localhost", "/apis")).Body.ShouldBe("web /apis", "a prefix covers whole path segments only");
        (await test.GetAsync("other.localhost", "/api")).Body.ShouldBe("other /api");
    }

    [Fact]
    public async Task ARequestForAnUnknownHost_GetsA404ThatNamesTheHost()
    {
        await using var web = new TestBackend("web");
        await using var test = await TestEdge.StartAsync();
        await test.ApplyAsync(new EdgeBackend { Name = "web", Host = "web.localhost", PathPrefix = "/app", Servers = [new EdgeServer { Name = "s1", Address = web.Address }] });

        var (status, body) = await test.GetAsync("typo.localhost", "/app");
        var (pathStatus, pathBody) = await test.GetAsync("web.localhost", "/elsewhere");

        status.ShouldBe(HttpStatusCode.NotFound);
        body.ShouldBe("Capstan edge: no route for host 'typo.localhost' and path '/app'.\n");
        pathStatus.ShouldBe(HttpStatusCode.NotFound);
        pathBody.ShouldContain("'web.localhost'");
        web.Requests.ShouldBe(0);
    }

    [Fact]
    public async Task Weights3To1_SplitRequestsThreeToOne()
    {
        await using var heavy = new TestBackend("heavy");
        await using var light = new TestBackend("light");
        await using var test = await TestEdge.StartAsync();
        await test.ApplyAsync(new EdgeBackend
        {
            Name = "web",
            Host = "web.localhost",
            Servers = [new EdgeServer { Name = "heavy", Address = heavy.Address, Weight = 75 }, new EdgeServer { Name = "light", Address = light.Address, Weight = 25 }],
        });

        var counts = await test.CountAsync("web.localhost", 400);

        counts.Keys.Order().ShouldBe(["heavy", "light"]);
        counts["heavy"].ShouldBeInRange(280, 320);
        counts["light"].ShouldBeInRange(80, 120);
    }

    [Fact]
    public async Task AServerSetToDrain_GetsNoNewRequests_AndTheOtherTakesThemAll()
    {
        await using var old = new TestBackend("old");
        await using var current = new TestBackend("new");
        await using var test = await TestEdge.StartAsync();
        EdgeBackend Web(EdgeServerState oldState) => new()
        {
            Name = "web",
            Host = "web.localhost",
            Servers = [new EdgeServer { Name = "old", Address = old.Address, State = oldState }, new EdgeServer { Name = "new", Address = current.Address }],
        };
        await test.ApplyAsync(Web(EdgeServerState.Ready));
        (await test.CountAsync("web.localhost", 10)).Keys.Order().ShouldBe(["new", "old"]);

        await test.ApplyAsync(Web(EdgeServerState.Drain));
        var before = old.Requests;
        var counts = await test.CountAsync("web.localhost", 100);

        counts.ShouldBe(new Dictionary<string, int> { ["new"] = 100 });
        old.Requests.ShouldBe(before);
        var state = (await test.Edge.RuntimeApi.ShowServersStateAsync("web", Ct).DefaultTimeout()).Single(s => s.Server == "old");
        state.State.ShouldBe(EdgeServerState.Drain);
        state.Weight.ShouldBe(100, "drain keeps the weight for when the server is ready again");
    }

    [Fact]
    public async Task ServersAddedAndRemoved_ChangeLive_WithoutAReload()
    {
        await using var first = new TestBackend("first");
        await using var second = new TestBackend("second");
        await using var test = await TestEdge.StartAsync();
        var one = new EdgeServer { Name = "i-1", Address = first.Address };
        var two = new EdgeServer { Name = "i-2", Address = second.Address };
        await test.ApplyAsync(new EdgeBackend { Name = "web", Host = "web.localhost", Servers = [one] });
        var worker = await test.Edge.RuntimeApi.TryGetWorkerPidAsync(Ct).DefaultTimeout();
        var reloads = test.Edge.Reloads;

        await test.ApplyAsync(new EdgeBackend { Name = "web", Host = "web.localhost", Servers = [one, two] });
        (await test.CountAsync("web.localhost", 20)).ShouldBe(new Dictionary<string, int> { ["first"] = 10, ["second"] = 10 });

        await test.ApplyAsync(new EdgeBackend { Name = "web", Host = "web.localhost", Servers = [two] });
        (await test.CountAsync("web.localhost", 10)).ShouldBe(new Dictionary<string, int> { ["second"] = 10 });

        test.Edge.Reloads.ShouldBe(reloads);
        (await test.Edge.RuntimeApi.TryGetWorkerPidAsync(Ct).DefaultTimeout()).ShouldBe(worker, "the same worker serves throughout");
        (await test.Edge.RuntimeApi.ShowServersStateAsync("web", Ct).DefaultTimeout()).Select(s => s.Server).ShouldBe(["i-2"]);
        File.ReadAllText(Path.Combine(test.Directory, "haproxy.cfg")).ShouldContain($"server i-2 {second.Address} weight 100");
        File.ReadAllText(Path.Combine(test.Directory, "haproxy.cfg")).ShouldNotContain("server i-1 ");
    }

    [Fact]
    public async Task AReloadForANewBackend_KeepsTheServersAddedAtRunTime()
    {
        await using var first = new TestBackend("first");
        await using var second = new TestBackend("second");
        await using var admin = new TestBackend("admin");
        await using var test = await TestEdge.StartAsync();
        var web = new EdgeBackend { Name = "web", Host = "web.localhost", Servers = [new EdgeServer { Name = "i-1", Address = first.Address }] };
        await test.ApplyAsync(web);
        web = web with { Servers = [.. web.Servers, new EdgeServer { Name = "i-2", Address = second.Address, Weight = 50 }] };
        await test.ApplyAsync(web);
        var reloads = test.Edge.Reloads;

        await test.ApplyAsync(web, new EdgeBackend { Name = "admin", Host = "admin.localhost", Servers = [new EdgeServer { Name = "a-1", Address = admin.Address }] });

        test.Edge.Reloads.ShouldBe(reloads + 1);
        (await test.GetAsync("admin.localhost")).Body.ShouldBe("admin /");
        (await test.CountAsync("web.localhost", 30)).ShouldBe(new Dictionary<string, int> { ["first"] = 20, ["second"] = 10 });
        var servers = await test.Edge.RuntimeApi.ShowServersStateAsync("web", Ct).DefaultTimeout();
        servers.Select(s => (s.Server, s.Weight, s.State)).ShouldBe([("i-1", 100, EdgeServerState.Ready), ("i-2", 50, EdgeServerState.Ready)]);
    }

    [Fact]
    public async Task Apply_RepeatedWithTheSameRoutes_ChangesNothing()
    {
        await using var web = new TestBackend("web");
        await using var test = await TestEdge.StartAsync();
        var routes = new EdgeBackend { Name = "web", Host = "web.localhost", Servers = [new EdgeServer { Name = "s1", Address = web.Address, Weight = 7, State = EdgeServerState.Drain }] };
        await test.ApplyAsync(routes);
        var config = File.ReadAllText(Path.Combine(test.Directory, "haproxy.cfg"));
        var reloads = test.Edge.Reloads;

        await test.ApplyAsync(routes);
        await test.ApplyAsync(routes);

        test.Edge.Reloads.ShouldBe(reloads);
        File.ReadAllText(Path.Combine(test.Directory, "haproxy.cfg")).ShouldBe(config);
    }

    [Fact]
    public async Task ConcurrentApplies_AreSerialized_AndHaproxyEndsAsTheFileSays()
    {
        await using var web = new TestBackend("web");
        await using var test = await TestEdge.StartAsync();
        EdgeBackend Routes(int i) => new()
        {
            Name = "web",
            Host = "web.localhost",
            Servers = [.. Enumerable.Range(0, i % 4 + 1).Select(s => new EdgeServer { Name = $"s{s}", Address = web.Address, Weight = i })],
        };

        await Task.WhenAll(Enumerable.Range(1, 8).Select(i => Task.Run(() => test.ApplyAsync(Routes(i))))).DefaultTimeout();

        var config = File.ReadAllText(Path.Combine(test.Directory, "haproxy.cfg"));
        var servers = await test.Edge.RuntimeApi.ShowServersStateAsync("web", Ct).DefaultTimeout();
        servers.ShouldNotBeEmpty();
        servers.Select(s => $"server {s.Server} {s.Address} weight {s.Weight}").ShouldBe(
            config[config.IndexOf("\nbackend web\n", StringComparison.Ordinal)..].Split('\n')
                .Where(l => l.TrimStart().StartsWith("server ", StringComparison.Ordinal)).Select(l => l.Trim()));
    }

    [Fact]
    public async Task GetCurrentConnections_CountsTheRequestsInFlight()
    {
        await using var slow = new TestBackend("slow") { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var test = await TestEdge.StartAsync();
        await test.ApplyAsync(new EdgeBackend { Name = "web", Host = "web.localhost", Servers = [new EdgeServer { Name = "s1", Address = slow.Address }] });

        var requests = Enumerable.Range(0, 2).Select(_ => test.GetAsync("web.localhost")).ToList();
        await Poll.UntilAsync(() => slow.InFlight == 2, "both requests reach the server", Ct).DefaultTimeout();

        (await test.Edge.GetCurrentConnectionsAsync("web", "s1", Ct).DefaultTimeout()).ShouldBe(2);
        slow.Gate.TrySetResult();
        await Task.WhenAll(requests).DefaultTimeout();
        await Poll.UntilAsync(async ct => await test.Edge.GetCurrentConnectionsAsync("web", "s1", ct) == 0, "the server is idle", TimeoutExtensions.DefaultTimeoutSpan, Ct).DefaultTimeout();
        await Should.ThrowAsync<EdgeException>(() => test.Edge.GetCurrentConnectionsAsync("web", "nope", Ct).DefaultTimeout());
    }

    [Fact]
    public async Task Apply_WithBadNames_SaysWhichValuesAreWrong_AndChangesNothing()
    {
        await using var test = await TestEdge.StartAsync();
        var config = File.ReadAllText(Path.Combine(test.Directory, "haproxy.cfg"));

        var error = await Should.ThrowAsync<EdgeException>(() => test.ApplyAsync(
            new EdgeBackend { Name = "hello web", Host = "web.localhost", Servers = [new EdgeServer { Name = "i/1", Address = "127.0.0.1:1" }] }));

        error.Message.ShouldContain("backend 'hello web': the name may hold only letters, digits");
        error.Message.ShouldContain("server 'i/1': the name may hold only letters, digits");
        File.ReadAllText(Path.Combine(test.Directory, "haproxy.cfg")).ShouldBe(config);
    }
}
