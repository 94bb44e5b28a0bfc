using System.Net;
using System.Net.Sockets;

namespace Capstan.Edge.Lifecycle;

/// <summary>Checks that HAProxy will be able to bind its listen address, to fail with a clear message before starting it.</summary>
internal static class ListenPort
{
    /// <summary>The message when another process holds the port, also used when HAProxy itself reports the bind error.</summary>
    public static string InUseMessage(string address, int port) =>
        $"cannot listen on {address}:{port}: the port is in use by another process";

    /// <exception cref="EdgeException">The port is taken, or the address is not one of this machine's.</exception>
    public static void EnsureFree(string address, int port)
    {
        var ip = IPAddress.Parse(address);
        using var probe = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            // No SO_REUSEPORT here: a listener that has it (HAProxy sets it) still makes this bind fail.
            probe.Bind(new IPEndPoint(ip, port));
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new EdgeException(InUseMessage(address, port), e);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressNotAvailable)
        {
            throw new EdgeException($"cannot listen on {address}:{port}: {address} is not an address of this machine", e);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AccessDenied)
        {
            throw new EdgeException($"cannot listen on {address}:{port}: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)", e);
        }
    }

    /// <summary>True when the port can be bound now (any other problem is left to <see cref="EnsureFree"/> to explain).</summary>
    public static bool IsFree(string address, int port)
    {
        try
        {
            EnsureFree(address, port);
            return true;
        }
        catch (EdgeException)
        {
            return false;
        }
    }

    /// <summary>Whether HAProxy's start-up errors say that the listen port was taken.</summary>
    public static bool IsBindConflict(string haproxyErrors) =>
        haproxyErrors.Contains("cannot bind socket (Address already in use)", StringComparison.Ordinal);
}
