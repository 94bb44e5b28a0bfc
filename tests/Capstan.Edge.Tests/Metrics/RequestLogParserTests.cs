using System.Net.Sockets;
using System.Text;
using Capstan.Edge.Metrics;
using Capstan.Testing;

namespace Capstan.Edge.Tests.Metrics;

/// <summary>The request log line format: what is read, and what is refused without an exception.</summary>
public sealed class RequestLogParserTests
{
    [Fact]
    public void TryParse_ReadsEveryFieldOfALineHaproxyWrote()
    {
        var line = "capstan2 hello-staging-web i-abc123 200 12 --\n"u8;

        RequestLogParser.TryParse(line, out var entry).ShouldBeTrue();

        Encoding.ASCII.GetString(entry.Backend).ShouldBe("hello-staging-web");
        Encoding.ASCII.GetString(entry.Server).ShouldBe("i-abc123");
        entry.Status.ShouldBe(200);
        entry.TotalMs.ShouldBe(12);
        Encoding.ASCII.GetString(entry.Termination).ShouldBe("--");
    }

    [Fact]
    public void TryParse_ReadsALineWithoutServer_AndOneWithoutResponse()
    {
        RequestLogParser.TryParse("capstan2 capstan_no_route <NOSRV> 404 0 LR"u8, out var noRoute).ShouldBeTrue();
        Encoding.ASCII.GetString(noRoute.Server).ShouldBe("<NOSRV>");
        Encoding.ASCII.GetString(noRoute.Termination).ShouldBe("LR");

        RequestLogParser.TryParse("capstan2 web s2 -1 -1 CD\r\n"u8, out var aborted).ShouldBeTrue();
        aborted.Status.ShouldBe(-1);
        aborted.TotalMs.ShouldBe(-1);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    [InlineData("capstan1 web s1 200 1 1 0 0 10 -- 0 GET /")]
    [InlineData("capstan3 web s1 200 1 --")]
    [InlineData("capstan2 web s1 200 1")]
    [InlineData("capstan2 web s1 OK 1 --")]
    [InlineData("capstan2 web s1 200 ten --")]
    [InlineData("capstan2 web s1 200 1 -")]
    [InlineData("capstan2 web s1 200 1 -- GET /")]
    [InlineData("capstan2  s1 200 1 --")]
    [InlineData("capstan2 web s1 99999999999 1 --")]
    [InlineData("<134>Nov 22 14:08:41 haproxy[18168]: 127.0.0.1:40000 [22/Nov/2026:14:08:41.001] fe be/s1 0/0/0/1/1 200 100 - - ---- 1/1/0/0/0 0/0 \"GET / HTTP/1.1\"")]
    public void TryParse_RefusesALineOfAnotherShape(string line)
    {
        RequestLogParser.TryParse(Encoding.UTF8.GetBytes(line), out _).ShouldBeFalse();
    }

    [Fact]
    public void TryParse_RefusesBinaryGarbage_WithoutThrowing()
    {
        var random = new Random(42);
        var buffer = new byte[200];
        for (var i = 0; i < 2000; i++)
        {
            random.NextBytes(buffer);
            RequestLogParser.TryParse(buffer.AsSpan(0, random.Next(buffer.Length)), out _).ShouldBeFalse();
        }
    }

    [Fact]
    public async Task TheListener_CountsRequests_KeepsHaproxysMessages_AndSkipsAndCountsTheRest()
    {
        var metrics = new RequestMetrics(new ManualClock());
        var listener = EdgeLogListener.Start(Path.Combine(Path.GetTempPath(), $"capstan-log-{Guid.NewGuid():N}.sock"), metrics);
        await using (listener)
        {
            listener.Process("capstan2 web s1 200 5 --\n"u8);
            listener.Process("Server web/s2 is going DOWN for maintenance.\ncapstan2 web s1 500 7 --\n\n"u8);
            listener.Process("capstan2 web s1 200 broken\n"u8);
            listener.Process([0xff, 0xfe, 0x00, (byte)'\n']);

            listener.Lines.ShouldBe(5);
            listener.UnparseableLines.ShouldBe(2);
            listener.MessageLines.ShouldBe(1);
            listener.RecentMessages.ShouldBe(["Server web/s2 is going DOWN for maintenance."]);
            var stats = metrics.Snapshot("web", "s1", TimeSpan.FromSeconds(10));
            stats.Requests.ShouldBe(2);
            stats.ServerErrors.ShouldBe(1);
        }

        File.Exists(listener.SocketPath).ShouldBeFalse("the socket file is removed on dispose");
    }

    [Fact]
    public async Task TheListener_ReplacesAStaleSocketFile_AndReadsLinesSplitAnywhereAcrossWritesAndConnections()
    {
        var metrics = new RequestMetrics(new ManualClock());
        var path = Path.Combine(Path.GetTempPath(), $"capstan-log-{Guid.NewGuid():N}.sock");
        File.WriteAllText(path, "left by a crashed Capstan");
        var listener = EdgeLogListener.Start(path, metrics);
        await using (listener)
        {
            using var first = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            using var second = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await first.ConnectAsync(new UnixDomainSocketEndPoint(path), Ct);
            await second.ConnectAsync(new UnixDomainSocketEndPoint(path), Ct);

            // 300 lines written in pieces of every size from 1 to 17 bytes, so that lines are cut at every position;
            // a second connection (an old worker during a reload) writes meanwhile.
            var text = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, 300).Select(i => $"capstan2 web s1 {(i % 10 == 0 ? 500 : 200)} {i % 7} --\n")));
            var fromSecond = 0;
            for (int offset = 0, size = 1, piece = 0; offset < text.Length; offset += size, size = size % 17 + 1, piece++)
            {
                await first.SendAsync(text.AsMemory(offset, Math.Min(size, text.Length - offset)), SocketFlags.None, Ct);
                if (piece % 50 == 0)
                {
                    await second.SendAsync("capstan2 web s2 200 1 --\n"u8.ToArray(), SocketFlags.None, Ct);
                    fromSecond++;
                }
            }

