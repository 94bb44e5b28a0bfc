using System.Net;
using System.Net.Sockets;
using System.Text;
using Capstan.Testing;

namespace Capstan.Observability.Tests.Exposition.Support;

/// <summary>
/// An HTTP server on a loopback port that answers every request with what a test writes on the raw connection: a
/// status, a body larger than a limit, or nothing at all. It records the head of each request it received.
/// </summary>
internal sealed class RawHttpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Func<Stream, CancellationToken, Task> _respond;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _requests = [];
    private readonly List<Task> _serving = [];
    private readonly Task _accepting;

    private RawHttpServer(Func<Stream, CancellationToken, Task> respond)
    {
        _respond = respond;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    public Uri MetricsUrl => new($"http://127.0.0.1:{Port}/metrics");

    /// <summary>The request heads received so far (request line and headers).</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>A server that writes <paramref name="respond"/>'s output as the whole answer, then closes the connection.</summary>
    public static RawHttpServer Start(Func<Stream, CancellationToken, Task> respond) => new(respond);

    /// <summary>A server that answers with a status and a body, with or without a Content-Length.</summary>
    public static RawHttpServer Answering(int status, string reason, string body, bool chunked = false) =>
        Start(async (stream, ct) =>
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            var head = chunked
                ? $"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; version=0.0.4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                : $"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head), ct);
            if (!chunked)
            {
                await stream.WriteAsync(bytes, ct);
                return;
            }

            for (var offset = 0; offset < bytes.Length; offset += 8192)
            {
                var size = Math.Min(8192, bytes.Length - offset);
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"{size:x}\r\n"), ct);
                await stream.WriteAsync(bytes.AsMemory(offset, size), ct);
                await stream.WriteAsync("\r\n"u8.ToArray(), ct);
            }

            await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), ct);
        });

    /// <summary>A server that accepts connections and reads requests but never answers, until disposed.</summary>
    public static RawHttpServer NeverAnswering() =>
        Start((_, ct) => Task.Delay(Timeout.Infinite, ct));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopping the listener ends the accept loop one way or another.
        }

        // Each connection ends on the cancellation; wait for them so none uses the token source once it is disposed.
        Task[] serving;
        lock (_serving)
        {
            serving = [.. _serving];
        }

        await Task.WhenAll(serving).DefaultTimeout();
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            lock (_serving)
            {
                _serving.Add(ServeAsync(client));
            }
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var head = await ReadHeadAsync(stream, _stop.Token);
                lock (_requests)
                {
                    _requests.Add(head);
                }

                await _respond(stream, _stop.Token);
                await stream.FlushAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
            {
                // The test is over or the client went away (as a scraper does past its limit).
            }
        }
    }

    private static async Task<string> ReadHeadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var head = new StringBuilder();
        var buffer = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(buffer, cancellationToken) == 0)
            {
                break;
            }

            head.Append((char)buffer[0]);
        }

        return head.ToString();
    }
}
