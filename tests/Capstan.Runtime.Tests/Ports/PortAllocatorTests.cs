using System.Net;
using System.Net.Sockets;
using Capstan.Runtime.Ports;
using Capstan.Runtime.Tests.Support;

namespace Capstan.Runtime.Tests.Ports;

public class PortAllocatorTests
{
    [Fact]
    public async Task Allocate_SkipsPortsHeldByKnownInstances()
    {
        await using var harness = new RuntimeHarness();
        var first = harness.Ports.First;
        var allocator = new PortAllocator(harness.Ports, start: first);

        var port = allocator.Allocate(p => p == first || p == first + 1);

        port.ShouldBe(first + 2);
    }

    [Fact]
    public async Task Allocate_SkipsAPortWhereAnotherProgramListens()
    {
        await using var harness = new RuntimeHarness();
        var allocator = new PortAllocator(harness.Ports, start: harness.Ports.First);
        var held = new HashSet<int> { allocator.Allocate(_ => false) };
        using var foreign = new TcpListener(IPAddress.Loopback, held.Single() + 1);
        foreign.Start();

        var next = allocator.Allocate(held.Contains);

        next.ShouldBe(held.Single() + 2);
        PortAllocator.IsFree(held.Single() + 1).ShouldBeFalse();
    }

    [Fact]
    public async Task Allocate_GoesRoundTheRange_AndSaysSoWhenNothingIsFree()
    {
        await using var harness = new RuntimeHarness();
        var range = new PortRange { First = harness.Ports.First, Last = harness.Ports.First + 2 };
        var allocator = new PortAllocator(range, start: range.First);
        var held = new HashSet<int>();

        for (var i = 0; i < 3; i++)
        {
            held.Add(allocator.Allocate(held.Contains));
        }

        held.ShouldBe([range.First, range.First + 1, range.Last], ignoreOrder: true);
        var error = Should.Throw<RuntimeException>(() => allocator.Allocate(held.Contains));
        error.Message.ShouldContain($"no free port in {range.First}-{range.Last}");
    }

    [Fact]
    public void ARangeTheWrongWayRound_IsRefused()
    {
        var error = Should.Throw<RuntimeException>(() => new PortAllocator(new PortRange { First = 30000, Last = 20000 }));

        error.Message.ShouldContain("30000-20000");
    }

    [Fact]
    public void IsFree_IsFalseWhileSomeoneListens_AndTrueAfterwards()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;

        PortAllocator.IsFree(port).ShouldBeFalse();
        listener.Close();
        PortAllocator.IsFree(port).ShouldBeTrue();
    }
}
