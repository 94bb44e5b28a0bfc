using Capstan.Manifest;
using Capstan.Observability.Metrics;
using Capstan.Testing;

namespace Capstan.Deployments.Tests;

/// <summary>
/// A real Prometheus scrapes a real Capstan's <c>/metrics</c> (with its token, as documented) and finds the edge's,
/// the instances' and the host's series; with the rule file <c>capstan export prometheus-rules</c> writes, it fires the
/// same alert Capstan fires, from the same series.
/// </summary>
public sealed class PrometheusInteropTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ARealPrometheus_ScrapesCapstan_FindsItsSeries_AndFiresTheExportedRule()
    {
        await using var fixture = await DeploymentFixture.StartAsync(cancellationToken: Token);
        var manifest = TestApp.Manifest("blue-green", 1, "FAULT_RATE: \"1\"") + """

            alerts:
              - name: HighErrorRate
                when: "error_rate(web) > 1%"
                severity: critical
                summary: "web answers 5xx"
            """;
        File.WriteAllText(Path.Combine(fixture.Project, "capstan.yaml"), manifest);
        var deployment = await fixture.ShouldSucceedAsync((await fixture.DeployAsync(cancellationToken: Token))[0], Token);
        await using var load = new LoadLoop(fixture, workers: 1, pause: TimeSpan.FromMilliseconds(50));
        var rules = PrometheusRuleExporter.Write(ManifestLoader.Parse(manifest, "capstan.yaml", fixture.Project).Manifest!.Alerts, "shop");

        await using var prometheus = await PrometheusServer.StartAsync(
            new PrometheusOptions
            {
                ScrapeJobs = [new PrometheusScrapeJob { JobName = "capstan", Targets = [$"127.0.0.1:{fixture.ApiPort}"], BearerToken = fixture.Server!.AdminToken, HonorLabels = true }],
                ScrapeInterval = TimeSpan.FromSeconds(1),
                EvaluationInterval = TimeSpan.FromSeconds(1),
                RuleFiles = new Dictionary<string, string> { ["capstan.yml"] = rules },
            },
            Token);
        await prometheus.WaitForTargetUpAsync("capstan", TimeSpan.FromSeconds(30), Token);

        var requests = (await prometheus.QueryAsync("capstan_http_requests_total{env=\"staging\",service=\"web\"}", Token)).ShouldHaveSingleItem();
        requests.Labels["version"].ShouldBe($"v{deployment.ReleaseVersion}");
        requests.Value.ShouldBeGreaterThan(0);
        (await prometheus.QueryAsync("capstan_instance_up{service=\"web\"}", Token)).ShouldHaveSingleItem().Value.ShouldBe(1);
        (await prometheus.QueryAsync("capstan_host_cpus", Token)).ShouldHaveSingleItem().Value.ShouldBe(Environment.ProcessorCount);
        (await prometheus.QueryAsync("capstan_http_request_duration_seconds_bucket{service=\"web\",le=\"+Inf\"}", Token)).ShouldHaveSingleItem();

        var alert = await prometheus.WaitForAlertFiringAsync("HighErrorRate", TimeSpan.FromSeconds(60), Token);
        alert.Labels["env"].ShouldBe("staging");
        alert.Labels["service"].ShouldBe("web");
        alert.Labels["severity"].ShouldBe("critical");
        (await prometheus.RulesAsync(Token)).ShouldAllBe(r => r.Health == "ok");
        await load.StopAsync();
    }
}
