using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Capstan.Testing;

namespace Capstan.Observability.Tests.Alerting;

/// <summary>A request the test HTTP server received.</summary>
internal sealed record RecordedRequest(string Method, string PathAndQuery, string? ContentType, string Body);

/// <summary>An HTTP server on 127.0.0.1 that records every request and answers with the statuses it is given, then 200.</summary>
internal sealed class RecordingHttpServer : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly ConcurrentQueue<int> _statuses = new();
    private readonly Task _serving;

    public RecordingHttpServer(params int[] statuses)
    {
        foreach (var status in statuses)
        {
            _statuses.Enqueue(status);
        }

        (_listener, Port) = FreePort.StartHttpListener();
        _serving = ServeAsync();
    }

    public int Port { get; }

    public string Url(string pathAndQuery) => $"http://127.0.0.1:{Port}{pathAndQuery}";

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

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

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            Requests.Enqueue(new RecordedRequest(context.Request.HttpMethod, context.Request.Url!.PathAndQuery, context.Request.ContentType, body));
            var status = _statuses.TryDequeue(out var next) ? next : 200;
            context.Response.StatusCode = status;
            // An answer that repeats the request's URL, as some servers do in errors: the secret in it must be masked.
            var answer = Encoding.UTF8.GetBytes(status == 200 ? "ok" : $"failed for {context.Request.Url!.PathAndQuery}");
            await context.Response.OutputStream.WriteAsync(answer);
            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _serving.DefaultTimeout();
    }
}

/// <summary>A message the test SMTP server accepted.</summary>
internal sealed record ReceivedMail(string From, IReadOnlyList<string> To, string Data);

/// <summary>
/// An SMTP server on 127.0.0.1 speaking just enough of RFC 5321 for SmtpClient: 220, EHLO, MAIL FROM, RCPT TO, DATA,
/// QUIT. It records each message.
/// </summary>
internal sealed class SmtpTestServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;

    public SmtpTestServer()
    {
        _listener.Start();
        _serving = ServeAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public ConcurrentQueue<ReceivedMail> Messages { get; } = new();

    /// <summary>Every command line received, in order.</summary>
    public ConcurrentQueue<string> Commands { get; } = new();

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            using (client)
            {
                await ConverseAsync(client.GetStream());
            }
        }
    }

    private async Task ConverseAsync(NetworkStream stream)
    {
        using var reader = new StreamReader(stream, Encoding.ASCII);
        await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
        await writer.WriteLineAsync("220 localhost test SMTP");
        string? from = null;
        var to = new List<string>();
        while (await reader.ReadLineAsync(_stop.Token) is { } line)
        {
            Commands.Enqueue(line);
            var verb = line.Split(' ', 2)[0].ToUpperInvariant();
            switch (verb)
            {
                case "EHLO":
                    await writer.WriteLineAsync("250-localhost");
                    await writer.WriteLineAsync("250 8BITMIME");
                    break;
                case "HELO":
                    await writer.WriteLineAsync("250 localhost");
                    break;
                case "MAIL":
                    from = Address(line);
                    to.Clear();
                    await writer.WriteLineAsync("250 OK");
                    break;
                case "RCPT":
                    to.Add(Address(line));
                    await writer.WriteLineAsync("250 OK");
                    break;
                case "DATA":
                    await writer.WriteLineAsync("354 End data with <CR><LF>.<CR><LF>");
                    var data = new StringBuilder();
                    while (await reader.ReadLineAsync(_stop.Token) is { } dataLine && dataLine != ".")
                    {
                        data.Append(dataLine.StartsWith("..", StringComparison.Ordinal) ? dataLine[1..] : dataLine).Append("\r\n");
                    }

                    Messages.Enqueue(new ReceivedMail(from ?? "", [.. to], data.ToString()));
                    await writer.WriteLineAsync("250 OK queued");
                    break;
                case "QUIT":
                    await writer.WriteLineAsync("221 Bye");
                    return;
                default:
                    await writer.WriteLineAsync("250 OK");
                    break;
            }
        }
    }

    private static string Address(string line)
    {
        var start = line.IndexOf('<', StringComparison.Ordinal);
        var end = line.IndexOf('>', StringComparison.Ordinal);
        return start >= 0 && end > start ? line[(start + 1)..end] : "";
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _serving.DefaultTimeout();
        }
        catch (OperationCanceledException)
        {
            // Stopped while a conversation was reading.
        }

        _stop.Dispose();
    }
}
