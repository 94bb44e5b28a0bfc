using System.Net.Sockets;
using System.Text;
using System.Text.Unicode;

namespace Capstan.Edge.Metrics;

/// <summary>
/// Receives HAProxy's request log on a unix datagram socket (one datagram per request, <c>format raw</c>) and counts
/// each line into <see cref="RequestMetrics"/>. HAProxy's own event lines on the same socket ("Server web/i-1 is going
/// DOWN for maintenance", "backend web has no server available!") are counted and the latest kept as
/// <see cref="RecentMessages"/>. Any other line is counted as unparseable and skipped; nothing a datagram holds can
/// stop the listener.
/// </summary>
/// <remarks>
/// Linux queues at most <c>net.unix.max_dgram_qlen</c> datagrams (10 by default, 512 where systemd sets it) on the
/// socket; HAProxy drops log lines rather than wait when the queue is full (<c>DroppedLogs</c> of <c>show info</c>
/// counts them), so the receiving thread does nothing but parse and count. Under bursts faster than that, raise the
/// sysctl.
/// </remarks>
public sealed class EdgeLogListener : IAsyncDisposable
{
    /// <summary>How many of HAProxy's event lines <see cref="RecentMessages"/> keeps.</summary>
    public const int MaxRecentMessages = 32;

    private readonly Socket _socket;
    private readonly RequestMetrics _metrics;
    private readonly Thread _receiver;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Queue<string> _recentMessages = new();
    private volatile bool _stopping;
    private long _lines;
    private long _unparseable;
    private long _messages;

    private EdgeLogListener(string socketPath, Socket socket, RequestMetrics metrics)
    {
        SocketPath = socketPath;
        _socket = socket;
        _metrics = metrics;

        // A thread of its own blocked in receive, not a thread-pool continuation: the socket queues only ten
        // datagrams, and a busy thread pool must not be what makes HAProxy drop log lines.
        _receiver = new Thread(Receive) { IsBackground = true, Name = "Capstan edge log" };
        _receiver.Start();
    }

    public string SocketPath { get; }

    /// <summary>Log lines received.</summary>
    public long Lines => Interlocked.Read(ref _lines);

    /// <summary>Lines that were neither requests in Capstan's format nor HAProxy's event text, skipped.</summary>
    public long UnparseableLines => Interlocked.Read(ref _unparseable);

    /// <summary>HAProxy's event lines: servers going down or into maintenance, proxies stopping.</summary>
    public long MessageLines => Interlocked.Read(ref _messages);

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

    /// <summary>Binds <paramref name="socketPath"/> (removing a stale socket file left there) and starts receiving.</summary>
    public static EdgeLogListener Start(string socketPath, RequestMetrics metrics)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        ArgumentNullException.ThrowIfNull(metrics);
        File.Delete(socketPath);
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        try
        {
            socket.ReceiveBufferSize = 4 * 1024 * 1024;
            socket.Bind(new UnixDomainSocketEndPoint(socketPath));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(socketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new EdgeLogListener(socketPath, socket, metrics);
    }

    /// <summary>Counts the lines of one datagram (HAProxy sends one line per datagram; more are taken too).</summary>
    internal void Process(ReadOnlySpan<byte> datagram)
    {
        while (!datagram.IsEmpty)
        {
            var newline = datagram.IndexOf((byte)'\n');
            var line = newline < 0 ? datagram : datagram[..newline];
            datagram = newline < 0 ? default : datagram[(newline + 1)..];
            if (line.IsEmpty)
            {
                continue;
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
    }

    private static bool IsText(ReadOnlySpan<byte> line)
    {
        if (!Utf8.IsValid(line))
        {
            return false;
        }

        foreach (var b in line)
        {
            if (b < 0x20 && b != (byte)'\t')
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

        // Disposing the socket ends the blocked receive.
        _stopping = true;
        _socket.Dispose();
        await _stopped.Task.ConfigureAwait(false);
        File.Delete(SocketPath);
    }

    private void Receive()
    {
        // HAProxy's lines are at most 4096 bytes (len 4096); a larger buffer takes any datagram whole.
        var buffer = new byte[64 * 1024];
        try
        {
            while (!_stopping)
            {
                int received;
                try
                {
                    received = _socket.Receive(buffer);
                }
                catch (Exception e) when (_stopping && e is SocketException or ObjectDisposedException)
                {
                    return;
                }
                catch (SocketException)
                {
                    // Not expected on a bound datagram socket; a lost datagram must not end the metrics. Pause in
                    // case it repeats rather than spin.
                    Thread.Sleep(100);
                    continue;
                }

                Process(buffer.AsSpan(0, received));
            }
        }
        finally
        {
            _stopped.TrySetResult();
        }
    }
}
