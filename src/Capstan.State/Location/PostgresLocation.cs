using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;

namespace Capstan.State;

/// <summary>Reads PostgreSQL URLs and Npgsql connection strings, and hides their passwords.</summary>
internal static partial class PostgresLocation
{
    private const int DefaultPort = 5432;

    // URL query parameters in libpq's spelling, translated to Npgsql's keywords; any other parameter is passed
    // to Npgsql as a keyword as it is (e.g. "Timeout", "Pooling", "Maximum Pool Size").
    private static readonly Dictionary<string, string> LibpqParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sslmode"] = "SSL Mode",
        ["sslrootcert"] = "Root Certificate",
        ["sslcert"] = "SSL Certificate",
        ["sslkey"] = "SSL Key",
        ["sslpassword"] = "SSL Password",
        ["connect_timeout"] = "Timeout",
        ["application_name"] = "Application Name",
        ["target_session_attrs"] = "Target Session Attributes",
        ["options"] = "Options",
        ["user"] = "Username",
        ["password"] = "Password",
        ["dbname"] = "Database",
        ["host"] = "Host",
        ["port"] = "Port",
    };

    public static bool IsUrl(string text) =>
        text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
        || text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase);

    public static bool IsConnectionString(string text) =>
        ConnectionStringStart().IsMatch(text);

    /// <summary>Hides passwords in a URL's user info, in <c>password=</c> query parameters and in connection-string pairs.</summary>
    public static string Redact(string text)
    {
        text = UrlPassword().Replace(text, "$1***@");
        text = KeywordPassword().Replace(text, "$1***");
        return text;
    }

    public static (string ConnectionString, string Display, string? Password) Parse(string text, string forms)
    {
        var builder = IsUrl(text) ? FromUrl(text, forms) : FromConnectionString(text, forms);
        if (string.IsNullOrWhiteSpace(builder.Host))
        {
            throw Invalid(text, "no host is given", forms);
        }

        if (string.IsNullOrWhiteSpace(builder.Database))
        {
            throw Invalid(text, "no database is given", forms);
        }

        return (builder.ConnectionString, Display(builder), string.IsNullOrEmpty(builder.Password) ? null : builder.Password);
    }

    private static NpgsqlConnectionStringBuilder FromUrl(string text, string forms)
    {
        // System.Uri is not used: it rejects some valid PostgreSQL URLs (several hosts) and unescapes too eagerly.
        var rest = text[(text.IndexOf("://", StringComparison.Ordinal) + 3)..];

        // The user info ends at the last '@', so a password with an unescaped '@', '/' or '?' is still read whole
        // (and hidden whole; see Redact). An '@' in the database name or query must be escaped as %40.
        string? user = null;
        string? password = null;
        var at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = rest[..at];
            rest = rest[(at + 1)..];
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            user = Unescape(colon >= 0 ? userInfo[..colon] : userInfo);
            password = colon >= 0 ? Unescape(userInfo[(colon + 1)..]) : null;
        }

        var query = string.Empty;
        var queryStart = rest.IndexOf('?', StringComparison.Ordinal);
        if (queryStart >= 0)
        {
            query = rest[(queryStart + 1)..];
            rest = rest[..queryStart];
        }

        var database = string.Empty;
        var pathStart = rest.IndexOf('/', StringComparison.Ordinal);
        if (pathStart >= 0)
        {
            database = rest[(pathStart + 1)..];
            rest = rest[..pathStart];
        }

        var builder = new NpgsqlConnectionStringBuilder();
        if (rest.Length > 0)
        {
            var hosts = rest.Split(',').Select(hostPort => ReadHost(hostPort, text, forms)).ToList();
            if (hosts.Count == 1)
            {
                builder.Host = hosts[0].Host;
                builder.Port = hosts[0].Port ?? DefaultPort;
            }
            else
            {
                // Npgsql takes several hosts as "host:port,host:port".
                builder.Host = string.Join(',', hosts.Select(h => h.Port is { } port ? $"{Bracket(h.Host)}:{port.ToString(CultureInfo.InvariantCulture)}" : Bracket(h.Host)));
            }
        }

        if (user is { Length: > 0 })
        {
            builder.Username = user;
        }

        if (password is { Length: > 0 })
        {
            builder.Password = password;
        }

        if (database.Length > 0)
        {
            builder.Database = Unescape(database);
        }

        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw Invalid(text, $"the query parameter '{Redact(pair)}' has no value", forms);
            }

            var name = Unescape(pair[..equals]);
            var value = Unescape(pair[(equals + 1)..]);
            var keyword = LibpqParameters.GetValueOrDefault(name, name);
            try
            {
                builder[keyword] = value;
            }
            catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException)
            {
                throw Invalid(text, $"the query parameter '{name}' is not supported or its value is invalid", forms);
            }
        }

        return builder;
    }

    private static (string Host, int? Port) ReadHost(string hostPort, string text, string forms)
    {
        string host;
        string? port = null;
        if (hostPort.StartsWith('['))
        {
            var close = hostPort.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw Invalid(text, $"the IPv6 host '{hostPort}' has no closing ]", forms);
            }

            host = hostPort[1..close];
            if (close + 1 < hostPort.Length)
            {
                if (hostPort[close + 1] != ':')
                {
                    throw Invalid(text, $"unexpected text after the host '{hostPort}'", forms);
                }

                port = hostPort[(close + 2)..];
            }
        }
        else
        {
            var colon = hostPort.LastIndexOf(':');
            host = colon >= 0 ? hostPort[..colon] : hostPort;
            port = colon >= 0 ? hostPort[(colon + 1)..] : null;
        }

        if (host.Length == 0)
        {
            throw Invalid(text, "no host is given", forms);
        }

        if (port is null)
        {
            return (host, null);
        }

        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
        {
            throw Invalid(text, $"the port '{port}' is not a number from 1 to 65535", forms);
        }

        return (host, number);
    }

    private static string Bracket(string host) => host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host;

    private static NpgsqlConnectionStringBuilder FromConnectionString(string text, string forms)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder(text);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            // The provider's message may quote the offending pair, password included: do not pass it on.
            throw Invalid(text, "it is not a valid Npgsql connection string (check the keywords and values)", forms);
        }
    }

    // Invalid escapes are left as they are, as libpq does.
    private static string Unescape(string value) => Uri.UnescapeDataString(value);

    private static string Display(NpgsqlConnectionStringBuilder builder)
    {
        var display = new StringBuilder("postgres://");
        if (!string.IsNullOrEmpty(builder.Username))
        {
            display.Append(Uri.EscapeDataString(builder.Username));
            if (!string.IsNullOrEmpty(builder.Password))
            {
                display.Append(":***");
            }

            display.Append('@');
        }

        var host = builder.Host!.Trim();
        if (host.Contains(',', StringComparison.Ordinal))
        {
            // Several hosts, each already "host" or "host:port".
            display.Append(host);
        }
        else
        {
            display.Append(Bracket(host)).Append(':').Append(builder.Port.ToString(CultureInfo.InvariantCulture));
        }

        display.Append('/').Append(Uri.EscapeDataString(builder.Database!));
        return display.ToString();
    }

    private static StateStoreException Invalid(string text, string reason, string forms) =>
        new($"invalid state location '{Redact(text)}': {reason}; {forms}");

    [GeneratedRegex(@"^\s*[A-Za-z][A-Za-z0-9 ]*\s*=", RegexOptions.CultureInvariant)]
    private static partial Regex ConnectionStringStart();

    // scheme://user:PASSWORD@ — hidden up to the last '@' in the text, so a password holding an unescaped '@', '/' or '?'
    // is still hidden (at the cost of hiding the host too).
    [GeneratedRegex(@"(://[^:/@]*:).*@", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex UrlPassword();

    // password=VALUE in a query string or connection string, up to the next ';' or '&'.
    [GeneratedRegex(@"((?:^|[;&?\s])\s*(?:password|pwd|sslpassword|ssl password)\s*=\s*)(?:'[^']*'|""[^""]*""|[^;&]*)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex KeywordPassword();
}
