using System.Globalization;
using Capstan.Edge.Configuration;

namespace Capstan.Edge.Metrics;

/// <summary>
/// One request log line, as <see cref="HaproxyConfig.LogFormat"/> writes it, read in place: the names are slices of
/// the received bytes, not strings.
/// </summary>
internal readonly ref struct RequestLogLine
{
    public ReadOnlySpan<byte> Backend { get; init; }

    /// <summary>The server, or <c>&lt;NOSRV&gt;</c> when none was used (no route, refused before routing).</summary>
    public ReadOnlySpan<byte> Server { get; init; }

    /// <summary>The HTTP status; -1 when there was no response.</summary>
    public int Status { get; init; }

    /// <summary>Ta: from the request's first byte to the response's last, in milliseconds; -1 when unknown.</summary>
    public int TotalMs { get; init; }

    /// <summary>
    /// The termination state, two characters: <c>--</c> normally, <c>SC</c> the server refused the connection,
    /// <c>CD</c> the client went away, <c>sH</c> the server timed out before its headers…
    /// </summary>
    public ReadOnlySpan<byte> Termination { get; init; }
}

/// <summary>Reads request log lines without regular expressions, splits or strings: a walk over the bytes.</summary>
internal static class RequestLogParser
{
    private static ReadOnlySpan<byte> Version => "capstan2"u8;

    /// <summary>Whether the line claims to be a request line of this format (it starts with the version field).</summary>
    public static bool IsRequestLine(ReadOnlySpan<byte> line) =>
        line.StartsWith(Version) && (line.Length == Version.Length || line[Version.Length] == (byte)' ');

    /// <summary>Reads one line (a trailing newline is allowed); false when it is not a line of our format.</summary>
    public static bool TryParse(ReadOnlySpan<byte> line, out RequestLogLine entry)
    {
        entry = default;
        while (line.Length > 0 && line[^1] is (byte)'\n' or (byte)'\r')
        {
            line = line[..^1];
        }

        if (!NextField(ref line, out var version) || !version.SequenceEqual(Version)
            || !NextField(ref line, out var backend) || backend.Length == 0
            || !NextField(ref line, out var server) || server.Length == 0
            || !NextNumber(ref line, out var status)
            || !NextNumber(ref line, out var total)
            || !NextField(ref line, out var termination) || termination.Length != 2 || !line.IsEmpty)
        {
            return false;
        }

        entry = new RequestLogLine
        {
            Backend = backend,
            Server = server,
            Status = status,
            TotalMs = total,
            Termination = termination,
        };
        return true;
    }

    /// <summary>Takes the field up to the next space; the last field runs to the end.</summary>
    private static bool NextField(scoped ref ReadOnlySpan<byte> rest, out ReadOnlySpan<byte> field)
    {
        if (rest.IsEmpty)
        {
            field = default;
            return false;
        }

        var space = rest.IndexOf((byte)' ');
        if (space < 0)
        {
            field = rest;
            rest = default;
        }
        else
        {
            field = rest[..space];
            rest = rest[(space + 1)..];
        }

        return true;
    }

    private static bool NextNumber(scoped ref ReadOnlySpan<byte> rest, out int value)
    {
        value = 0;
        return NextField(ref rest, out var field)
            && int.TryParse(field, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }
}
