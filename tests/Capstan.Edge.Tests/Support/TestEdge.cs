using System.Net;
using Capstan.Edge.Lifecycle;
using Capstan.Edge.Routing;
using Capstan.Testing;

namespace Capstan.Edge.Tests.Support;

/// <summary>
/// An edge for one test: its own temp directory and port, an HTTP client that talks to it with any Host header, and a
/// cleanup that stops its HAProxy whatever state the test left it in.
/// </summary>
internal sealed class TestEdge : IAsyncDisposable
{
    private readonly TempDirectory _folder = new("capstan-edge-");

    private TestEdge(TimeProvider timeProvider)
    {
        TimeProvider = timeProvider;
        Options = new EdgeOptions { Directory = _folder.Path, Port = FreePort.Get() };
        Client = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) }) { Timeout = TimeSpan.FromSeconds(15) };
    }

    public EdgeOptions Options { get; }

    public TimeProvider TimeProvider { get; }

    public HttpClient Client { get; }

    /// <summary>The edge started last.</summary>
    public HaproxyEdge Edge { get; private set; } = null!;

    public string Directory => _folder.Path;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<TestEdge> StartAsync(TimeProvider? timeProvider = null)
    {
        var test = new TestEdge(timeProvider ?? TimeProvider.System);
        try
        {
            await test.StartEdgeAsync();
            return test;
        }
        catch
        {
            await test.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts (or adopts) the edge of this directory again, as a restarted Capstan would.</summary>
    public async Task<HaproxyEdge> StartEdgeAsync()
    {
        Edge = await HaproxyEdge.StartAsync(Options, TimeProvider, Ct).DefaultTimeout();
        return Edge;
    }

    public Task ApplyAsync(params EdgeBackend[] backends) =>
        Edge.ApplyAsync(new EdgeRoutes { Backends = backends }, Ct).DefaultTimeout();

    public async Task<(HttpStatusCode Status, string Body)> GetAsync(string host, string path = "/")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{Options.Port}{path}");
        request.Headers.Host = host;
        using var response = await Client.SendAsync(request, Ct).DefaultTimeout();
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct).DefaultTimeout());
    }

    /// <summary>Sends <paramref name="count"/> requests one after another and counts the answers by body.</summary>
    public async Task<Dictionary<string, int>> CountAsync(string host, int count, string path = "/")
    {
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < count; i++)
        {
            var (status, body) = await GetAsync(host, path);
            var key = status == HttpStatusCode.OK ? body.Split(' ')[0] : $"HTTP {(int)status}";
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }

        return counts;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (Edge is not null)
        {
            try
            {
                await Edge.StopAsync(CancellationToken.None).DefaultTimeout();
            }
            catch (ObjectDisposedException)
            {
                // The test disposed the edge to leave HAProxy running; the sweep below stops it.
            }
            finally
            {
                await Edge.DisposeAsync();
            }
        }

        // Whatever the test did, no HAProxy of this directory outlives it.
        var pidFile = Path.Combine(Directory, "haproxy.pid");
        if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid) && ProcessTable.IsRunning(pid))
        {
            ProcessTable.Signal(pid, ProcessTable.SigKill);
        }

        _folder.Dispose();
    }
}
