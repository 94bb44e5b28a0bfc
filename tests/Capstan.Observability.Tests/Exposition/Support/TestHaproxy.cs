using System.Diagnostics;
using System.Net.Sockets;
using Capstan.Testing;

namespace Capstan.Observability.Tests.Exposition.Support;

/// <summary>
/// A real HAProxy for one test, in the foreground (<c>-db</c>) on free loopback ports: a <c>prom</c> frontend serving
/// its Prometheus exporter on <c>/metrics</c>, a <c>web</c> frontend routing to two backends whose servers are an
/// <c>origin</c> frontend answering 200 (and, in <c>api</c>, one server that is down). Killed on dispose.
/// </summary>
internal sealed class TestHaproxy : IAsyncDisposable
{
    public const string Binary = "/usr/sbin/haproxy";

    private readonly TempDirectory _folder;
    private readonly Process _process;

    private TestHaproxy(TempDirectory folder, Process process, int metricsPort, int webPort)
    {
        _folder = folder;
        _process = process;
        MetricsPort = metricsPort;
        WebPort = webPort;
    }

    public int MetricsPort { get; }

    public int WebPort { get; }

    public Uri MetricsUrl => new($"http://127.0.0.1:{MetricsPort}/metrics");

    public Uri WebUrl => new($"http://127.0.0.1:{WebPort}/");

    /// <summary>The configuration file for the given ports, as the Data/README.md fixture was captured with.</summary>
    public static string Configuration(int metricsPort, int webPort, int originPort, int downPort) => $$"""
        global
            maxconn 256

        defaults
            mode http
            timeout connect 2s
            timeout client 10s
            timeout server 10s

        frontend prom
            bind 127.0.0.1:{{metricsPort}}
            http-request use-service prometheus-exporter if { path /metrics }
            http-request return status 404

        frontend web
            bind 127.0.0.1:{{webPort}}
            use_backend api if { path_beg /api }
            default_backend app

        frontend origin
            bind 127.0.0.1:{{originPort}}
            http-request return status 200 content-type text/plain string "ok\n"

        backend app
            balance roundrobin
            server app1 127.0.0.1:{{originPort}}
            server app2 127.0.0.1:{{originPort}}

        backend api
            option httpchk GET /
            server api1 127.0.0.1:{{originPort}} check inter 1s
            server api2 127.0.0.1:{{downPort}} check inter 1s

        """;

    public static async Task<TestHaproxy> StartAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException(
                $"HAProxy is not installed at {Binary}: the exposition tests scrape a real HAProxy's Prometheus exporter. "
                + "Install it with `apt-get install -y haproxy` (2.6 or later, built with USE_PROMEX).");
        }

        // A port is free when picked but may be taken before HAProxy binds it: try a few times.
        for (var attempt = 1; ; attempt++)
        {
            var haproxy = await TryStartAsync(cancellationToken);
            if (haproxy is not null)
            {
                return haproxy;
            }

            if (attempt == 3)
            {
                throw new InvalidOperationException("HAProxy did not start in three attempts; see the errors above.");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None).DefaultTimeout();
        }

        _process.Dispose();
        _folder.Dispose();
    }

    private static async Task<TestHaproxy?> TryStartAsync(CancellationToken cancellationToken)
    {
        var folder = new TempDirectory("capstan-expo-haproxy-");
        var (metrics, web, origin, down) = (FreePort.Get(), FreePort.Get(), FreePort.Get(), FreePort.Get());
        var config = folder.Write("haproxy.cfg", Configuration(metrics, web, origin, down));
        var startInfo = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            ArgumentList = { "-db", "-f", config },
        };
        var process = Process.Start(startInfo)!;
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        _ = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var haproxy = new TestHaproxy(folder, process, metrics, web);
        try
        {
            await Poll.UntilAsync(
                async ct => process.HasExited || await AcceptsAsync(metrics, ct),
                $"HAProxy listens on 127.0.0.1:{metrics}",
                TimeSpan.FromSeconds(20),
                cancellationToken);
        }
        catch
        {
            await haproxy.DisposeAsync();
            throw;
        }

        if (process.HasExited)
        {
            Console.Error.WriteLine($"HAProxy exited with {process.ExitCode}: {await errors}");
            await haproxy.DisposeAsync();
            return null;
        }

        return haproxy;
    }

    private static async Task<bool> AcceptsAsync(int port, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync("127.0.0.1", port, cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
