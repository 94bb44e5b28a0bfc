using System.Diagnostics;
using System.Globalization;
using Capstan.Edge.Routing;

namespace Capstan.Edge.Runtime;

/// <summary>
/// HAProxy's runtime API on the edge's <c>admin.sock</c>: changes servers without a reload and reads what HAProxy is
/// doing. One connection per command. An answer that is not the command's success text becomes an
/// <see cref="EdgeException"/> quoting HAProxy.
/// </summary>
/// <remarks>
/// Changes made here live in the running worker only; a reload or restart rebuilds servers from the configuration
/// file. <see cref="HaproxyEdge.ApplyAsync"/> writes the file first, so both agree.
/// </remarks>
public sealed class HaproxyRuntimeApi
{
    private static readonly TimeSpan DeleteWait = TimeSpan.FromSeconds(10);

    public HaproxyRuntimeApi(string adminSocketPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(adminSocketPath);
        SocketPath = adminSocketPath;
    }

    /// <summary>The unix socket of the runtime API.</summary>
    public string SocketPath { get; }

    /// <summary>How long one command may take.</summary>
    public TimeSpan CommandTimeout { get; init; } = HaproxyCli.DefaultTimeout;

    /// <summary>Sends one command as it is and returns HAProxy's answer, whatever it is.</summary>
    /// <exception cref="EdgeException">HAProxy does not answer.</exception>
    public Task<string> SendAsync(string command, CancellationToken cancellationToken) =>
        HaproxyCli.SendAsync(SocketPath, command, CommandTimeout, cancellationToken);

    /// <summary>
    /// <c>add server B/S ADDRESS weight N</c>. HAProxy creates a dynamic server in maintenance:
    /// <see cref="EnableServerAsync"/> or <see cref="SetStateAsync"/> puts it in service.
    /// </summary>
    public Task AddServerAsync(string backend, string server, string address, int weight, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(weight);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(weight, 256);
        CheckAddress(address);
        return ExpectAsync(
            $"add server {Target(backend, server)} {address} weight {weight.ToString(CultureInfo.InvariantCulture)}",
            answer => answer.StartsWith("New server registered.", StringComparison.Ordinal),
            cancellationToken);
    }

    /// <summary><c>enable server B/S</c>: out of maintenance.</summary>
    public Task EnableServerAsync(string backend, string server, CancellationToken cancellationToken) =>
        ExpectEmptyAsync($"enable server {Target(backend, server)}", cancellationToken);

    /// <summary><c>set server B/S weight N</c> (0 to 256).</summary>
    public Task SetWeightAsync(string backend, string server, int weight, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(weight);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(weight, 256);
        return ExpectEmptyAsync($"set server {Target(backend, server)} weight {weight.ToString(CultureInfo.InvariantCulture)}", cancellationToken);
    }

    /// <summary><c>set server B/S state ready|drain|maint</c>.</summary>
    public Task SetStateAsync(string backend, string server, EdgeServerState state, CancellationToken cancellationToken)
    {
        var word = state switch
        {
            EdgeServerState.Ready => "ready",
            EdgeServerState.Drain => "drain",
            EdgeServerState.Maint => "maint",
            _ => throw new ArgumentOutOfRangeException(nameof(state), state, "not a server state"),
        };
        return ExpectEmptyAsync($"set server {Target(backend, server)} state {word}", cancellationToken);
    }

    /// <summary><c>set server B/S addr IP port PORT</c>.</summary>
    public Task SetAddressAsync(string backend, string server, string address, CancellationToken cancellationToken)
    {
        var endpoint = CheckAddress(address);
        return ExpectAsync(
            $"set server {Target(backend, server)} addr {endpoint.Address} port {endpoint.Port.ToString(CultureInfo.InvariantCulture)}",
            answer => answer.Contains("changed", StringComparison.Ordinal) || answer.Contains("no need to change", StringComparison.Ordinal),
            cancellationToken);
    }

