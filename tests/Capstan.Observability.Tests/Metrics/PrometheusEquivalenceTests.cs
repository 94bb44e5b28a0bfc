using System.Globalization;
using System.Text;
using Capstan.Manifest.Alerts;
using Capstan.Manifest.Values;
using Capstan.Observability.Metrics;
using Capstan.Testing;
using static Capstan.Observability.Tests.Metrics.PrometheusRuleExporterTests;

namespace Capstan.Observability.Tests.Metrics;

/// <summary>
/// The same series go into a <see cref="SeriesStore"/> and into Prometheus's rule unit tests (<c>promtool test
/// rules</c>); Prometheus must compute, from the exported PromQL, the values <see cref="MetricsConditionSource"/>
/// computed for every function.
/// </summary>
public sealed class PrometheusEquivalenceTests
{
    private const int Steps = 81; // a sample every 15 s from 0 to 1200 s
    private static readonly DateTimeOffset Epoch = DateTimeOffset.UnixEpoch;

    // Off the 15 s grid: Prometheus 2 takes a range's start sample, Prometheus 3 and Capstan do not.
    private static readonly TimeSpan EvalTime = TimeSpan.FromSeconds(1207);

    private static readonly string[] Conditions =
    [
        "error_rate(api) > 1%",
        "latency_p50(api) > 100ms",
        "latency_p95(api) > 100ms",
        "latency_p99(api) > 100ms",
        "rps(api) > 1",
        "up(api) < 1",
        "cpu(api) > 1%",
        "memory(api) > 1%",
        "memory(api) > 1Gi",
        "restarts(api) > 1",
        "disk_free() < 1%",
        "disk_free() < 1Gi",
        "cert_expiry_days(shop.example) < 14",
        "secret_age(DB_PASSWORD) > 1d",
        "backup_age(visits) > 1h",
        """queue_depth{queue="C:\mail"} > 1""",
    ];

    [Fact]
    public async Task Prometheus_ComputesFromTheExportedRules_WhatTheConditionSourceComputes()
    {
        var promtool = Promtool.Path ?? throw new InvalidOperationException(Promtool.Missing);
        var series = Series();
        var store = new SeriesStore(clock: new ManualClock(Epoch + EvalTime));
        foreach (var (name, labels, values) in series)
        {
            for (var step = 0; step < values.Length; step++)
            {
                if (values[step] is { } value)
                {
                    store.Append(name, labels, value, Epoch.AddSeconds(15 * step));
                }
            }
        }

        var source = new MetricsConditionSource(store);
        var test = new StringBuilder();
        test.Append("rule_files: [rules.yml]\nevaluation_interval: 15s\ntests:\n  - interval: 15s\n    input_series:\n");
        foreach (var (name, labels, values) in series)
        {
            test.Append("      - series: ").Append(PrometheusRuleExporter.Quote(name + labels)).Append('\n');
            test.Append("        values: ").Append(PrometheusRuleExporter.Quote(string.Join(' ', values.Select(v => v is { } x ? Number(x) : "_")))).Append('\n');
        }

        test.Append("    promql_expr_test:\n");
        var compared = 0;
        foreach (var text in Conditions)
        {
            var condition = Parse(text);
            var values = source.Evaluate(condition, Epoch + EvalTime);
            values.ShouldNotBeEmpty($"the data is meant to give {text} a value");
            compared += values.Count;
            test.Append("      - expr: ").Append(PrometheusRuleExporter.Quote(PrometheusRuleExporter.Subject(condition))).Append('\n');
            test.Append("        eval_time: ").Append((int)EvalTime.TotalSeconds).Append("s\n");
            test.Append("        exp_samples:\n");
            foreach (var value in values)
            {
                // last_over_time keeps the series name; everything else drops it.
                var name = Name(condition);
                test.Append("          - labels: ").Append(PrometheusRuleExporter.Quote(name + Braces(value.Labels))).Append('\n');
                test.Append("            value: ").Append(Number(value.Value)).Append('\n');
            }
        }

        // An alert's labels and annotations come out as written, templates and all.
        var deep = Rule("QueueDeep", """queue_depth{queue="C:\mail"} > 1""") with
        {
            For = Duration.Parse("0s"),
            Labels = new Dictionary<string, string> { ["team"] = "a \"b\" \\ c {{ d }}" },
            Summary = "{{ $labels.queue }} is deep",
        };
        test.Append("    alert_rule_test:\n");
        test.Append("      - eval_time: ").Append((int)EvalTime.TotalSeconds).Append("s\n");
        test.Append("        alertname: QueueDeep\n");
        test.Append("        exp_alerts:\n");
        test.Append("          - exp_labels:\n");
        test.Append("              severity: warning\n");
        test.Append("              team: ").Append(PrometheusRuleExporter.Quote(deep.Labels["team"])).Append('\n');
        test.Append("              queue: ").Append(PrometheusRuleExporter.Quote(@"C:\mail")).Append('\n');
        test.Append("              env: production\n");
        test.Append("            exp_annotations:\n");
        test.Append("              summary: ").Append(PrometheusRuleExporter.Quote(deep.Summary)).Append('\n');

        using var folder = new TempDirectory();
        folder.Write("rules.yml", PrometheusRuleExporter.Write([deep], "shop"));
        var file = folder.Write("test.yml", test.ToString());

        var run = await ProcessRunner.RunAsync(promtool, ["test", "rules", "test.yml"], TimeSpan.FromSeconds(60), folder.Path, TestContext.Current.CancellationToken)
            .DefaultTimeout(TimeSpan.FromSeconds(90));

        run.ExitCode.ShouldBe(0, $"promtool test rules:\n{run.StandardOutput}{run.StandardError}\n{File.ReadAllText(file)}");
        compared.ShouldBeGreaterThan(Conditions.Length);
    }

