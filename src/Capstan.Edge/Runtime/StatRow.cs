using System.Globalization;

namespace Capstan.Edge.Runtime;

/// <summary>One line of <c>show stat</c>: a frontend, a backend or a server, with HAProxy's counters.</summary>
public sealed record StatRow
{
    /// <summary>The frontend's or backend's name (<c>pxname</c>).</summary>
    public required string Proxy { get; init; }

    /// <summary>The server's name, or <c>FRONTEND</c> / <c>BACKEND</c> (<c>svname</c>).</summary>
    public required string Name { get; init; }

    public required StatRowType Type { get; init; }

    /// <summary>Sessions open now (<c>scur</c>): for a server, the requests it is serving.</summary>
    public required long CurrentSessions { get; init; }

    /// <summary>Sessions since start (<c>stot</c>).</summary>
    public required long TotalSessions { get; init; }

    /// <summary>UP, DOWN, DRAIN, MAINT, no check, OPEN… (<c>status</c>).</summary>
    public required string Status { get; init; }

    /// <summary>The effective weight (<c>weight</c>); 0 when draining.</summary>
    public required long Weight { get; init; }

    /// <summary>Responses with a 5xx status (<c>hrsp_5xx</c>).</summary>
    public required long Responses5xx { get; init; }

    /// <summary>Connection retries (<c>wretr</c>) and redispatches (<c>wredis</c>).</summary>
    public required long Retries { get; init; }

    public required long Redispatches { get; init; }

    /// <summary>Every column by its name, as HAProxy wrote it (empty when not applicable).</summary>
    public required IReadOnlyDictionary<string, string> Fields { get; init; }

    /// <summary>Parses <c>show stat</c>'s CSV: a "# pxname,svname,…" header, then one row per line.</summary>
    /// <exception cref="EdgeException">The answer is not a stat dump.</exception>
    internal static List<StatRow> Parse(string answer)
    {
        var lines = answer.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0 || !lines[0].StartsWith("# pxname,", StringComparison.Ordinal))
        {
            throw new EdgeException($"HAProxy answered 'show stat' with: {answer.Trim()}");
        }

        var columns = lines[0][2..].Split(',');
        var rows = new List<StatRow>();
        foreach (var line in lines.Skip(1))
        {
            // No field of show stat's CSV holds a comma (names cannot, descriptions are not asked for).
            var values = line.Split(',');
            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < columns.Length && i < values.Length; i++)
            {
                if (columns[i].Length > 0)
                {
                    fields[columns[i]] = values[i];
                }
            }

            long Number(string name) =>
                fields.TryGetValue(name, out var text) && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : 0;
            rows.Add(new StatRow
            {
                Proxy = fields.GetValueOrDefault("pxname", string.Empty),
                Name = fields.GetValueOrDefault("svname", string.Empty),
                Type = (StatRowType)Number("type"),
                CurrentSessions = Number("scur"),
                TotalSessions = Number("stot"),
                Status = fields.GetValueOrDefault("status", string.Empty),
                Weight = Number("weight"),
                Responses5xx = Number("hrsp_5xx"),
                Retries = Number("wretr"),
                Redispatches = Number("wredis"),
                Fields = fields,
            });
        }

        return rows;
    }
}

/// <summary>What a <see cref="StatRow"/> describes (<c>type</c>).</summary>
public enum StatRowType
{
    Frontend = 0,
    Backend = 1,
    Server = 2,
    Listener = 3,
}
