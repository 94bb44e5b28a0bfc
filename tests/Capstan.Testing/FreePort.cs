using System.Net;
using System.Net.Sockets;

namespace Capstan.Testing;

/// <summary>Free TCP ports on the loopback address.</summary>
public static class FreePort
{
    // 10000–19999: below the instances' range (20000–29999, PortRange.Default) and below Linux's ephemeral range
    // (32768–60999), from which the system takes the local port of every outgoing connection. A port the system picked
    // (bind to 0) came from that ephemeral range, so a load loop's connections of a parallel test could take it between
    // the pick and the bind: CI saw "address already in use" that way.
    private const int First = 10000;
    private const int Count = 10000;

    private static readonly HashSet<int> Given = [];

    /// <summary>
    /// A port on 127.0.0.1 that was free a moment ago, chosen at random in 10000–19999 and never given twice by this
    /// process. Another test process can still take it before it is used, rarely: a server that fails to bind should
    /// retry with a new port.
    /// </summary>
    public static int Get()
    {
        lock (Given)
        {
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var port = First + Random.Shared.Next(Count);
                if (Given.Contains(port) || !IsFree(port))
                {
                    continue;
                }

                Given.Add(port);
                return port;
            }
        }

        throw new InvalidOperationException($"no free port in {First}-{First + Count - 1} after 1000 tries");
    }

    /// <summary>
    /// The first of <paramref name="count"/> consecutive ports on 127.0.0.1 that were all free a moment ago, chosen as
    /// <see cref="Get"/> chooses one; none of them is given again by this process.
    /// </summary>
    public static int GetRange(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        lock (Given)
        {
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var first = First + Random.Shared.Next(Count - count + 1);
                var ports = Enumerable.Range(first, count).ToList();
                if (ports.Any(Given.Contains) || !ports.All(IsFree))
                {
                    continue;
                }

                Given.UnionWith(ports);
                return first;
            }
        }

        throw new InvalidOperationException($"no {count} consecutive free ports in {First}-{First + Count - 1} after 1000 tries");
    }

    /// <summary>
    /// An <see cref="HttpListener"/> started on <c>http://127.0.0.1:PORT/</c> with a port from <see cref="Get"/>, and
    /// that port. A port free when picked may be taken before the listener binds it, so a few ports are tried.
    /// </summary>
    public static (HttpListener Listener, int Port) StartHttpListener()
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = Get();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return (listener, port);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
            }
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
