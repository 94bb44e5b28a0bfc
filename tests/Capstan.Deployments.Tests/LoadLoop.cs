using System.Collections.Concurrent;
using System.Net;

namespace Capstan.Deployments.Tests;

/// <summary>
/// Requests through the edge, without pause, until stopped: half the workers reuse keep-alive connections, half open
/// a new connection per request. Counts every failure (an exception or a status other than 200) and what answered.
/// </summary>
internal sealed class LoadLoop : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _workers;
    private readonly ConcurrentDictionary<string, int> _bodies = new();
    private readonly ConcurrentQueue<string> _failures = new();
    private long _requests;

    /// <param name="pause">A wait after each request of each worker (a paced load); none by default.</param>
    public LoadLoop(DeploymentFixture fixture, int workers = 4, TimeSpan? pause = null)
    {
        _pause = pause ?? TimeSpan.Zero;
        _workers = [.. Enumerable.Range(0, workers).Select(i => Task.Run(() => WorkAsync(fixture, newConnections: i % 2 == 1)))];
    }

    private readonly TimeSpan _pause;

    public long Requests => Interlocked.Read(ref _requests);

    public IReadOnlyCollection<string> Failures => _failures;

    public IReadOnlyDictionary<string, int> Bodies => _bodies;

    private async Task WorkAsync(DeploymentFixture fixture, bool newConnections)
    {
        using var client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { Timeout = TimeSpan.FromSeconds(10) };
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{fixture.EdgePort}/");
                request.Headers.Host = "staging.shop.localhost";
                request.Headers.ConnectionClose = newConnections;
                using var response = await client.SendAsync(request, _stop.Token);
                var body = await response.Content.ReadAsStringAsync(_stop.Token);
                Interlocked.Increment(ref _requests);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    _failures.Enqueue($"{(int)response.StatusCode}: {body}");
                }
                else
                {
                    _bodies.AddOrUpdate(body, 1, (_, n) => n + 1);
                }

                if (_pause > TimeSpan.Zero)
                {
                    await Task.Delay(_pause, _stop.Token);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                Interlocked.Increment(ref _requests);
                _failures.Enqueue(ex.Message);
            }
        }
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_workers);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        _stop.Dispose();
    }
}
