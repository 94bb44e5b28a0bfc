namespace Capstan.Edge;

/// <summary>Where the edge keeps its files and where it listens.</summary>
/// <remarks>
/// <see cref="Directory"/> holds everything of one edge: <c>haproxy.cfg</c>, <c>haproxy.pid</c>, the master socket
/// <c>master.sock</c>, the runtime API socket <c>admin.sock</c> and the request log socket <c>log.sock</c> (a unix
/// stream socket Capstan listens on and HAProxy's log ring connects to). Unix socket
/// paths are limited to 107 bytes, so the folder's path must stay under about 95.
/// </remarks>
public sealed record EdgeOptions
{
    /// <summary>The environment variable that names the HAProxy binary when <see cref="HaproxyPath"/> is not set.</summary>
    public const string HaproxyPathVariable = "CAPSTAN_HAPROXY";

    /// <summary>The folder of this edge's configuration, sockets and pid file; created if missing.</summary>
    public required string Directory { get; init; }

    /// <summary>The address HAProxy listens on for HTTP.</summary>
    public string ListenAddress { get; init; } = "127.0.0.1";

    /// <summary>The port HAProxy listens on for HTTP.</summary>
    public int Port { get; init; } = 8080;

    /// <summary>The HAProxy binary; when null, <c>CAPSTAN_HAPROXY</c>, then PATH, then <c>/usr/sbin/haproxy</c>.</summary>
    public string? HaproxyPath { get; init; }

    /// <summary>
    /// HAProxy's threads (<c>nbthread</c>); null for half the machine's cores, at least one. The edge shares the machine
    /// with the instances it serves: on two cores, a second HAProxy thread adds more scheduling latency than
    /// throughput (docs/benchmarks.md, "Edge overhead").
    /// </summary>
    public int? Threads { get; init; }

    internal int EffectiveThreads => Threads ?? Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>How long a stop waits for HAProxy to finish its requests (SIGUSR1) before it is terminated (SIGTERM).</summary>
    public TimeSpan GracefulStopTimeout { get; init; } = TimeSpan.FromSeconds(10);

    internal string ConfigPath => Path.Combine(Directory, "haproxy.cfg");

    internal string PidFilePath => Path.Combine(Directory, "haproxy.pid");

    internal string MasterSocketPath => Path.Combine(Directory, "master.sock");

    internal string AdminSocketPath => Path.Combine(Directory, "admin.sock");

    internal string LogSocketPath => Path.Combine(Directory, "log.sock");
}
