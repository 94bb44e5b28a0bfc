using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Capstan.Testing;

namespace Capstan.Edge.Tests.Support;

/// <summary>
/// A tiny HTTP/1.1 server on a free loopback port, standing for an instance behind the edge: it answers every GET with
/// its name (and the path), keeps connections alive like a real app, counts what it served, and can answer 500, wait
/// before answering, or die (stop listening and reset its connections, as a killed process does).
/// </summary>
internal sealed class TestBackend : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Socket, byte> _connections = new();
    private readonly Task _accepting;
    private int _requests;
    private int _inFlight;

    public TestBackend(string name)
    {
        Name = name;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = Task.Run(AcceptAsync);
    }

    public string Name { get; }

    public int Port { get; }

    /// <summary>The address for an edge server: <c>127.0.0.1:PORT</c>.</summary>
    public string Address => $"127.0.0.1:{Port}";

    public int Requests => Volatile.Read(ref _requests);

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The status every response gets.</summary>
    public int Status { get; set; } = 200;

    /// <summary>Held until set, when not null: each request waits for it before answering.</summary>
    public TaskCompletionSource? Gate { get; set; }

    /// <summary>Stops listening and resets every connection: the next connect is refused, like a killed process's port.</summary>
    public void Die()
    {
        _stop.Cancel();
        _listener.Stop();
        foreach (var connection in _connections.Keys)
        {
            connection.LingerState = new LingerOption(true, 0);
            connection.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Die();
        Gate?.TrySetResult();
        await _accepting.DefaultTimeout();
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        var connections = new List<Task>();
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                _connections[socket] = 0;
                connections.Add(Task.Run(() => ServeAsync(socket)));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        await Task.WhenAll(connections);
    }

    private async Task ServeAsync(Socket socket)
    {
        var buffer = new byte[16 * 1024];
        var filled = 0;
        try
        {
            while (true)
            {
                var end = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8);
                if (end < 0)
                {
                    var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, _stop.Token);
                    if (read == 0)
                    {
                        return;
                    }

                    filled += read;
                    continue;
                }

                var head = Encoding.ASCII.GetString(buffer, 0, end);
                buffer.AsSpan(end + 4, filled - end - 4).CopyTo(buffer);
                filled -= end + 4;
                Interlocked.Increment(ref _inFlight);
                Interlocked.Increment(ref _requests);
                try
                {
                    if (Gate is { } gate)
                    {
                        await gate.Task.WaitAsync(_stop.Token);
                    }

                    var path = head.Split(' ', 3)[1];
                    var body = Encoding.UTF8.GetBytes($"{Name} {path}");
                    var response = Encoding.ASCII.GetBytes(
                        $"HTTP/1.1 {Status} X\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\n\r\n");
                    await socket.SendAsync(response.Concat(body).ToArray(), SocketFlags.None, _stop.Token);
                }
                finally
                {
                    Interlocked.Decrement(ref _inFlight);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            _connections.TryRemove(socket, out _);
            socket.Dispose();
        }
    }
}
