using Capstan.Testing;

namespace Capstan.Observability.Tests.Interop;

/// <summary>promtool, Prometheus's own checker, as the validator of rule files and of the configurations the test helpers write.</summary>
public sealed class PromtoolTests
{
    private const string ValidRules = """
        groups:
          - name: capstan
            rules:
              - alert: ServiceDown
                expr: up == 0
                for: 1m
                labels:
                  severity: critical
                annotations:
                  summary: "{{ $labels.instance }} is down"
              - record: job:requests:rate5m
                expr: sum by (job) (rate(http_requests_total[5m]))
        """;

    private const string UnparsableExpression = """
        groups:
          - name: capstan
            rules:
              - alert: Broken
                expr: sum(rate(http_requests_total[5m]) by
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CheckRules_OnAValidFile_ExitsZero_AndCountsItsRules()
    {
        using var folder = new TempDirectory();
        var file = folder.Write("rules.yml", ValidRules);

        var check = await Promtool.CheckRulesAsync(file, Ct).DefaultTimeout();

        check.ExitCode.ShouldBe(0, check.Output);
        check.Succeeded.ShouldBeTrue();
        check.Output.ShouldContain("SUCCESS: 2 rules found");
    }

    [Fact]
    public async Task CheckRules_OnAnUnparsableExpression_ExitsOne_AndNamesTheRuleAndTheParseError()
    {
        using var folder = new TempDirectory();
        var file = folder.Write("rules.yml", UnparsableExpression);

        var check = await Promtool.CheckRulesAsync(file, Ct).DefaultTimeout();

        check.ExitCode.ShouldBe(1, check.Output);
        check.Succeeded.ShouldBeFalse();
        check.Output.ShouldContain("FAILED");
        check.Output.ShouldContain("\"Broken\": could not parse expression");
        check.Output.ShouldContain("parse error");
    }

    [Fact]
    public async Task CheckRules_OnAnUnknownField_ExitsOne_AndNamesTheField()
    {
        using var folder = new TempDirectory();
        var file = folder.Write("rules.yml", ValidRules.Replace("for: 1m", "wait: 1m", StringComparison.Ordinal));

        var check = await Promtool.CheckRulesAsync(file, Ct).DefaultTimeout();

        check.ExitCode.ShouldBe(1, check.Output);
        check.Output.ShouldContain("field wait not found");
    }

    [Fact]
    public async Task CheckConfig_AcceptsTheConfigurationThatPrometheusServerWrites_AndPrometheusLoadsItsRules()
    {
        await using var prometheus = await PrometheusServer.StartAsync(new PrometheusOptions
        {
            ScrapeInterval = TimeSpan.FromSeconds(15),
            ScrapeTimeout = TimeSpan.FromSeconds(5),
            EvaluationInterval = TimeSpan.FromSeconds(30),
            RuleFiles = new Dictionary<string, string> { ["capstan.yml"] = ValidRules },
            AlertmanagerUrls = [new Uri("http://127.0.0.1:9/alertmanager")],
            AlertResendDelay = TimeSpan.FromMilliseconds(1500),
            ScrapeJobs =
            [
                new PrometheusScrapeJob { JobName = "inline \"token\"", Targets = ["127.0.0.1:9", "127.0.0.1:10"], BearerToken = "a'b\"c#d" },
                new PrometheusScrapeJob
                {
                    JobName = "file-token",
                    Targets = ["127.0.0.1:9"],
                    MetricsPath = "/internal/metrics",
                    BearerToken = "t",
                    BearerTokenInFile = true,
                    ScrapeInterval = TimeSpan.FromMinutes(2),
                    HonorLabels = true,
                },
            ],
        }, Ct).DefaultTimeout();

        var check = await Promtool.CheckConfigAsync(prometheus.ConfigurationPath, Ct).DefaultTimeout();

        check.ExitCode.ShouldBe(0, check.Output);
        check.Output.ShouldContain("SUCCESS: 2 rules found");
        File.ReadAllText(prometheus.ConfigurationPath).ShouldContain("honor_labels: true");
        var rules = await prometheus.RulesAsync(Ct).DefaultTimeout();
        rules.Select(r => (r.Group, r.Name, r.Type)).ShouldBe([("capstan", "ServiceDown", "alerting"), ("capstan", "job:requests:rate5m", "recording")]);
        // Prometheus hands discovered targets to its scrapers every 5 s, so they are listed only after the first of those.
        IReadOnlyList<PrometheusTarget> targets = [];
        await Poll.UntilAsync(
            async ct => (targets = await prometheus.TargetsAsync(ct)).Count == 3, "Prometheus lists 3 targets", TimeSpan.FromSeconds(15), Ct);
        targets.Select(t => t.ScrapeUrl).Order(StringComparer.Ordinal).ShouldBe(
            ["http://127.0.0.1:10/metrics", "http://127.0.0.1:9/internal/metrics", "http://127.0.0.1:9/metrics"]);
        targets.Select(t => t.Job).Distinct().Order(StringComparer.Ordinal).ShouldBe(["file-token", "inline \"token\""]);
    }
}
