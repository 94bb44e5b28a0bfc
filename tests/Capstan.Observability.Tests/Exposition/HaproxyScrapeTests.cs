using Capstan.Observability.Exposition;
using Capstan.Observability.Tests.Exposition.Support;
using Capstan.Testing;

namespace Capstan.Observability.Tests.Exposition;

/// <summary>A real HAProxy's Prometheus exporter, scraped through real HTTP.</summary>
public sealed class HaproxyScrapeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ScrapingARealHaproxy_GivesItsFamilies_WithoutProblems()
    {
        await using var haproxy = await TestHaproxy.StartAsync(Ct).DefaultTimeout();
        using var client = new HttpClient();
        for (var i = 0; i < 5; i++)
        {
            using var response = await client.GetAsync(haproxy.WebUrl, Ct).DefaultTimeout();
            response.IsSuccessStatusCode.ShouldBeTrue();
        }

        var result = await new MetricsScraper(client).ScrapeAsync(haproxy.MetricsUrl, TimeSpan.FromSeconds(10), Ct).DefaultTimeout();

        result.Succeeded.ShouldBeTrue(result.Failure);
        result.Problems.ShouldBeEmpty();
        result.Families.Count.ShouldBeGreaterThan(100);
        var requests = result.Exposition["haproxy_frontend_http_requests_total"].ShouldNotBeNull();
        requests.Type.ShouldBe(MetricType.Counter);
        requests.Samples.Single(s => s.Labels["proxy"] == "web").Value.ShouldBe(5);
        var servers = result.Exposition["haproxy_server_status"].ShouldNotBeNull();
        servers.Samples.Select(s => s.Labels["server"]).Distinct().ShouldBe(["app1", "app2", "api1", "api2"]);

        // api2's port is closed, but it counts as up until its first health check has failed: only the others are sure.
        var up = servers.Samples.Where(s => s.Labels["state"] == "UP" && s.Value == 1).Select(s => s.Labels["server"]).ToList();
        up.ShouldContain("app1");
        up.ShouldContain("app2");
        up.ShouldContain("api1");
        result.Exposition["haproxy_process_uptime_seconds"].ShouldNotBeNull().Type.ShouldBe(MetricType.Gauge);
    }
}
