using System.Globalization;
using System.Text;
using Capstan.Manifest.Alerts;
using Capstan.Manifest.Model;

namespace Capstan.Observability.Metrics;

/// <summary>
/// Writes an app's alert rules as a Prometheus rule file, for teams that run their own Prometheus against Capstan's
/// <c>/metrics</c> (scraped with <c>honor_labels: true</c>, so the series keep their own <c>instance</c> label).
/// Each condition becomes the PromQL that computes what <see cref="MetricsConditionSource"/> computes, over the
/// series of <see cref="SeriesNames"/> and the windows of <see cref="ConditionWindows"/>; docs/metrics.md has the table.
/// </summary>
public static class PrometheusRuleExporter
{
    private const string By = "by (env, service)";

    /// <summary>
    /// The rule file: one group, <c>capstan-&lt;app&gt;</c>, one alerting rule per alert with its expression, <c>for</c>,
    /// labels (severity and the alert's own) and annotations (summary, runbook_url). Every string is a double-quoted
    /// YAML scalar, and label and annotation values have <c>{{</c> escaped, as Prometheus reads them as templates.
    /// </summary>
    public static string Write(IReadOnlyList<AlertRule> rules, string app)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentException.ThrowIfNullOrEmpty(app);
        var yaml = new StringBuilder();
        yaml.Append("# Prometheus alerting rules exported by Capstan from capstan.yaml's alerts; regenerate rather than edit.\n");
        yaml.Append("# They query the series of Capstan's /metrics: scrape it with honor_labels: true.\n");
        yaml.Append("groups:\n");
        yaml.Append("  - name: ").Append(Quote("capstan-" + app)).Append('\n');
        if (rules.Count == 0)
        {
            yaml.Append("    rules: []\n");
            return yaml.ToString();
        }

        yaml.Append("    rules:\n");
        foreach (var rule in rules)
        {
            yaml.Append("      - alert: ").Append(Quote(rule.Name)).Append('\n');
            yaml.Append("        expr: ").Append(Quote(Expression(rule.When))).Append('\n');
            yaml.Append("        for: ").Append(Quote(Duration(rule.For.Value))).Append('\n');
            yaml.Append("        labels:\n");
            yaml.Append("          severity: ").Append(Quote(rule.Severity.ToString().ToLowerInvariant())).Append('\n');
            foreach (var (name, value) in rule.Labels.OrderBy(l => l.Key, StringComparer.Ordinal))
            {
                // Capstan's severity decides; an empty value means no label, as in Prometheus.
                if (name != "severity" && value.Length > 0)
                {
                    yaml.Append("          ").Append(name).Append(": ").Append(Quote(Template(value))).Append('\n');
                }
            }

            yaml.Append("        annotations:\n");
            yaml.Append("          summary: ").Append(Quote(Template(rule.Summary ?? $"{rule.Name}: {rule.When.Text}"))).Append('\n');
            if (rule.Runbook is { } runbook)
            {
                yaml.Append("          runbook_url: ").Append(Quote(Template(runbook))).Append('\n');
            }
        }

