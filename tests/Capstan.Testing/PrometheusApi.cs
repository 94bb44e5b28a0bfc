using System.Globalization;
using System.Text;

namespace Capstan.Testing;

/// <summary>One element of an instant query's result: a series' labels (<c>__name__</c> included when it kept its name) and value.</summary>
public sealed record PrometheusSample
{
    public required IReadOnlyDictionary<string, string> Labels { get; init; }

    public required double Value { get; init; }

    /// <summary>The evaluation time of the query.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>The value of a label, or null when the series does not have it.</summary>
    public string? this[string label] => Labels.GetValueOrDefault(label);

    /// <summary><c>name{label="value",…} value</c>, as Prometheus shows a series.</summary>
    public override string ToString() => PrometheusText.Series(Labels) + " " + Value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>What Prometheus says of a target's health after its last scrape.</summary>
public enum PrometheusTargetHealth
{
    /// <summary>Not scraped yet.</summary>
    Unknown,
    Up,
    Down,
}

/// <summary>One active scrape target as <c>/api/v1/targets</c> shows it.</summary>
public sealed record PrometheusTarget
{
    public required string Job { get; init; }

    public required string Instance { get; init; }

    public required string ScrapeUrl { get; init; }

    public required PrometheusTargetHealth Health { get; init; }

    /// <summary>Why the last scrape failed (e.g. <c>server returned HTTP status 401 Unauthorized</c>); empty when it did not.</summary>
    public required string LastError { get; init; }

    /// <summary>When it was last scraped; null before the first scrape.</summary>
    public DateTimeOffset? LastScrape { get; init; }

    /// <summary>The target's labels after relabelling (<c>job</c>, <c>instance</c>).</summary>
    public required IReadOnlyDictionary<string, string> Labels { get; init; }

    public override string ToString() =>
        $"{Job} {ScrapeUrl}: {Health.ToString().ToLowerInvariant()}{(LastError.Length > 0 ? $" ({LastError})" : string.Empty)}";
}

/// <summary>An alert of an alerting rule, pending or firing, as <c>/api/v1/alerts</c> and <c>/api/v1/rules</c> show it.</summary>
public sealed record PrometheusAlert
{
    /// <summary>The alert's labels: <c>alertname</c>, the rule's labels and those of the series it came from.</summary>
    public required IReadOnlyDictionary<string, string> Labels { get; init; }

    public required IReadOnlyDictionary<string, string> Annotations { get; init; }

    /// <summary><c>pending</c> (its <c>for</c> has not passed yet) or <c>firing</c>.</summary>
    public required string State { get; init; }

    /// <summary>When the rule's expression first gave this alert's series.</summary>
    public DateTimeOffset? ActiveAt { get; init; }

    /// <summary>The value of the expression's sample for this alert.</summary>
    public required double Value { get; init; }

    public string Name => Labels.GetValueOrDefault("alertname") ?? string.Empty;

    public override string ToString() => $"{PrometheusText.Series(Labels)} {State} since {ActiveAt:O}";
}

/// <summary>A recording or alerting rule as <c>/api/v1/rules</c> shows it.</summary>
public sealed record PrometheusRule
{
    public required string Group { get; init; }

    /// <summary>The rule file the group came from.</summary>
    public required string File { get; init; }

    /// <summary>The alert's name or the recorded series' name.</summary>
    public required string Name { get; init; }

    /// <summary><c>alerting</c> or <c>recording</c>.</summary>
    public required string Type { get; init; }

    public required string Query { get; init; }

    /// <summary><c>ok</c>, <c>err</c> or <c>unknown</c> (not evaluated yet).</summary>
    public required string Health { get; init; }

    /// <summary>Why the last evaluation failed; empty when it did not.</summary>
    public required string LastError { get; init; }

    /// <summary>An alerting rule's state: <c>inactive</c>, <c>pending</c> or <c>firing</c>; null for a recording rule.</summary>
    public string? State { get; init; }

    /// <summary>An alerting rule's active alerts.</summary>
    public required IReadOnlyList<PrometheusAlert> Alerts { get; init; }

    public override string ToString() =>
        $"{Group}/{Name} ({Type}, {State ?? "recording"}, health {Health}{(LastError.Length > 0 ? ": " + LastError : string.Empty)})";
}

internal static class PrometheusText
{
    /// <summary><c>name{a="1",b="2"}</c>: the labels other than <c>__name__</c> sorted, values quoted as PromQL does.</summary>
    public static string Series(IReadOnlyDictionary<string, string> labels)
    {
        var text = new StringBuilder(labels.GetValueOrDefault("__name__") ?? string.Empty).Append('{');
        var first = true;
        foreach (var (name, value) in labels.Where(l => l.Key != "__name__").OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            text.Append(first ? string.Empty : ",").Append(name).Append('=').Append(PrometheusYaml.Quote(value));
            first = false;
        }

        return text.Append('}').ToString();
    }
}
