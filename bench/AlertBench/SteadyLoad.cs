using System.Collections.Concurrent;
using System.Diagnostics;

namespace AlertBench;

/// <summary>One request of the load: when it was sent and answered (stopwatch timestamps), and the status (0: no answer).</summary>
internal readonly record struct Answer(long Sent, long Done, int Status)
{
    public bool Failed => Status != 200;
}

/// <summary>
/// An open-loop load on GET / through the edge (as bench/DeployBench's RateLoad, on keep-alive connections only):
/// <c>rate</c> requests per second sent on schedule whether or not earlier ones were answered, so an outage shows up
/// as failed answers, never as fewer requests. Each answer is kept with its timestamps.
/// </summary>
internal sealed class SteadyLoad : IAsyncDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<Answer> _answers = new();
    private readonly ConcurrentDictionary<Task, bool> _inFlight = new();
    private readonly HttpClient _client;
    private readonly Uri _uri;
    private readonly string _host;
    private readonly Task _dispatcher;

    public SteadyLoad(Uri uri, string host, int rate)
    {
        _uri = uri;
        _host = host;
        Rate = rate;
        _client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 32, PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { Timeout = Timeout.InfiniteTimeSpan };
        Started = Stopwatch.GetTimestamp();
        _dispatcher = Task.Run(DispatchAsync);
    }

    public int Rate { get; }

    public long Started { get; }

    /// <summary>The answers received so far.</summary>
    public IReadOnlyList<Answer> Answers => [.. _answers];

    private async Task DispatchAsync()
    {
        long sent = 0;
        while (!_stop.IsCancellationRequested)
        {
            var due = (long)(Stopwatch.GetElapsedTime(Started).TotalSeconds * Rate);
            for (; sent < due; sent++)
            {
                var request = SendAsync();
                _inFlight[request] = true;
                _ = request.ContinueWith(t => _inFlight.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            try
            {
                await Task.Delay(5, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task SendAsync()
    {
        var sent = Stopwatch.GetTimestamp();
        using var timeout = new CancellationTokenSource(RequestTimeout);
        var status = 0;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, _uri);
            request.Headers.Host = _host;
            using var response = await _client.SendAsync(request, timeout.Token);
            await response.Content.ReadAsStringAsync(timeout.Token);
            status = (int)response.StatusCode;
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException)
        {
            // A timeout or a socket error: a failed answer, status 0.
        }

        _answers.Enqueue(new Answer(sent, Stopwatch.GetTimestamp(), status));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _dispatcher;
        await Task.WhenAll(_inFlight.Keys);
        _client.Dispose();
        _stop.Dispose();
    }
}
