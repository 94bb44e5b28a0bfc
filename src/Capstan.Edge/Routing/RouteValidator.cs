using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Capstan.Edge.Routing;

/// <summary>
/// Checks routes before anything reaches HAProxy and puts them in one canonical form: hosts in lower case, path
/// prefixes without a trailing slash, addresses as HAProxy writes them, backends and servers sorted by name. The same
/// routes in any order therefore give the same configuration, byte for byte.
/// </summary>
public static class RouteValidator
{
    /// <summary>The frontend's name in the generated configuration; no backend may take it.</summary>
    public const string FrontendName = "capstan_edge";

    /// <summary>The backend that answers requests no route matches; no backend may take its name.</summary>
    public const string NoRouteBackendName = "capstan_no_route";

    private const int MaxNameLength = 100;

    /// <summary>The canonical form of <paramref name="routes"/>.</summary>
    /// <exception cref="EdgeException">Every problem found, one per line, each naming the value at fault.</exception>
    public static EdgeRoutes Normalize(EdgeRoutes routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        var errors = new List<string>();
        var backends = new List<EdgeBackend>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var routesSeen = new Dictionary<(string Host, string Path), string>();
        foreach (var backend in routes.Backends ?? [])
        {
            if (backend is null)
            {
                errors.Add("a backend is null");
                continue;
            }

            var where = $"backend '{backend.Name}'";
            CheckName(backend.Name, where, errors);
            if (backend.Name is FrontendName or NoRouteBackendName)
            {
                errors.Add($"{where}: the name is reserved for the edge's own {(backend.Name == FrontendName ? "frontend" : "404 backend")}; choose another");
            }

            if (backend.Name is not null && !names.Add(backend.Name))
            {
                errors.Add($"{where}: two backends have this name; each needs its own");
            }

            var host = NormalizeHost(backend.Host, where, errors);
            var path = NormalizePath(backend.PathPrefix, where, errors);
            if (host is not null && path is not null && !routesSeen.TryAdd((host, path), backend.Name ?? string.Empty))
            {
                errors.Add($"{where}: host '{host}' and path prefix '{path}' are already routed to backend '{routesSeen[(host, path)]}'");
            }

            var servers = NormalizeServers(backend, where, errors);
            backends.Add(backend with { Host = host ?? string.Empty, PathPrefix = path ?? "/", Servers = servers });
        }

        if (errors.Count > 0)
        {
            throw new EdgeException("The edge routes are invalid:\n  " + string.Join("\n  ", errors));
        }

        backends.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return new EdgeRoutes { Backends = backends };
    }

    /// <summary>The address as HAProxy's configuration and runtime API take it: <c>127.0.0.1:20001</c>, <c>[::1]:20001</c>.</summary>
    internal static string FormatAddress(IPEndPoint endpoint) =>
        endpoint.AddressFamily == AddressFamily.InterNetworkV6
            ? string.Create(CultureInfo.InvariantCulture, $"[{endpoint.Address}]:{endpoint.Port}")
            : string.Create(CultureInfo.InvariantCulture, $"{endpoint.Address}:{endpoint.Port}");

    internal static bool IsValidName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= MaxNameLength && name.All(IsNameChar);

    private static List<EdgeServer> NormalizeServers(EdgeBackend backend, string where, List<string> errors)
    {
        var servers = new List<EdgeServer>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var server in backend.Servers ?? [])
        {
            if (server is null)
            {
                errors.Add($"{where}: a server is null");
                continue;
            }

            var at = $"{where}, server '{server.Name}'";
            CheckName(server.Name, at, errors);
            if (server.Name is not null && !names.Add(server.Name))
            {
                errors.Add($"{at}: two servers of the backend have this name; each needs its own");
            }

            if (server.Weight is < 0 or > 256)
            {
                errors.Add($"{at}: weight {server.Weight} is out of range; HAProxy takes 0 to 256");
            }

            if (!Enum.IsDefined(server.State))
            {
                errors.Add($"{at}: state {(int)server.State} is not Ready, Drain or Maint");
            }

            string? address = null;
            // Only the canonical form is taken, so that it compares equal to what HAProxy reports back (and "1:80",
            // which inet_aton would read as 0.0.0.1:80, is refused).
            if (IPEndPoint.TryParse(server.Address ?? string.Empty, out var endpoint)
                && endpoint.Port > 0
                && string.Equals(FormatAddress(endpoint), server.Address, StringComparison.OrdinalIgnoreCase))
            {
                address = FormatAddress(endpoint);
            }
            else
            {
                errors.Add($"{at}: address '{server.Address}' is not an IP address and port such as 127.0.0.1:20001 or [::1]:20001");
            }

            servers.Add(server with { Address = address ?? string.Empty });
        }

        servers.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return servers;
    }

    private static void CheckName(string? name, string where, List<string> errors)
    {
        if (string.IsNullOrEmpty(name))
        {
            errors.Add($"{where}: the name is empty");
        }
        else if (name.Length > MaxNameLength)
        {
            errors.Add($"{where}: the name is longer than {MaxNameLength} characters");
        }
        else if (!name.All(IsNameChar))
        {
            errors.Add($"{where}: the name may hold only letters, digits, '-', '_', '.' and ':' (HAProxy's identifier characters)");
        }
    }

    private static string? NormalizeHost(string? host, string where, List<string> errors)
    {
        var lower = host?.ToLowerInvariant();
        if (string.IsNullOrEmpty(lower)
            || lower.Length > 253
            || !lower.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.')
            || lower.StartsWith('.') || lower.EndsWith('.') || lower.Contains("..", StringComparison.Ordinal))
        {
            errors.Add($"{where}: host '{host}' is not a host name such as staging.hello.localhost (letters, digits, '-' and '.'; no port)");
            return null;
        }

        return lower;
    }

    private static string? NormalizePath(string? prefix, string where, List<string> errors)
    {
        if (string.IsNullOrEmpty(prefix)
            || prefix[0] != '/'
            || !prefix.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '-' or '.' or '_' or '~' or '%' or ':' or '@' or '+' or ',' or '=')
            || prefix.Contains("//", StringComparison.Ordinal)
            || prefix.Split('/').Any(segment => segment is "." or ".."))
        {
            errors.Add($"{where}: path prefix '{prefix}' is not a path such as / or /api (it starts with '/'; letters, digits and -._~%:@+,= between slashes)");
            return null;
        }

        return prefix.Length > 1 ? prefix.TrimEnd('/') : prefix;
    }

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':';
}
