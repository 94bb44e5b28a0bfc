using System.Net.Sockets;
using System.Text;
using System.Text.Unicode;

namespace Capstan.Edge.Metrics;

/// <summary>
/// Receives HAProxy's request log on a unix stream socket, from the <c>ring</c> HAProxy writes it to (one line per
/// request, <c>format raw</c>, newline-terminated), and counts each line into <see cref="RequestMetrics"/>. HAProxy's
/// own event lines ("Server web/i-1 is going DOWN for maintenance", "backend web has no server available!") are
/// counted and the latest kept as <see cref="RecentMessages"/>. Any other line is counted as unparseable and skipped;
/// nothing a connection sends can stop the listener.
/// </summary>
/// <remarks>
/// HAProxy connects to this socket (one connection per worker; an old worker keeps its own until it exits), buffers
/// lines in its ring while nobody listens and sends them in batches, so a burst is not dropped and a restarted
/// Capstan receives what was logged while it was down, up to the ring's size. Each connection is read by a thread of
/// its own, not a thread-pool continuation, so a busy process does not let the ring fill.
/// </remarks>
public sealed class EdgeLogListener : IAsyncDisposable
{
    /// <summary>How many of HAProxy's event lines <see cref="RecentMessages"/> keeps.</summary>
    public const int MaxRecentMessages = 32;

    /// <summary>The longest line kept whole; HAProxy's ring truncates at 4096 bytes (<c>maxlen</c>).</summary>
    internal const int MaxLineBytes = 8 * 1024;

    private readonly Socket _socket;
    private readonly RequestMetrics _metrics;
    private readonly Thread _acceptor;
    private readonly List<Socket> _connections = [];
    private readonly List<Thread> _readers = [];
    private readonly Queue<string> _recentMessages = new();
    private volatile bool _stopping;
    private long _lines;
    private long _unparseable;
    private long _messages;
    private long _connectionCount;

    private EdgeLogListener(string socketPath, Socket socket, RequestMetrics metrics)
    {
        SocketPath = socketPath;
        _socket = socket;
        _metrics = metrics;
        _acceptor = new Thread(Accept) { IsBackground = true, Name = "Capstan edge log accept" };
        _acceptor.Start();
    }

    public string SocketPath { get; }

    /// <summary>Log lines received.</summary>
    public long Lines => Interlocked.Read(ref _lines);

    /// <summary>Lines that were neither requests in Capstan's format nor HAProxy's event text, skipped.</summary>
    public long UnparseableLines => Interlocked.Read(ref _unparseable);

    /// <summary>HAProxy's event lines: servers going down or into maintenance, proxies stopping.</summary>
    public long MessageLines => Interlocked.Read(ref _messages);

    /// <summary>Connections HAProxy made to the socket since the listener started (one per worker, more after reloads).</summary>
    public long Connections => Interlocked.Read(ref _connectionCount);

    /// <summary>The latest <see cref="MaxRecentMessages"/> event lines of HAProxy, oldest first.</summary>
    public IReadOnlyList<string> RecentMessages
    {
        get
        {
            lock (_recentMessages)
            {
                return [.. _recentMessages];
            }
        }
    }

