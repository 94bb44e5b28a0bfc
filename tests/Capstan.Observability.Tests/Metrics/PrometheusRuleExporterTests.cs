using Capstan.Manifest.Alerts;
using Capstan.Manifest.Model;
using Capstan.Manifest.Values;
using Capstan.Observability.Metrics;
using Capstan.Testing;

namespace Capstan.Observability.Tests.Metrics;

public sealed class PrometheusRuleExporterTests
{
    [Theory]
    [InlineData("error_rate(api) > 1%",
        """(sum by (env, service) (increase(capstan_http_request_errors_total{service="api"}[1m])) or sum by (env, service) (increase(capstan_http_requests_total{service="api"}[1m])) * 0) / (sum by (env, service) (increase(capstan_http_requests_total{service="api"}[1m])) > 0) * 100 > 1""")]
    [InlineData("latency_p95(api) >= 750ms",
        """(histogram_quantile(0.95, sum by (env, service, le) (increase(capstan_http_request_duration_seconds_bucket{service="api"}[1m]))) and on (env, service) (sum by (env, service) (increase(capstan_http_request_duration_seconds_bucket{le="+Inf",service="api"}[1m])) > 0)) >= 0.75""")]
    [InlineData("rps(api) < 0.5",
        """sum by (env, service) (rate(capstan_http_requests_total{service="api"}[1m])) < 0.5""")]
    [InlineData("up(api) < 1",
        """sum by (env, service) (last_over_time(capstan_instance_up{service="api"}[30s]) == bool 1) < 1""")]
    [InlineData("cpu(api) > 70%",
        """avg by (env, service) (rate(capstan_instance_cpu_seconds_total{service="api"}[1m]) / ((last_over_time(capstan_instance_cpu_limit_cores{service="api"}[30s]) > 0) or capstan_instance_cpu_seconds_total{service="api"} * 0 + 1)) * 100 > 70""")]
    [InlineData("memory(api) > 80%",
        """avg by (env, service) (last_over_time(capstan_instance_memory_bytes{service="api"}[30s]) / (last_over_time(capstan_instance_memory_limit_bytes{service="api"}[30s]) > 0)) * 100 > 80""")]
    [InlineData("memory(api) > 2Gi",
        """avg by (env, service) (last_over_time(capstan_instance_memory_bytes{service="api"}[30s])) > 2147483648""")]
    [InlineData("restarts(api) > 3",
        """sum by (env, service) (increase(capstan_instance_restarts_total{service="api"}[15m])) > 3""")]
    [InlineData("disk_free() < 20%",
        """last_over_time(capstan_host_disk_free_bytes[30s]) / (last_over_time(capstan_host_disk_total_bytes[30s]) > 0) * 100 < 20""")]
    [InlineData("disk_free() < 10Gi",
        """last_over_time(capstan_host_disk_free_bytes[30s]) < 10737418240""")]
    [InlineData("cert_expiry_days(shop.example) < 14",
        """(last_over_time(capstan_cert_expiry_timestamp_seconds{host="shop.example"}[10m]) - time()) / 86400 < 14""")]
    [InlineData("secret_age(DB_PASSWORD) > 90d",
        """time() - last_over_time(capstan_secret_updated_timestamp_seconds{secret="DB_PASSWORD"}[10m]) > 7776000""")]
    [InlineData("backup_age(visits) > 2h",
        """time() - last_over_time(capstan_backup_last_success_timestamp_seconds{backup="visits"}[10m]) > 7200""")]
    [InlineData("""queue_depth{queue="C:\mail", priority="high"} != 0""",
        """last_over_time(queue_depth{priority="high",queue="C:\\mail"}[30s]) != 0""")]
    [InlineData("job:errors:rate5m == -1",
        """last_over_time(job:errors:rate5m[30s]) == -1""")]
    public void Expression_IsThePromQlOfWhatTheConditionSourceComputes(string condition, string promQl)
    {
        PrometheusRuleExporter.Expression(Parse(condition)).ShouldBe(promQl);
    }

