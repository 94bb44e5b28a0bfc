using System.Net;
using System.Net.Sockets;

namespace Capstan.Testing;

/// <summary>Free TCP ports on the loopback address.</summary>
public static class FreePort
{
    /// <summary>
    /// A port on 127.0.0.1 that was free a moment ago (the system picked it). Another process can take it before
    /// it is used: a server that fails to bind should retry with a new port.
    /// </summary>
    public static int Get()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }
}
