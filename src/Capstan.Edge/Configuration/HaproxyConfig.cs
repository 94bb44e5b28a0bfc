using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Capstan.Edge.Routing;

namespace Capstan.Edge.Configuration;

/// <summary>
/// The HAProxy configuration of an edge, as a pure function of its options and routes: the same input gives the same
/// bytes. docs/edge.md explains every line.
/// </summary>
public static class HaproxyConfig
{
    /// <summary>The first field of every request log line; changes when the fields change.</summary>
    public const string LogFormatVersion = "capstan2";

    /// <summary>
    /// The request log line: version, backend, server, status, Ta, termination state. Fields are separated by one
    /// space and names never hold spaces. No URI: it is not needed for the figures, and query strings can carry
    /// tokens that have no business in Capstan's memory.
    /// </summary>
    public const string LogFormat = LogFormatVersion + " %b %s %ST %Ta %ts";

    /// <summary>The ring HAProxy writes the log to and forwards from, in batches, to Capstan's socket.</summary>
    public const string LogRingName = "capstan_log";

    /// <summary>
    /// The ring's size: about 70,000 lines of 60 bytes, a minute at 1,000 requests per second, kept while Capstan is
    /// not reading (restarting) and sent when it reads again.
    /// </summary>
    public const int LogRingBytes = 4 * 1024 * 1024;

    /// <summary>
    /// The environment variable the configuration sets in HAProxy to a hash of everything but its server lines:
    /// <c>show env</c> then tells which layout the running worker loaded, so a change of backends, hosts, paths, listen
    /// address or template is seen even after Capstan restarted, and reloads exactly when one happened.
    /// </summary>
    internal const string LayoutVariable = "CAPSTAN_EDGE_LAYOUT";

    private const string Indent = "    ";

    /// <summary>The configuration for <paramref name="routes"/>, validated and put in canonical order first.</summary>
    /// <exception cref="EdgeException">The routes or options are invalid.</exception>
    public static string Generate(EdgeOptions options, EdgeRoutes routes)
    {
        ArgumentNullException.ThrowIfNull(options);
        CheckOptions(options);
        var normalized = RouteValidator.Normalize(routes);
        var layout = LayoutHash(options, normalized);
        return Render(options, normalized, layout, withServers: true);
    }

