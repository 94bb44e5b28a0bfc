using Capstan.Edge.Convergence;
using Capstan.Edge.Routing;
using Capstan.Edge.Runtime;

namespace Capstan.Edge.Tests.Convergence;

/// <summary>The diff between desired servers and HAProxy's <c>show servers state</c>.</summary>
public sealed class ServerPlanTests
{
    private static ServerStateRow Row(string name, string address = "127.0.0.1:1", int weight = 100, int admin = 0) => new()
    {
        Backend = "web",
        Server = name,
        Address = address,
        Weight = weight,
        AdminFlags = admin,
        OperationalState = 2,
    };

    private static EdgeBackend Web(params EdgeServer[] servers) => new() { Name = "web", Host = "web.localhost", Servers = servers };

    [Fact]
    public void For_AddsMissing_UpdatesWhatDiffers_DeletesTheRest_InThatOrder()
    {
        var plan = ServerPlan.For(
            Web(
                new EdgeServer { Name = "gone-soon", Address = "127.0.0.1:1", Weight = 100 },
                new EdgeServer { Name = "moved", Address = "127.0.0.1:2", Weight = 10 },
                new EdgeServer { Name = "new", Address = "127.0.0.1:3", Weight = 5, State = EdgeServerState.Drain }),
            [Row("removed"), Row("moved", "127.0.0.1:9", 100), Row("gone-soon")]);

        plan.Select(c => (c.Kind, c.Server)).ShouldBe([
            (ServerChangeKind.Add, "new"),
            (ServerChangeKind.Update, "moved"),
            (ServerChangeKind.Delete, "removed"),
        ]);
        plan[0].ShouldBe(new ServerChange { Kind = ServerChangeKind.Add, Backend = "web", Server = "new", Address = "127.0.0.1:3", Weight = 5, State = EdgeServerState.Drain });
        plan[1].ShouldBe(new ServerChange { Kind = ServerChangeKind.Update, Backend = "web", Server = "moved", Address = "127.0.0.1:2", Weight = 10 });
    }

    [Fact]
    public void For_ADrainedServerReloadedFromTheConfiguration_IsPutBackInDrainWithItsWeight()
    {
        // The configuration writes a drained server as "weight 0": after a reload HAProxy reports it ready at weight 0.
        var plan = ServerPlan.For(
            Web(new EdgeServer { Name = "old", Address = "127.0.0.1:1", Weight = 100, State = EdgeServerState.Drain }),
            [Row("old", weight: 0)]);

        plan.ShouldHaveSingleItem().ShouldBe(new ServerChange
        {
            Kind = ServerChangeKind.Update,
            Backend = "web",
            Server = "old",
            Weight = 100,
            State = EdgeServerState.Drain,
        });
    }

    [Theory]
    [InlineData(0x00, EdgeServerState.Ready)]
    [InlineData(0x04, EdgeServerState.Ready)] // "disabled" in the configuration, since enabled
    [InlineData(0x05, EdgeServerState.Maint)]
    [InlineData(0x01, EdgeServerState.Maint)]
    [InlineData(0x20, EdgeServerState.Maint)]
    [InlineData(0x08, EdgeServerState.Drain)]
    [InlineData(0x09, EdgeServerState.Maint)]
    public void TheAdminFlags_ReadAsAState(int flags, EdgeServerState state)
    {
        Row("s", admin: flags).State.ShouldBe(state);
    }

    [Fact]
    public void For_ServersThatMatch_GiveNoChange()
    {
        ServerPlan.For(
            Web(new EdgeServer { Name = "a", Address = "[::1]:1", Weight = 3, State = EdgeServerState.Maint }),
            [Row("a", "[::1]:1", 3, admin: 0x05)]).ShouldBeEmpty();
    }
}
