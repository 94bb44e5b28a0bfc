using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Capstan.Runtime.Health;

/// <summary>The outcome of one probe: passed, or why not. A failed probe is a value, not an exception.</summary>
internal readonly record struct ProbeResult(bool Passed, string? Failure)
{
    public static ProbeResult Pass { get; } = new(true, null);

    public static ProbeResult Fail(string why) => new(false, why);
}

/// <summary>
/// Probes instances on 127.0.0.1: an HTTP GET that must answer 2xx, or, without a path, a TCP connection that must be
/// accepted. One <see cref="HttpClient"/> over one <see cref="SocketsHttpHandler"/> serves every probe of a supervisor,
/// so probes reuse connections instead of opening one per probe.
/// </summary>
internal sealed class HealthProber : IDisposable
{
    private readonly SocketsHttpHandler _handler;
    private readonly HttpClient _client;
    private readonly TimeProvider _time;

    public HealthProber(TimeProvider time)
    {
        _time = time;
        _handler = CreateHandler();
        _client = new HttpClient(_handler, disposeHandler: false);
        _client.Timeout = Timeout.InfiniteTimeSpan; // each probe has its own
    }

    public async Task<ProbeResult> ProbeAsync(int port, string? path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = new CancellationTokenSource(timeout, _time);
        using var probe = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
        var what = path is null ? "TCP connect" : $"GET {path}";
        try
        {
            if (path is null)
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), probe.Token).ConfigureAwait(false);
                return ProbeResult.Pass;
            }

            var uri = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}{path}"));
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, probe.Token).ConfigureAwait(false);
            return response.IsSuccessStatusCode
                ? ProbeResult.Pass
                : ProbeResult.Fail(string.Create(CultureInfo.InvariantCulture, $"{what} answered {(int)response.StatusCode}"));
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return ProbeResult.Fail(string.Create(CultureInfo.InvariantCulture, $"{what} timed out after {timeout.TotalSeconds:0.###} s"));
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or IOException)
        {
            return ProbeResult.Fail($"{what}: {e.Message}");
        }
    }

    public void Dispose()
    {
        _client.Dispose();
        _handler.Dispose();
    }

    private static SocketsHttpHandler CreateHandler() => new()
    {
        UseProxy = false, // probes go to loopback, never through HTTP_PROXY
        AllowAutoRedirect = false,
        UseCookies = false,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
    };
}