    private static string Name(AlertCondition condition) =>
        condition.IsSeries ? condition.Function
        : condition.Function == "disk_free" && condition.Threshold.Kind == ThresholdKind.Size ? SeriesNames.HostDiskFree
        : "";

    private static string Braces(LabelSet labels) => labels.Count == 0 ? "{}" : labels.ToString();

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static List<(string Name, LabelSet Labels, double?[] Values)> Series()
    {
        var list = new List<(string, LabelSet, double?[])>();
        void Add(string name, LabelSet labels, Func<int, double?> value) =>
            list.Add((name, labels, [.. Enumerable.Range(0, Steps).Select(value)]));
        LabelSet Of(string env, string version) => LabelSet.Of(("env", env), ("service", "api"), ("version", version));
        LabelSet Instance(string env, string id) => Of(env, "1").With("instance", id);

        // Requests: production's two versions, 20 and 5 a step; staging 10 a step with a restart at 1170 s.
        Add(SeriesNames.HttpRequests, Of("production", "1"), s => 1000 + (20 * s));
        Add(SeriesNames.HttpRequests, Of("production", "2"), s => 5 * s);
        Add(SeriesNames.HttpRequestErrors, Of("production", "1"), s => s);
        Add(SeriesNames.HttpRequests, Of("staging", "1"), s => s < 78 ? 10 * s : 10 * (s - 78));
        Add(SeriesNames.HttpRequestErrors, Of("staging", "1"), s => s < 78 ? s : s - 78);
        (string Le, int PerStep)[] buckets =
            [("0.005", 0), ("0.01", 1), ("0.025", 2), ("0.05", 4), ("0.1", 8), ("0.25", 12), ("0.5", 15), ("0.75", 17), ("1", 18), ("2", 19), ("5", 19), ("10", 20), ("+Inf", 20)];
        foreach (var (le, perStep) in buckets)
        {
            Add(SeriesNames.HttpRequestDurationBucket, Of("production", "1").With("le", le), s => perStep * s);
            Add(SeriesNames.HttpRequestDurationBucket, Of("production", "2").With("le", le), s => 500 + (perStep / 2 * s));
        }

        // Instances: i-1 uses half its 0.5-core limit and 300 of its 600 MB; i-2 has no limits; i-3 went silent.
        Add(SeriesNames.InstanceUp, Instance("production", "i-1"), _ => 1);
        Add(SeriesNames.InstanceUp, Instance("production", "i-2"), _ => 0);
        Add(SeriesNames.InstanceUp, Instance("staging", "i-3"), s => s <= 70 ? 1 : null);
        Add(SeriesNames.InstanceCpuSeconds, Instance("production", "i-1"), s => 100 + (3.75 * s));
        Add(SeriesNames.InstanceCpuLimit, Instance("production", "i-1"), _ => 0.5);
        Add(SeriesNames.InstanceCpuSeconds, Instance("production", "i-2"), s => 50 + (3 * s));
        Add(SeriesNames.InstanceMemory, Instance("production", "i-1"), _ => 300e6);
        Add(SeriesNames.InstanceMemoryLimit, Instance("production", "i-1"), _ => 600e6);
        Add(SeriesNames.InstanceMemory, Instance("production", "i-2"), s => 200e6 + (1000 * s));
        Add(SeriesNames.InstanceRestarts, Instance("production", "i-1"), s => s <= 60 ? 0 : s <= 71 ? 1 : 3);
        Add(SeriesNames.InstanceRestarts, Instance("production", "i-2"), _ => 0);

        // Host, certificates, secrets, backups, and a scraped series with a backslash in a label value.
        var data = LabelSet.Of(("path", "/var/lib/capstan"));
        Add(SeriesNames.HostDiskTotal, data, _ => 100e9);
        Add(SeriesNames.HostDiskFree, data, s => 15e9 - (1e6 * s));
        Add(SeriesNames.CertificateExpiry, LabelSet.Of(("host", "shop.example")), _ => 1207 + (12.5 * 86400));
        Add(SeriesNames.SecretUpdated, LabelSet.Of(("secret", "DB_PASSWORD")), _ => 1000);
        Add(SeriesNames.BackupLastSuccess, LabelSet.Of(("backup", "visits")), s => s >= 40 ? 600 : null);
        Add("queue_depth", LabelSet.Of(("queue", @"C:\mail"), ("env", "production")), s => 5 + s);
        Add("queue_depth", LabelSet.Of(("queue", "sms")), s => s);
        return list;
    }
}
