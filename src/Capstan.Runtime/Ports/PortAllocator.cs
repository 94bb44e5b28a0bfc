using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Capstan.Runtime.Ports;

/// <summary>An inclusive range of TCP ports on 127.0.0.1 that instances are given.</summary>
public sealed record PortRange
{
    /// <summary>20000–29999: below Linux's ephemeral range (32768–60999), so outgoing connections never take them.</summary>
    public static PortRange Default { get; } = new() { First = 20000, Last = 29999 };

    public required int First { get; init; }

    public required int Last { get; init; }

    public int Count => Last - First + 1;

    /// <summary>Reads <c>FIRST-LAST</c> (e.g. <c>20000-29999</c>), or a single port as a range of one.</summary>
    /// <exception cref="RuntimeException">The text is not a range of ports; the message names it and the form expected.</exception>
    public static PortRange Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('-', 2, StringSplitOptions.TrimEntries);
        if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var first)
            || !int.TryParse(parts.Length == 2 ? parts[1] : parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var last)
            || first < 1 || last > 65535 || first > last)
        {
            throw new RuntimeException($"'{text}' is not a port range: give FIRST-LAST with 1 <= FIRST <= LAST <= 65535, e.g. 20000-29999");
        }

        return new PortRange { First = first, Last = last };
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{First}-{Last}");

    internal void ThrowIfInvalid()
    {
        if (First < 1 || Last > 65535 || First > Last)
        {
            throw new RuntimeException($"port range {First}-{Last} is not valid: give 1 <= first <= last <= 65535");
        }
    }
}

/// <summary>
/// Gives each instance a port of its own from a <see cref="PortRange"/>: one not held by a known instance, and one where
/// binding 127.0.0.1:PORT works right now (nobody else listens there). It starts at a random port of the range and goes
/// round it rather than always starting from the beginning, so a port just given up by a stopped instance is not handed
/// out again at once, and two allocators on one machine rarely pick the same port in the moment between check and bind.
/// Thread-safe.
/// </summary>
public sealed class PortAllocator
{
    private readonly Lock _lock = new();
    private int _next;

    /// <param name="range">The ports to hand out.</param>
    /// <param name="start">The first port tried; by default a random one of the range, so that two Capstans (or
    /// anything else allocating upwards from the range's start) on one machine do not race for the same ports.</param>
    public PortAllocator(PortRange range, int? start = null)
    {
        ArgumentNullException.ThrowIfNull(range);
        range.ThrowIfInvalid();
        Range = range;
        _next = start is { } first && first >= range.First && first <= range.Last ? first : range.First + Random.Shared.Next(range.Count);
    }

    public PortRange Range { get; }

    /// <summary>The next free port of the range.</summary>
    /// <param name="isHeld">True for ports that known instances hold, whether or not they listen right now.</param>
    /// <exception cref="RuntimeException">Every port of the range is held or taken.</exception>
    public int Allocate(Func<int, bool> isHeld)
    {
        ArgumentNullException.ThrowIfNull(isHeld);
        lock (_lock)
        {
            for (var i = 0; i < Range.Count; i++)
            {
                var port = _next;
                _next = port == Range.Last ? Range.First : port + 1;
                if (!isHeld(port) && IsFree(port))
                {
                    return port;
                }
            }
        }

        throw new RuntimeException(
            $"no free port in {Range.First}-{Range.Last}: every port is held by an instance or taken by another program; widen the range or stop instances");
    }

    /// <summary>True when binding 127.0.0.1:<paramref name="port"/> works now, that is when nothing listens there.</summary>
    public static bool IsFree(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