            // Each connection has a reader of its own: wait for both.
            await Poll.UntilAsync(
                () => metrics.Snapshot("web", "s1", TimeSpan.FromSeconds(1)).Requests == 300 && metrics.Snapshot("web", "s2", TimeSpan.FromSeconds(1)).Requests == fromSecond,
                "every line of both connections is counted",
                Ct).DefaultTimeout();
            metrics.Snapshot("web", "s1", TimeSpan.FromSeconds(1)).ServerErrors.ShouldBe(30);
            fromSecond.ShouldBeGreaterThan(1);
            listener.UnparseableLines.ShouldBe(0);
            listener.Connections.ShouldBe(2);
        }
    }

    [Fact]
    public async Task TheListener_SkipsALineLongerThanHaproxyWrites_AndReadsTheNextOne()
    {
        var metrics = new RequestMetrics(new ManualClock());
        var path = Path.Combine(Path.GetTempPath(), $"capstan-log-{Guid.NewGuid():N}.sock");
        var listener = EdgeLogListener.Start(path, metrics);
        await using (listener)
        {
            using var sender = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await sender.ConnectAsync(new UnixDomainSocketEndPoint(path), Ct);
            var huge = new byte[100_000];
            huge.AsSpan().Fill((byte)'x');
            await sender.SendAsync(huge, SocketFlags.None, Ct);
            await sender.SendAsync("xxx\ncapstan2 web s1 200 1 --\n"u8.ToArray(), SocketFlags.None, Ct);

            await Poll.UntilAsync(() => metrics.Snapshot("web", "s1", TimeSpan.FromSeconds(1)).Requests == 1, "the line after the long one is counted", Ct).DefaultTimeout();
            listener.UnparseableLines.ShouldBe(1, "the long line is counted once");
            listener.Lines.ShouldBe(2);
        }
    }

    [Fact]
    public async Task ParsingAndCounting_AnExistingServersLine_AllocatesNothing()
    {
        var metrics = new RequestMetrics(new ManualClock());
        var listener = EdgeLogListener.Start(Path.Combine(Path.GetTempPath(), $"capstan-log-{Guid.NewGuid():N}.sock"), metrics);
        await using (listener)
        {
            var line = "capstan2 hello-staging-web i-abc123 200 12 --\n"u8.ToArray();
            for (var i = 0; i < 100; i++)
            {
                listener.Process(line);
            }

            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 10_000; i++)
            {
                listener.Process(line);
            }

            (GC.GetAllocatedBytesForCurrentThread() - before).ShouldBe(0, "spans over the received bytes, a stack key, an existing series");
            metrics.Snapshot("hello-staging-web", "i-abc123", TimeSpan.FromSeconds(1)).Requests.ShouldBe(10_100);
        }
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;
}