    [Fact]
    public void Write_GivesOneGroupPerApp_WithEveryStringQuotedAndTemplatesEscaped()
    {
        var rules = new[]
        {
            Rule("HighErrorRate", "error_rate(api) > 1%") with
            {
                For = Duration.Parse("1h30m"),
                Severity = AlertSeverity.Critical,
                Runbook = "docs/runbooks/high-error-rate.md#first-steps",
                Labels = new Dictionary<string, string> { ["team"] = "pay \"ments\"\n{{ x }}", ["severity"] = "ignored", ["empty"] = "" },
                Summary = @"api answers 5xx to more than 1% of C:\requests",
            },
            Rule("DiskLow", "disk_free() < 20%"),
        };

        PrometheusRuleExporter.Write(rules, "shop").ShouldBe("""
            # Prometheus alerting rules exported by Capstan from capstan.yaml's alerts; regenerate rather than edit.
            # They query the series of Capstan's /metrics: scrape it with honor_labels: true.
            groups:
              - name: "capstan-shop"
                rules:
                  - alert: "HighErrorRate"
                    expr: "(sum by (env, service) (increase(capstan_http_request_errors_total{service=\"api\"}[1m])) or sum by (env, service) (increase(capstan_http_requests_total{service=\"api\"}[1m])) * 0) / (sum by (env, service) (increase(capstan_http_requests_total{service=\"api\"}[1m])) > 0) * 100 > 1"
                    for: "1h30m"
                    labels:
                      severity: "critical"
                      team: "pay \"ments\"\n{{ \"{{\" }} x }}"
                    annotations:
                      summary: "api answers 5xx to more than 1% of C:\\requests"
                      runbook_url: "docs/runbooks/high-error-rate.md#first-steps"
                  - alert: "DiskLow"
                    expr: "last_over_time(capstan_host_disk_free_bytes[30s]) / (last_over_time(capstan_host_disk_total_bytes[30s]) > 0) * 100 < 20"
                    for: "5m"
                    labels:
                      severity: "warning"
                    annotations:
                      summary: "DiskLow: disk_free() < 20%"

            """);
    }

    [Fact]
    public void Write_WithoutRules_GivesAnEmptyGroup()
    {
        PrometheusRuleExporter.Write([], "shop").ShouldEndWith("  - name: \"capstan-shop\"\n    rules: []\n");
    }

    [Fact]
    public async Task Promtool_AcceptsTheRuleFile_OfEveryFunctionAndAScrapedSeries()
    {
        var promtool = Promtool.Path ?? throw new InvalidOperationException(Promtool.Missing);
        var rules = new List<AlertRule>();
        foreach (var function in AlertFunctions.All)
        {
            foreach (var unit in function.Units)
            {
                var threshold = unit switch
                {
                    ThresholdKind.Percentage => "12.5%",
                    ThresholdKind.Duration => "1500ms",
                    ThresholdKind.Size => "1.5Gi",
                    _ => "-2",
                };
                // Arguments with quotes and backslashes, which PromQL must escape.
                var argument = function.Argument == AlertArgumentKind.None ? "" : "'we\"ird\\name'";
                rules.Add(Rule($"{function.Name}-{unit}", $"{function.Name}({argument}) > {threshold}"));
            }
        }

        rules.Add(Rule("QueueDeep", """queue_depth{queue="C:\mail\", priority="high"} >= 1000""") with
        {
            For = Duration.Parse("0s"),
            Severity = AlertSeverity.Info,
            Runbook = "https://runbooks.example/queue?x=1&y=\"2\"",
            Labels = new Dictionary<string, string> { ["team"] = "a \"b\" \\ c\n{{ d }} #e: f", ["owner"] = "{{{{" },
            Summary = "{{ $labels.queue }} is deep: 'quoted' \"double\" \\ \t tab",
        });
        using var folder = new TempDirectory();
        var file = folder.Write("rules.yml", PrometheusRuleExporter.Write(rules, "shop \"x\""));

        var check = await ProcessRunner.RunAsync(promtool, ["check", "rules", file], TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken)
            .DefaultTimeout(TimeSpan.FromSeconds(90));

        check.ExitCode.ShouldBe(0, $"promtool check rules {file}:\n{check.StandardOutput}{check.StandardError}\n{File.ReadAllText(file)}");
        (check.StandardOutput + check.StandardError).ShouldContain($"SUCCESS: {rules.Count} rules found");
        rules.Count.ShouldBe(AlertFunctions.All.Sum(f => f.Units.Count) + 1);
    }

    internal static AlertRule Rule(string name, string condition) => new()
    {
        Name = name,
        When = Parse(condition),
        For = Duration.Parse("5m"),
        Severity = AlertSeverity.Warning,
        Notify = [],
        Labels = new Dictionary<string, string>(),
        Guard = false,
    };

    internal static AlertCondition Parse(string text) =>
        AlertConditionParser.Parse(text, out var error) ?? throw new ArgumentException(error.Message, nameof(text));
}

/// <summary>Finds Prometheus's promtool on the PATH; the rule export tests need it.</summary>
internal static class Promtool
{
    public const string Missing =
        "promtool is not installed, and the exported rules must be checked by Prometheus's own validator: "
        + "install it with 'apt-get install -y --no-install-recommends prometheus' (Debian) or put promtool on the PATH.";

    public static string? Path { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(folder => System.IO.Path.Combine(folder, "promtool"))
        .FirstOrDefault(File.Exists);
}
