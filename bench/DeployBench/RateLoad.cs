using System.Collections.Concurrent;
using System.Diagnostics;

namespace DeployBench;

/// <summary>One request of a load: when it was sent and answered (stopwatch timestamps), and how.</summary>
internal sealed record Sample(long Sent, long Done, bool NewConnection, int Status, string? Body, string? Error)
{
    /// <summary>A 200 whose body is a bare version ("v2"): anything else is a failed request.</summary>
    public bool Ok => Status == 200 && Error is null;

    public string Failure => Error ?? $"HTTP {Status}{(Body is { Length: > 0 and < 80 } b ? $" \"{b.Trim()}\"" : "")}";
}

/// <summary>
/// An open-loop load on GET / through the edge, on loopback: <c>rate</c> requests per second that keep their
/// connection alive (a pool of up to 64) and as many more that each open a new connection (<c>Connection: close</c>).
/// Requests are sent on schedule whether or not earlier ones were answered, so a stall shows up as failures or late
/// answers instead of as fewer requests.
/// </summary>
internal sealed class RateLoad : IAsyncDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<Sample> _samples = new();
    private readonly ConcurrentQueue<Task> _requests = new();
    private readonly HttpClient _keepAlive;
    private readonly HttpClient _newConnections;
    private readonly Task[] _dispatchers;
    private readonly Uri _uri;

    public RateLoad(Uri uri, int ratePerKind)
    {
        _uri = uri;
        _keepAlive = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { Timeout = Timeout.InfiniteTimeSpan };
        _newConnections = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024 }) { Timeout = Timeout.InfiniteTimeSpan };
        Started = Stopwatch.GetTimestamp();
        _dispatchers = [Task.Run(() => DispatchAsync(_keepAlive, false, ratePerKind)), Task.Run(() => DispatchAsync(_newConnections, true, ratePerKind))];
    }

    public long Started { get; }

    public long Stopped { get; private set; }

    public IReadOnlyCollection<Sample> Samples => _samples;

    private async Task DispatchAsync(HttpClient client, bool newConnection, int rate)
    {
        long sent = 0;
        while (!_stop.IsCancellationRequested)
        {
            var due = (long)(Stopwatch.GetElapsedTime(Started).TotalSeconds * rate);
            for (; sent < due; sent++)
            {
                _requests.Enqueue(SendAsync(client, newConnection));
            }

            try
            {
                await Task.Delay(2, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task SendAsync(HttpClient client, bool newConnection)
    {
        var sent = Stopwatch.GetTimestamp();
        using var timeout = new CancellationTokenSource(RequestTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, _uri);
            request.Headers.Host = BenchServer.Host;
            request.Headers.ConnectionClose = newConnection;
            using var response = await client.SendAsync(request, timeout.Token);
            var body = await response.Content.ReadAsStringAsync(timeout.Token);
            _samples.Enqueue(new Sample(sent, Stopwatch.GetTimestamp(), newConnection, (int)response.StatusCode, body, null));
        }
        catch (OperationCanceledException)
        {
            _samples.Enqueue(new Sample(sent, Stopwatch.GetTimestamp(), newConnection, 0, null, $"timeout after {RequestTimeout.TotalSeconds:0} s"));
        }
        catch (HttpRequestException ex)
        {
            var socket = ex.InnerException is System.Net.Sockets.SocketException s ? s.SocketErrorCode.ToString() : ex.HttpRequestError.ToString();
            _samples.Enqueue(new Sample(sent, Stopwatch.GetTimestamp(), newConnection, 0, null, $"socket error: {socket}"));
        }
    }

    /// <summary>Stops sending and waits for the requests under way.</summary>
    public async Task StopAsync()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        await _stop.CancelAsync();
        Stopped = Stopwatch.GetTimestamp();
        await Task.WhenAll(_dispatchers);
        await Task.WhenAll(_requests);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _keepAlive.Dispose();
        _newConnections.Dispose();
        _stop.Dispose();
    }
}

internal static class Time
{
    public static double Ms(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;

    public static bool IsVersion(Sample sample, string version) => sample.Ok && sample.Body == version;
}
