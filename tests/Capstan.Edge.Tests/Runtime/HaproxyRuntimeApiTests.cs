using Capstan.Edge.Routing;
using Capstan.Edge.Tests.Support;
using Capstan.Testing;

namespace Capstan.Edge.Tests.Runtime;

/// <summary>The runtime API against a real HAProxy: commands that work, and HAProxy's refusals as clear errors.</summary>
public sealed class HaproxyRuntimeApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheVerifiedCommands_ChangeWhatShowServersStateReports()
    {
        await using var backend = new TestBackend("s2");
        await using var test = await TestEdge.StartAsync();
        await test.ApplyAsync(new EdgeBackend { Name = "be", Host = "be.localhost", Servers = [new EdgeServer { Name = "s1", Address = "127.0.0.1:19001" }] });
        var api = test.Edge.RuntimeApi;

        await api.AddServerAsync("be", "s2", backend.Address, 0, Ct).DefaultTimeout();
        (await api.ShowServersStateAsync("be", Ct).DefaultTimeout()).Single(s => s.Server == "s2").State.ShouldBe(EdgeServerState.Maint, "a dynamic server starts in maintenance");
        await api.EnableServerAsync("be", "s2", Ct).DefaultTimeout();
        await api.SetWeightAsync("be", "s2", 25, Ct).DefaultTimeout();
        await api.SetStateAsync("be", "s1", EdgeServerState.Drain, Ct).DefaultTimeout();
        await api.SetAddressAsync("be", "s1", "127.0.0.1:19009", Ct).DefaultTimeout();

        var servers = await api.ShowServersStateAsync("be", Ct).DefaultTimeout();
        servers.Select(s => (s.Server, s.Address, s.Weight, s.State)).ShouldBe([
            ("s1", "127.0.0.1:19009", 100, EdgeServerState.Drain),
            ("s2", backend.Address, 25, EdgeServerState.Ready),
        ]);
        (await test.GetAsync("be.localhost")).Body.ShouldBe("s2 /");
        (await api.ShowBackendsAsync(Ct).DefaultTimeout()).ShouldBe([RouteValidator.NoRouteBackendName, "be"]);
        (await api.ShowStatAsync(Ct).DefaultTimeout()).ShouldContain(r => r.Proxy == "be" && r.Name == "s2" && r.TotalSessions == 1);

        await api.DeleteServerAsync("be", "s2", Ct).DefaultTimeout();
        (await api.ShowServersStateAsync("be", Ct).DefaultTimeout()).Select(s => s.Server).ShouldBe(["s1"]);
    }

    [Fact]
    public async Task HaproxysRefusals_BecomeEdgeExceptionsQuotingIt()
    {
        await using var test = await TestEdge.StartAsync();
        await test.ApplyAsync(new EdgeBackend { Name = "be", Host = "be.localhost", Servers = [new EdgeServer { Name = "s1", Address = "127.0.0.1:19001" }] });
        var api = test.Edge.RuntimeApi;

        (await Should.ThrowAsync<EdgeException>(() => api.AddServerAsync("nope", "s2", "127.0.0.1:1", 1, Ct).DefaultTimeout()))
            .Message.ShouldBe("HAProxy refused 'add server nope/s2 127.0.0.1:1 weight 1': No such backend.");
        (await Should.ThrowAsync<EdgeException>(() => api.AddServerAsync("be", "s1", "127.0.0.1:1", 1, Ct).DefaultTimeout()))
            .Message.ShouldContain("Already exists a server with the same name in backend.");
        (await Should.ThrowAsync<EdgeException>(() => api.SetWeightAsync("be", "s9", 3, Ct).DefaultTimeout()))
            .Message.ShouldBe("HAProxy refused 'set server be/s9 weight 3': No such server.");
        (await Should.ThrowAsync<EdgeException>(() => api.ShowServersStateAsync("nope", Ct).DefaultTimeout()))
            .Message.ShouldContain("Can't find backend.");
        await Should.ThrowAsync<ArgumentException>(() => api.SetWeightAsync("be", "s1;reload", 3, Ct));
    }

    [Fact]
    public async Task ACommandToAStoppedHaproxy_SaysItDoesNotAnswer()
    {
        await using var test = await TestEdge.StartAsync();
        await test.Edge.StopAsync(Ct).DefaultTimeout();

        var error = await Should.ThrowAsync<EdgeException>(() => test.Edge.RuntimeApi.ShowStatAsync(Ct).DefaultTimeout());

        error.Message.ShouldContain("does not answer");
    }
}