    /// <summary>The hash <see cref="LayoutVariable"/> holds for these options and (normalized) routes.</summary>
    internal static string LayoutHash(EdgeOptions options, EdgeRoutes normalized)
    {
        var skeleton = Render(options, normalized, layout: null, withServers: false);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(skeleton)));
    }

    /// <summary>
    /// Writes <paramref name="content"/> to <paramref name="path"/> so that a reader sees the old file or the new one,
    /// never half of one: a temporary file beside it, flushed to disk, renamed over it.
    /// </summary>
    public static void WriteAtomically(string path, string content)
    {
        ArgumentNullException.ThrowIfNull(path);
        var temporary = path + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(Encoding.UTF8.GetBytes(content));
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Refuses options HAProxy or the socket paths cannot take, naming the value.</summary>
    internal static void CheckOptions(EdgeOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Directory))
        {
            errors.Add("the edge directory is empty");
        }
        else
        {
            if (!Path.IsPathFullyQualified(options.Directory))
            {
                errors.Add($"the edge directory '{options.Directory}' is not an absolute path");
            }

            // Paths are written single-quoted into the configuration and after "-S PATH,mode,600" on the command line.
            if (options.Directory.Any(c => c is '\'' or ',' || char.IsControl(c)))
            {
                errors.Add($"the edge directory '{options.Directory}' holds a quote, a comma or a control character, which HAProxy's configuration cannot take");
            }

            // sun_path holds 108 bytes with the terminating NUL.
            var longest = Encoding.UTF8.GetByteCount(options.MasterSocketPath);
            if (longest > 107)
            {
                errors.Add($"the edge directory '{options.Directory}' is too long for a unix socket path ({longest} bytes for master.sock, at most 107); use a shorter one");
            }
        }

        if (!IPAddress.TryParse(options.ListenAddress, out _))
        {
            errors.Add($"listen address '{options.ListenAddress}' is not an IP address such as 127.0.0.1 or 0.0.0.0");
        }

        if (options.Port is < 1 or > 65535)
        {
            errors.Add($"port {options.Port} is out of range (1 to 65535)");
        }

        if (options.Threads is < 1 or > 64)
        {
            errors.Add($"threads {options.Threads} is out of range (1 to 64)");
        }

        if (errors.Count > 0)
        {
            throw new EdgeException("The edge options are invalid:\n  " + string.Join("\n  ", errors));
        }
    }

    /// <summary>The listen endpoint as HAProxy's <c>bind</c> takes it.</summary>
    internal static string BindAddress(EdgeOptions options) =>
        RouteValidator.FormatAddress(new IPEndPoint(IPAddress.Parse(options.ListenAddress), options.Port));

    private static string Render(EdgeOptions options, EdgeRoutes routes, string? layout, bool withServers)
    {
        var text = new StringBuilder();
        void Line(string line = "") => text.Append(line).Append('\n');
        void Setting(string line) => text.Append(Indent).Append(line).Append('\n');

        Line("# Generated by Capstan from the edge's routes; rewritten on every change, so do not edit it.");
        Line("# docs/edge.md explains every line.");
        Line("global");
        Setting("master-worker");
        Setting($"stats socket '{options.AdminSocketPath}' mode 600 level admin expose-fd listeners");
        Setting($"nbthread {Number(options.EffectiveThreads)}");
        Setting($"log ring@{LogRingName} len 4096 format raw local0");
        Setting("hard-stop-after 60s");
        if (layout is not null)
        {
            Setting($"setenv {LayoutVariable} {layout}");
        }

        Line();
        Line($"ring {LogRingName}");
        Setting("description \"Capstan's request log\"");
        Setting("format raw");
        Setting("maxlen 4096");
        Setting($"size {Number(LogRingBytes)}");
        Setting("timeout connect 2s");
        Setting("timeout server 30s");
        Setting($"server capstan 'unix@{options.LogSocketPath}'");
        Line();
        Line("defaults");
        Setting("mode http");
        Setting("log global");
        Setting($"log-format \"{LogFormat}\"");
        Setting("option dontlognull");
        Setting("option http-keep-alive");
        Setting("option forwardfor");
        Setting("timeout connect 2s");
        Setting("timeout client 30s");
        Setting("timeout server 30s");
        Setting("timeout http-request 10s");
        Setting("timeout http-keep-alive 10s");
        Setting("retries 3");
        Setting("option redispatch 1");
        Setting("retry-on conn-failure empty-response");
        Line();
        Line($"frontend {RouteValidator.FrontendName}");
        Setting($"bind {BindAddress(options)}");
        Setting("http-request set-var(txn.host) req.hdr(host),field(1,:),lower");
        foreach (var backend in routes.Backends.OrderByDescending(b => b.PathPrefix.Length)
                     .ThenBy(b => b.Host, StringComparer.Ordinal)
                     .ThenBy(b => b.Name, StringComparer.Ordinal))
        {
            var host = $"{{ var(txn.host) -m str {backend.Host} }}";
            Setting(backend.PathPrefix == "/"
                ? $"use_backend {backend.Name} if {host}"
                : $"use_backend {backend.Name} if {host} {{ path {backend.PathPrefix} }} || {host} {{ path_beg {backend.PathPrefix}/ }}");
        }

        Setting($"default_backend {RouteValidator.NoRouteBackendName}");
        Line();
        Line($"backend {RouteValidator.NoRouteBackendName}");
        Setting("http-request return status 404 content-type \"text/plain; charset=utf-8\" "
            + "lf-string \"Capstan edge: no route for host '%[var(txn.host)]' and path '%[path]'.\\n\"");
        foreach (var backend in routes.Backends)
        {
            Line();
            Line($"backend {backend.Name}");
            Setting("balance roundrobin");
            if (!withServers)
            {
                continue;
            }

            foreach (var server in backend.Servers)
            {
                Setting(server.State switch
                {
                    // The configuration has no drain state: weight 0 takes no new requests either, and the runtime API
                    // puts the server in drain with its weight right after a reload.
                    EdgeServerState.Drain => $"server {server.Name} {server.Address} weight 0 # drain, weight {Number(server.Weight)}",
                    EdgeServerState.Maint => $"server {server.Name} {server.Address} weight {Number(server.Weight)} disabled",
                    _ => $"server {server.Name} {server.Address} weight {Number(server.Weight)}",
                });
            }
        }

        return text.ToString();
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
