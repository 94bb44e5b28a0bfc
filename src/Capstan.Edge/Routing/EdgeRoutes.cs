namespace Capstan.Edge.Routing;

/// <summary>The routing table the edge should serve: every backend with its servers. Applied as a whole.</summary>
public sealed record EdgeRoutes
{
    /// <summary>No backend: every request gets the edge's 404.</summary>
    public static EdgeRoutes Empty { get; } = new() { Backends = [] };

    public required IReadOnlyList<EdgeBackend> Backends { get; init; }
}

/// <summary>
/// One route and the servers behind it: requests whose Host header (without port, any case) is <see cref="Host"/> and
/// whose path is <see cref="PathPrefix"/> or below it go to <see cref="Servers"/>, balanced round robin by weight.
/// </summary>
public sealed record EdgeBackend
{
    /// <summary>The HAProxy backend's name, e.g. <c>hello-staging-web</c>: letters, digits, '-', '_', '.' and ':'.</summary>
    public required string Name { get; init; }

    /// <summary>The host name, e.g. <c>staging.hello.localhost</c>; compared without case.</summary>
    public required string Host { get; init; }

    /// <summary>
    /// The path the route covers, e.g. <c>/api</c>: it matches <c>/api</c> and <c>/api/…</c> but not <c>/apis</c>.
    /// The longest prefix of a host wins.
    /// </summary>
    public string PathPrefix { get; init; } = "/";

    public IReadOnlyList<EdgeServer> Servers { get; init; } = [];
}

/// <summary>One instance behind a backend.</summary>
public sealed record EdgeServer
{
    /// <summary>The HAProxy server's name, e.g. <c>i-abc123</c>: letters, digits, '-', '_', '.' and ':'.</summary>
    public required string Name { get; init; }

    /// <summary>The instance's IP address and port, e.g. <c>127.0.0.1:20001</c> (IPv6 as <c>[::1]:20001</c>).</summary>
    public required string Address { get; init; }

    /// <summary>The share of new requests, 0 to 256, relative to the other servers' weights. 0 takes none.</summary>
    public int Weight { get; init; } = 100;

    public EdgeServerState State { get; init; } = EdgeServerState.Ready;
}

/// <summary>What a server takes.</summary>
public enum EdgeServerState
{
    /// <summary>New requests by weight.</summary>
    Ready,

    /// <summary>No new requests; those in flight finish. Used before an instance is stopped.</summary>
    Drain,

    /// <summary>Out of service: no requests at all.</summary>
    Maint,
}
