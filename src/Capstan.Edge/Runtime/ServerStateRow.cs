using System.Globalization;
using System.Net;
using Capstan.Edge.Routing;

namespace Capstan.Edge.Runtime;

/// <summary>One server as <c>show servers state BACKEND</c> reports it: what HAProxy is actually doing.</summary>
public sealed record ServerStateRow
{
    // SRV_ADMF_* in HAProxy 2.6's server-t.h: forced, inherited and resolution maintenance; forced and inherited drain.
    // SRV_ADMF_CMAINT (0x04, "disabled" in the configuration) stays set after the server is enabled, so it is not counted.
    private const int MaintenanceFlags = 0x01 | 0x02 | 0x20;
    private const int DrainFlags = 0x08 | 0x10;

    public required string Backend { get; init; }

    public required string Server { get; init; }

    /// <summary>The address as routes write it: <c>127.0.0.1:20001</c>, <c>[::1]:20001</c>.</summary>
    public required string Address { get; init; }

    /// <summary>The user weight (<c>srv_uweight</c>), what <c>set server … weight</c> set.</summary>
    public required int Weight { get; init; }

    /// <summary>HAProxy's administrative flags (<c>srv_admin_state</c>).</summary>
    public required int AdminFlags { get; init; }

    /// <summary>HAProxy's operational state (<c>srv_op_state</c>): 0 stopped, 1 starting, 2 running, 3 stopping.</summary>
    public required int OperationalState { get; init; }

    /// <summary>Maint when any maintenance flag is set, else Drain when a drain flag is, else Ready.</summary>
    public EdgeServerState State =>
        (AdminFlags & MaintenanceFlags) != 0 ? EdgeServerState.Maint
        : (AdminFlags & DrainFlags) != 0 ? EdgeServerState.Drain
        : EdgeServerState.Ready;

    /// <summary>Parses the answer to <c>show servers state</c>: a version line "1", a "#" header naming the columns, rows.</summary>
    /// <exception cref="EdgeException">The answer is not a server state dump (HAProxy's error text is quoted).</exception>
    internal static List<ServerStateRow> Parse(string answer)
    {
        var lines = answer.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length < 2 || lines[0] != "1" || !lines[1].StartsWith('#'))
        {
            throw new EdgeException($"HAProxy answered 'show servers state' with: {answer.Trim()}");
        }

        var columns = lines[1].TrimStart('#').Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int Column(string name) => Array.IndexOf(columns, name) is var index and >= 0
            ? index
            : throw new EdgeException($"HAProxy's 'show servers state' has no column {name}: {lines[1]}");
        var backend = Column("be_name");
        var server = Column("srv_name");
        var address = Column("srv_addr");
        var port = Column("srv_port");
        var weight = Column("srv_uweight");
        var admin = Column("srv_admin_state");
        var operational = Column("srv_op_state");
        var rows = new List<ServerStateRow>();
        foreach (var line in lines.Skip(2))
        {
            var fields = line.Split(' ');
            if (fields.Length < columns.Length)
            {
                continue;
            }

            rows.Add(new ServerStateRow
            {
                Backend = fields[backend],
                Server = fields[server],
                Address = IPAddress.TryParse(fields[address], out var ip) && int.TryParse(fields[port], CultureInfo.InvariantCulture, out var p)
                    ? RouteValidator.FormatAddress(new IPEndPoint(ip, p))
                    : fields[address] + ":" + fields[port],
                Weight = int.Parse(fields[weight], CultureInfo.InvariantCulture),
                AdminFlags = int.Parse(fields[admin], CultureInfo.InvariantCulture),
                OperationalState = int.Parse(fields[operational], CultureInfo.InvariantCulture),
            });
        }

        return rows;
    }
}