        return yaml.ToString();
    }

    /// <summary>The PromQL of a condition, comparison included: <c>… &gt; 1</c>.</summary>
    public static string Expression(AlertCondition condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var op = condition.Operator switch
        {
            ComparisonOperator.GreaterThan => ">",
            ComparisonOperator.GreaterOrEqual => ">=",
            ComparisonOperator.LessThan => "<",
            ComparisonOperator.LessOrEqual => "<=",
            ComparisonOperator.Equal => "==",
            _ => "!=",
        };
        return $"{Subject(condition)} {op} {Number(condition.Threshold.Value)}";
    }

    /// <summary>
    /// The PromQL of a condition's subject, without the comparison: its value per environment (service functions),
    /// per path, or per series, in the threshold's unit.
    /// </summary>
    public static string Subject(AlertCondition condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        if (condition.IsSeries)
        {
            return $"last_over_time({Selector(condition.Function, condition.Labels)}[{Range(ConditionWindows.Current)}])";
        }

        var argument = condition.Arguments.Count > 0 ? condition.Arguments[0].Value : "";
        var percentage = condition.Threshold.Kind == ThresholdKind.Percentage;
        string Of(string series, string label = SeriesLabels.Service) => Selector(series, new Dictionary<string, string> { [label] = argument });
        var requests = Of(SeriesNames.HttpRequests);
        var minute = Range(ConditionWindows.Requests);
        var current = Range(ConditionWindows.Current);
        return condition.Function switch
        {
            "error_rate" =>
                $"(sum {By} (increase({Of(SeriesNames.HttpRequestErrors)}[{minute}])) or sum {By} (increase({requests}[{minute}])) * 0)"
                + $" / (sum {By} (increase({requests}[{minute}])) > 0) * 100",
            "latency_p50" => Latency(0.5, argument),
            "latency_p95" => Latency(0.95, argument),
            "latency_p99" => Latency(0.99, argument),
            "rps" => $"sum {By} (rate({requests}[{minute}]))",
            "up" => $"sum {By} (last_over_time({Of(SeriesNames.InstanceUp)}[{current}]) == bool 1)",
            "cpu" =>
                $"avg {By} (rate({Of(SeriesNames.InstanceCpuSeconds)}[{minute}])"
                + $" / ((last_over_time({Of(SeriesNames.InstanceCpuLimit)}[{current}]) > 0) or {Of(SeriesNames.InstanceCpuSeconds)} * 0 + 1)) * 100",
            "memory" when percentage =>
                $"avg {By} (last_over_time({Of(SeriesNames.InstanceMemory)}[{current}]) / (last_over_time({Of(SeriesNames.InstanceMemoryLimit)}[{current}]) > 0)) * 100",
            "memory" => $"avg {By} (last_over_time({Of(SeriesNames.InstanceMemory)}[{current}]))",
            "restarts" => $"sum {By} (increase({Of(SeriesNames.InstanceRestarts)}[{Range(ConditionWindows.Restarts)}]))",
            "disk_free" when percentage =>
                $"last_over_time({SeriesNames.HostDiskFree}[{current}]) / (last_over_time({SeriesNames.HostDiskTotal}[{current}]) > 0) * 100",
            "disk_free" => $"last_over_time({SeriesNames.HostDiskFree}[{current}])",
            "cert_expiry_days" => $"(last_over_time({Of(SeriesNames.CertificateExpiry, SeriesLabels.Host)}[{Range(ConditionWindows.Timestamps)}]) - time()) / 86400",
            "secret_age" => $"time() - last_over_time({Of(SeriesNames.SecretUpdated, SeriesLabels.Secret)}[{Range(ConditionWindows.Timestamps)}])",
            "backup_age" => $"time() - last_over_time({Of(SeriesNames.BackupLastSuccess, SeriesLabels.Backup)}[{Range(ConditionWindows.Timestamps)}])",
            _ => throw new ArgumentException($"'{condition.Function}' is not an alert function; known: {string.Join(", ", AlertFunctions.All.Select(f => f.Name))}", nameof(condition)),
        };
    }

    /// <summary>The quantile of the minute's bucket increases per environment, only where the +Inf bucket grew (no requests, no value).</summary>
    private static string Latency(double quantile, string service)
    {
        var buckets = Selector(SeriesNames.HttpRequestDurationBucket, new Dictionary<string, string> { [SeriesLabels.Service] = service });
        var all = Selector(SeriesNames.HttpRequestDurationBucket, new Dictionary<string, string> { [SeriesLabels.Service] = service, [SeriesLabels.Le] = "+Inf" });
        var minute = Range(ConditionWindows.Requests);
        return $"(histogram_quantile({Number(quantile)}, sum by (env, service, le) (increase({buckets}[{minute}])))"
            + $" and on (env, service) (sum {By} (increase({all}[{minute}])) > 0))";
    }

    /// <summary><c>name{a="x",b="y"}</c>, labels sorted, values escaped as PromQL strings (backslash, quote, newline).</summary>
    private static string Selector(string name, IReadOnlyDictionary<string, string> labels)
    {
        if (labels.Count == 0)
        {
            return name;
        }

        var text = new StringBuilder(name).Append('{');
        var first = true;
        foreach (var (label, value) in labels.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            text.Append(first ? "" : ",").Append(label).Append("=\"");
            LabelSet.AppendEscaped(text, value);
            text.Append('"');
            first = false;
        }

        return text.Append('}').ToString();
    }

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Range(TimeSpan window) => Duration(window);

    /// <summary>A Prometheus duration: units from days down to milliseconds, largest first (<c>1h30m</c>, <c>0s</c>).</summary>
    private static string Duration(TimeSpan value)
    {
        var milliseconds = (long)Math.Round(value.TotalMilliseconds);
        if (milliseconds <= 0)
        {
            return "0s";
        }

        var text = new StringBuilder();
        foreach (var (unit, size) in (ReadOnlySpan<(string, long)>)[("d", 86_400_000L), ("h", 3_600_000L), ("m", 60_000L), ("s", 1_000L), ("ms", 1L)])
        {
            if (milliseconds >= size)
            {
                text.Append((milliseconds / size).ToString(CultureInfo.InvariantCulture)).Append(unit);
                milliseconds %= size;
            }
        }

        return text.ToString();
    }

    /// <summary>Prometheus expands label and annotation values as Go templates: a literal <c>{{</c> is written as an action printing it.</summary>
    private static string Template(string text) => text.Replace("{{", "{{ \"{{\" }}", StringComparison.Ordinal);

    /// <summary>A double-quoted YAML scalar: backslash, quote and every control or line-separator character escaped.</summary>
    internal static string Quote(string text)
    {
        var quoted = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            _ = c switch
            {
                '\\' => quoted.Append(@"\\"),
                '"' => quoted.Append("\\\""),
                '\n' => quoted.Append(@"\n"),
                '\r' => quoted.Append(@"\r"),
                '\t' => quoted.Append(@"\t"),
                < ' ' or (>= '\u007f' and <= '\u009f') or '\u2028' or '\u2029' or '\ufeff' =>
                    quoted.Append(@"\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)),
                _ => quoted.Append(c),
            };
        }

        return quoted.Append('"').ToString();
    }
}
