using System.Net;
using System.Text;
using Capstan.Observability.Exposition;
using Capstan.Observability.Metrics;
using Capstan.Testing;

namespace AlertBench;

/// <summary>
/// <c>GET /metrics</c> on a free 127.0.0.1 port: the newest sample of every series of a <see cref="SeriesStore"/>, written
/// by <see cref="PrometheusTextWriter"/> as Capstan's own <c>/metrics</c> writes it. <c>beforeScrape</c> runs first on
/// every request (the benchmark appends the samples of that moment).
/// </summary>
internal sealed class MetricsEndpoint : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly SeriesStore _store;
    private readonly Action<DateTimeOffset> _beforeScrape;
    private readonly Task _serving;
    private int _scrapes;

    private MetricsEndpoint(HttpListener listener, int port, SeriesStore store, Action<DateTimeOffset> beforeScrape)
    {
        _listener = listener;
        _store = store;
        _beforeScrape = beforeScrape;
        Target = $"127.0.0.1:{port}";
        _serving = ServeAsync();
    }

    /// <summary><c>127.0.0.1:PORT</c>, a Prometheus scrape target.</summary>
    public string Target { get; }

    public int Scrapes => Volatile.Read(ref _scrapes);

    public static MetricsEndpoint Start(SeriesStore store, Action<DateTimeOffset> beforeScrape)
    {
        var (listener, port) = FreePort.StartHttpListener();
        return new MetricsEndpoint(listener, port, store, beforeScrape);
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }

            // One scrape at a time, as one Prometheus sends them.
            try
            {
                _beforeScrape(DateTimeOffset.UtcNow);
                var body = Encoding.UTF8.GetBytes(_store.Exposition());
                context.Response.ContentType = PrometheusTextWriter.ContentType;
                context.Response.ContentLength64 = body.Length;
                await context.Response.OutputStream.WriteAsync(body);
                Interlocked.Increment(ref _scrapes);
            }
            catch (Exception ex) when (ex is HttpListenerException or IOException)
            {
                // The scraper gave up (its timeout); the next scrape is answered anew.
            }
            finally
            {
                context.Response.Close();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        await _serving;
        _listener.Close();
    }
}