    /// <summary>
    /// Removes a server: maintenance (no new requests), <c>shutdown sessions server</c> (ends those in flight), then
    /// <c>del server</c>, which HAProxy refuses while connections are still being torn down: it is tried again for
    /// up to 10 s. Drain the server first when its requests should finish.
    /// </summary>
    public async Task DeleteServerAsync(string backend, string server, CancellationToken cancellationToken)
    {
        var target = Target(backend, server);
        await SetStateAsync(backend, server, EdgeServerState.Maint, cancellationToken).ConfigureAwait(false);
        await ExpectEmptyAsync($"shutdown sessions server {target}", cancellationToken).ConfigureAwait(false);
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var answer = (await SendAsync($"del server {target}", cancellationToken).ConfigureAwait(false)).Trim();
            if (answer.StartsWith("Server deleted.", StringComparison.Ordinal))
            {
                return;
            }

            var busy = answer.Contains("connection", StringComparison.OrdinalIgnoreCase) || answer.Contains("queue", StringComparison.OrdinalIgnoreCase);
            if (!busy || Stopwatch.GetElapsedTime(started) > DeleteWait)
            {
                throw Refused($"del server {target}", answer);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary><c>show servers state B</c>: each server's address, weight and administrative state.</summary>
    public async Task<IReadOnlyList<ServerStateRow>> ShowServersStateAsync(string backend, CancellationToken cancellationToken)
    {
        CheckName(backend, nameof(backend));
        var answer = await SendAsync($"show servers state {backend}", cancellationToken).ConfigureAwait(false);
        return ServerStateRow.Parse(answer);
    }

    /// <summary><c>show stat</c>: every frontend, backend and server with its counters.</summary>
    public async Task<IReadOnlyList<StatRow>> ShowStatAsync(CancellationToken cancellationToken) =>
        StatRow.Parse(await SendAsync("show stat", cancellationToken).ConfigureAwait(false));

    /// <summary>The backends the running worker has (<c>show backend</c>), the edge's 404 backend included.</summary>
    public async Task<IReadOnlyList<string>> ShowBackendsAsync(CancellationToken cancellationToken)
    {
        var answer = await SendAsync("show backend", cancellationToken).ConfigureAwait(false);
        var lines = answer.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length > 0 && lines[0].StartsWith('#')
            ? lines.Skip(1).ToList()
            : throw Refused("show backend", answer);
    }

    /// <summary>
    /// The requests a server is serving now (<c>scur</c> of <c>show stat B 4 -1</c>): what a drain waits to reach 0.
    /// Idle keep-alive connections to the server are not counted.
    /// </summary>
    /// <exception cref="EdgeException">HAProxy has no such backend or server.</exception>
    public async Task<int> GetCurrentConnectionsAsync(string backend, string server, CancellationToken cancellationToken)
    {
        CheckName(backend, nameof(backend));
        CheckName(server, nameof(server));
        var command = $"show stat {backend} 4 -1";
        var answer = await SendAsync(command, cancellationToken).ConfigureAwait(false);
        if (!answer.StartsWith("# pxname,", StringComparison.Ordinal))
        {
            throw Refused(command, answer);
        }

        var row = StatRow.Parse(answer).FirstOrDefault(r => r.Proxy == backend && r.Name == server)
            ?? throw new EdgeException($"HAProxy has no server '{server}' in backend '{backend}'.");
        return (int)row.CurrentSessions;
    }

    /// <summary>
    /// <c>show info</c> by field name: <c>Pid</c> of the worker, <c>Uptime_sec</c>, <c>CurrConns</c>, and
    /// <c>DroppedLogs</c>, the request log lines HAProxy could not send (the log socket's queue was full).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> ShowInfoAsync(CancellationToken cancellationToken) =>
        ParseInfo(await SendAsync("show info", cancellationToken).ConfigureAwait(false));

    /// <summary>The pid of the worker that answers on the socket; null when none does.</summary>
    internal async Task<int?> TryGetWorkerPidAsync(CancellationToken cancellationToken)
    {
        var answer = await HaproxyCli.TrySendAsync(SocketPath, "show info", CommandTimeout, cancellationToken).ConfigureAwait(false);
        return answer is not null
               && ParseInfo(answer).TryGetValue("Pid", out var text)
               && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            ? pid
            : null;
    }

    private static Dictionary<string, string> ParseInfo(string answer)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in answer.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                fields[line[..colon]] = line[(colon + 1)..].Trim();
            }
        }

        return fields;
    }

    /// <summary>An environment variable of the worker (<c>show env NAME</c>); null when it is not set.</summary>
    internal async Task<string?> ShowEnvAsync(string name, CancellationToken cancellationToken)
    {
        var answer = (await SendAsync($"show env {name}", cancellationToken).ConfigureAwait(false)).Trim();
        return answer.StartsWith(name + "=", StringComparison.Ordinal) ? answer[(name.Length + 1)..] : null;
    }

    private static string Target(string backend, string server)
    {
        CheckName(backend, nameof(backend));
        CheckName(server, nameof(server));
        return backend + "/" + server;
    }

    // Names go into a command line where ';' would start another command: only HAProxy's identifier characters pass.
    private static void CheckName(string name, string parameter)
    {
        if (!RouteValidator.IsValidName(name))
        {
            throw new ArgumentException($"'{name}' is not an HAProxy name (letters, digits, '-', '_', '.', ':')", parameter);
        }
    }

    private static System.Net.IPEndPoint CheckAddress(string address) =>
        System.Net.IPEndPoint.TryParse(address ?? string.Empty, out var endpoint) && endpoint.Port > 0
            ? endpoint
            : throw new ArgumentException($"'{address}' is not an IP address and port", nameof(address));

    private static EdgeException Refused(string command, string answer) =>
        new($"HAProxy refused '{command}': {answer.Trim()}");

    private Task ExpectEmptyAsync(string command, CancellationToken cancellationToken) =>
        ExpectAsync(command, answer => answer.Length == 0, cancellationToken);

    private async Task ExpectAsync(string command, Func<string, bool> succeeded, CancellationToken cancellationToken)
    {
        var answer = (await SendAsync(command, cancellationToken).ConfigureAwait(false)).Trim();
        if (!succeeded(answer))
        {
            throw Refused(command, answer);
        }
    }
}