    /// <summary>Binds <paramref name="socketPath"/> (removing a stale socket file left there) and starts accepting.</summary>
    public static EdgeLogListener Start(string socketPath, RequestMetrics metrics)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        ArgumentNullException.ThrowIfNull(metrics);
        File.Delete(socketPath);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(socketPath));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(socketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            socket.Listen(16);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new EdgeLogListener(socketPath, socket, metrics);
    }

    /// <summary>Counts whole lines: every line of <paramref name="lines"/> up to its last newline, or all of it.</summary>
    internal void Process(ReadOnlySpan<byte> lines)
    {
        while (!lines.IsEmpty)
        {
            var newline = lines.IndexOf((byte)'\n');
            var line = newline < 0 ? lines : lines[..newline];
            lines = newline < 0 ? default : lines[(newline + 1)..];
            ProcessLine(line);
        }
    }

    private void ProcessLine(ReadOnlySpan<byte> line)
    {
        if (line.IsEmpty)
        {
            return;
        }

        Interlocked.Increment(ref _lines);
        if (RequestLogParser.TryParse(line, out var entry))
        {
            _metrics.Record(entry.Backend, entry.Server, entry.Status, entry.TotalMs);
        }
        else if (!RequestLogParser.IsRequestLine(line) && IsText(line))
        {
            Interlocked.Increment(ref _messages);
            Remember(line);
        }
        else
        {
            Interlocked.Increment(ref _unparseable);
        }
    }

    private static bool IsText(ReadOnlySpan<byte> line)
    {
        if (!Utf8.IsValid(line))
        {
            return false;
        }

        foreach (var b in line)
        {
            if (b < 0x20 && b != (byte)'\t' && b != (byte)'\r')
            {
                return false;
            }
        }

        return true;
    }

    private void Remember(ReadOnlySpan<byte> line)
    {
        var text = Encoding.UTF8.GetString(line).TrimEnd('\r');
        lock (_recentMessages)
        {
            if (_recentMessages.Count == MaxRecentMessages)
            {
                _recentMessages.Dequeue();
            }

            _recentMessages.Enqueue(text);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping)
        {
            return;
        }

        // Disposing the sockets ends the blocked accept and receives.
        _stopping = true;
        _socket.Dispose();
        Thread[] readers;
        lock (_connections)
        {
            foreach (var connection in _connections)
            {
                connection.Dispose();
            }

            readers = [.. _readers];
        }

        await Task.Run(() =>
        {
            _acceptor.Join();
            foreach (var reader in readers)
            {
                reader.Join();
            }
        }).ConfigureAwait(false);
        File.Delete(SocketPath);
    }

    private void Accept()
    {
        while (!_stopping)
        {
            Socket connection;
            try
            {
                connection = _socket.Accept();
            }
            catch (Exception e) when (_stopping && e is SocketException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // A connection that failed while being accepted (EMFILE, ECONNABORTED): HAProxy connects again.
                // Pause in case it repeats rather than spin.
                Thread.Sleep(100);
                continue;
            }

            lock (_connections)
            {
                if (_stopping)
                {
                    connection.Dispose();
                    return;
                }

                Interlocked.Increment(ref _connectionCount);
                var reader = new Thread(() => Read(connection)) { IsBackground = true, Name = "Capstan edge log" };
                _connections.Add(connection);
                _readers.Add(reader);
                reader.Start();
            }
        }
    }

    private void Read(Socket connection)
    {
        // Lines are at most 4096 bytes; a read fills the buffer after the unfinished line carried from the last one.
        var buffer = new byte[64 * 1024];
        var carried = 0;
        var skipping = false;
        try
        {
            while (!_stopping)
            {
                var received = connection.Receive(buffer.AsSpan(carried));
                if (received == 0)
                {
                    return; // the worker closed it (it exited, or HAProxy reconnects)
                }

                var data = buffer.AsSpan(0, carried + received);
                var lastNewline = data.LastIndexOf((byte)'\n');
                if (lastNewline < 0)
                {
                    carried = data.Length;
                    if (carried > MaxLineBytes)
                    {
                        // Not a line HAProxy writes: skip up to the next newline and count it once.
                        if (!skipping)
                        {
                            Interlocked.Increment(ref _lines);
                            Interlocked.Increment(ref _unparseable);
                        }

                        skipping = true;
                        carried = 0;
                    }

                    continue;
                }

                var whole = data[..lastNewline];
                if (skipping)
                {
                    var end = whole.IndexOf((byte)'\n');
                    whole = end < 0 ? default : whole[(end + 1)..];
                    skipping = false;
                }

                Process(whole);
                var rest = data[(lastNewline + 1)..];
                rest.CopyTo(buffer);
                carried = rest.Length;
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Closed by DisposeAsync, or reset by an exiting worker.
        }
        finally
        {
            lock (_connections)
            {
                _connections.Remove(connection);
                if (!_stopping)
                {
                    _readers.Remove(Thread.CurrentThread);
                }
            }

            connection.Dispose();
        }
    }
}
