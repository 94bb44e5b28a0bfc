using System.Net.Sockets;
using System.Text;
using Capstan.Edge.Metrics;
using Capstan.Edge.Tests.Support;
using Capstan.Testing;

namespace Capstan.Edge.Tests.Metrics;

/// <summary>The request log line format: what is read, and what is refused without an exception.</summary>
public sealed class RequestLogParserTests
{
    [Fact]
    public void TryParse_ReadsEveryFieldOfALineHaproxyWrote()
    {
        var line = "capstan1 hello-staging-web i-abc123 200 12 8 0 1 512 -- 0 GET /api/users?id=1 HTTP\n"u8;

        RequestLogParser.TryParse(line, out var entry).ShouldBeTrue();

        Encoding.ASCII.GetString(entry.Backend).ShouldBe("hello-staging-web");
        Encoding.ASCII.GetString(entry.Server).ShouldBe("i-abc123");
        entry.Status.ShouldBe(200);
        entry.TotalMs.ShouldBe(12);
        entry.ResponseMs.ShouldBe(8);
        entry.QueueMs.ShouldBe(0);
        entry.ConnectMs.ShouldBe(1);
        entry.Bytes.ShouldBe(512);
        Encoding.ASCII.GetString(entry.Termination).ShouldBe("--");
        entry.Retries.ShouldBe(0);
        entry.Redispatched.ShouldBeFalse();
        Encoding.ASCII.GetString(entry.Method).ShouldBe("GET");
        Encoding.ASCII.GetString(entry.Uri).ShouldBe("/api/users?id=1 HTTP", "the URI runs to the end of the line, spaces and all");
    }

    [Fact]
    public void TryParse_ReadsALineWithoutServer_AndARedispatchedRetry()
    {
        RequestLogParser.TryParse("capstan1 capstan_no_route <NOSRV> 404 0 -1 -1 -1 106 LR 0 GET /x"u8, out var noRoute).ShouldBeTrue();
        Encoding.ASCII.GetString(noRoute.Server).ShouldBe("<NOSRV>");
        noRoute.ResponseMs.ShouldBe(-1);
        Encoding.ASCII.GetString(noRoute.Termination).ShouldBe("LR");

        RequestLogParser.TryParse("capstan1 web s2 200 3 1 0 0 20 -- +1 GET /"u8, out var retried).ShouldBeTrue();
        retried.Retries.ShouldBe(1);
        retried.Redispatched.ShouldBeTrue();
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    [InlineData("capstan2 web s1 200 1 1 0 0 10 -- 0 GET /")]
    [InlineData("capstan1 web s1 200 1 1 0 0 10 -- 0")]
    [InlineData("capstan1 web s1 OK 1 1 0 0 10 -- 0 GET /")]
    [InlineData("capstan1 web s1 200 1 1 0 0 ten -- 0 GET /")]
    [InlineData("capstan1 web s1 200 1 1 0 0 10 -- x GET /")]
    [InlineData("capstan1  s1 200 1 1 0 0 10 -- 0 GET /")]
    [InlineData("capstan1 web s1 99999999999 1 1 0 0 10 -- 0 GET /")]
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
            listener.Process("capstan1 web s1 200 5 4 0 0 10 -- 0 GET /\n"u8);
            listener.Process("Server web/s2 is going DOWN for maintenance.\ncapstan1 web s1 500 7 6 0 0 10 -- 0 GET /\n\n"u8);
            listener.Process("capstan1 web s1 200 broken\n"u8);
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
    public async Task TheListener_ReplacesAStaleSocketFile_AndReceivesRealDatagrams()
    {
        var metrics = new RequestMetrics(new ManualClock());
        var path = Path.Combine(Path.GetTempPath(), $"capstan-log-{Guid.NewGuid():N}.sock");
        File.WriteAllText(path, "left by a crashed Capstan");
        var listener = EdgeLogListener.Start(path, metrics);
        await using (listener)
        {
            using var sender = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            sender.SendTo("capstan1 web s1 200 5 4 0 0 10 -- 0 GET /\n"u8, new UnixDomainSocketEndPoint(path));

            await Poll.UntilAsync(() => metrics.Snapshot("web", "s1", TimeSpan.FromSeconds(1)).Requests == 1, "the datagram is counted", TestContext.Current.CancellationToken)
                .DefaultTimeout();
        }
    }

    [Fact]
    public async Task ParsingAndCounting_AnExistingServersLine_AllocatesNothing()
    {
        var metrics = new RequestMetrics(new ManualClock());
        var listener = EdgeLogListener.Start(Path.Combine(Path.GetTempPath(), $"capstan-log-{Guid.NewGuid():N}.sock"), metrics);
        await using (listener)
        {
            var line = "capstan1 hello-staging-web i-abc123 200 12 8 0 1 512 -- 0 GET /api/users?id=1\n"u8.ToArray();
            for (var i = 0; i < 100; i++)
            {
                listener.Process(line);
            }

            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 10_000; i++)
            {
                listener.Process(line);
            }

            (GC.GetAllocatedBytesForCurrentThread() - before).ShouldBe(0, "spans over the datagram, a stack key, an existing series");
            metrics.Snapshot("hello-staging-web", "i-abc123", TimeSpan.FromSeconds(1)).Requests.ShouldBe(10_100);
        }
    }
}
