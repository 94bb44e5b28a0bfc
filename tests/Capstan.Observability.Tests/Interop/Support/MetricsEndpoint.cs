using System.Net;
using System.Text;
using Capstan.Observability.Exposition;
using Capstan.Testing;

namespace Capstan.Observability.Tests.Interop.Support;

/// <summary>
/// A <c>/metrics</c> endpoint on a free loopback port that serves fixed families, written by
/// <see cref="PrometheusTextWriter"/>, to requests with the right bearer token and answers 401 to the others, as a
/// Capstan service protecting its metrics does. It records the Authorization header of each request.
/// </summary>
internal sealed class MetricsEndpoint : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly string _token;
    private readonly byte[] _exposition;
    private readonly List<string> _authorizations = [];
    private readonly Task _serving;

    private MetricsEndpoint(HttpListener listener, int port, string token, IEnumerable<MetricFamily> families)
    {
        _listener = listener;
        _token = token;
        _exposition = Encoding.UTF8.GetBytes(PrometheusTextWriter.Write(families));
        Port = port;
        _serving = ServeAsync();
    }

    public int Port { get; }

    /// <summary>The endpoint as a scrape target, <c>127.0.0.1:PORT</c>.</summary>
    public string Target => $"127.0.0.1:{Port}";

    /// <summary>The Authorization header of each request so far ("" when it had none).</summary>
    public IReadOnlyList<string> Authorizations
    {
        get
        {
            lock (_authorizations)
            {
                return [.. _authorizations];
            }
        }
    }

    public static MetricsEndpoint Start(string token, IEnumerable<MetricFamily> families)
    {
        var (listener, port) = FreePort.StartHttpListener();
        return new MetricsEndpoint(listener, port, token, families);
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        await _serving;
        _listener.Close();
    }

    // One request at a time is enough for a scraper.
    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            var authorization = context.Request.Headers["Authorization"] ?? string.Empty;
            lock (_authorizations)
            {
                _authorizations.Add(authorization);
            }

            var response = context.Response;
            try
            {
                if (context.Request.Url?.AbsolutePath != "/metrics")
                {
                    response.StatusCode = 404;
                }
                else if (authorization != "Bearer " + _token)
                {
                    response.StatusCode = 401;
                    response.AddHeader("WWW-Authenticate", "Bearer");
                }
                else
                {
                    response.ContentType = PrometheusTextWriter.ContentType;
                    response.ContentLength64 = _exposition.Length;
                    await response.OutputStream.WriteAsync(_exposition);
                }

                response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or IOException)
            {
                // The scraper gave up on this request; the next scrape is another.
            }
        }
    }
}
