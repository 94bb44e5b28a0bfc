using Capstan.Testing;
using System.Net;

namespace Capstan.IntegrationTests.ExampleApp;

[Collection(HelloAppCollection.Name)]
public sealed class HelloMetricsTests
{
    private readonly HelloAppFixture _app;

    public HelloMetricsTests(HelloAppFixture app)
    {
        _app = app;
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Metrics_AfterSomeTraffic_IsValidPrometheusTextWithTheCounts()
    {
        using var data = new TempDirectory();
        await using var hello = await _app.StartAsync(data.Path, environment: null, Ct);
        for (var i = 0; i < 3; i++)
        {
            (await StatusOf(hello, "/")).ShouldBe(HttpStatusCode.OK);
        }

        (await StatusOf(hello, "/no-such-page")).ShouldBe(HttpStatusCode.NotFound);

        using var response = await hello.Http.GetAsync("/metrics", Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/plain");
        response.Content.Headers.ContentType.Parameters.ShouldContain(p => p.Name == "version" && p.Value == "0.0.4");
        var metrics = PrometheusText.Parse(await response.Content.ReadAsStringAsync(Ct));

        metrics.Types.GetValueOrDefault("hello_requests_total").ShouldBe("counter");
        metrics.Types.GetValueOrDefault("hello_visits").ShouldBe("gauge");
        metrics.Types.GetValueOrDefault("hello_request_duration_seconds").ShouldBe("histogram");
        metrics["hello_requests_total{code=\"200\"}"].ShouldBe(3);
        metrics["hello_requests_total{code=\"404\"}"].ShouldBe(1);
        metrics["hello_requests_total{code=\"500\"}"].ShouldBe(0);
        metrics["hello_visits"].ShouldBe(3);

        var buckets = metrics.Samples.Where(s => s.Series.StartsWith("hello_request_duration_seconds_bucket{", StringComparison.Ordinal)).ToList();
        buckets.Count.ShouldBeGreaterThanOrEqualTo(3);
        buckets.Select(b => b.Value).ShouldBeInOrder(SortDirection.Ascending, "buckets are cumulative");
        buckets[^1].Series.ShouldBe("hello_request_duration_seconds_bucket{le=\"+Inf\"}");
        buckets[^1].Value.ShouldBe(4);
        metrics["hello_request_duration_seconds_count"].ShouldBe(4);
        metrics["hello_request_duration_seconds_sum"].ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task Metrics_LeaveProbesAndScrapesOutOfTheRequestCount()
    {
        using var data = new TempDirectory();
        await using var hello = await _app.StartAsync(data.Path, environment: null, Ct);
        foreach (var path in new[] { "/health", "/ready", "/metrics", "/health", "/ready" })
        {
            (await StatusOf(hello, path)).ShouldBe(HttpStatusCode.OK);
        }

        var metrics = PrometheusText.Parse(await hello.Http.GetStringAsync("/metrics", Ct));

        metrics["hello_requests_total{code=\"200\"}"].ShouldBe(0);
        metrics["hello_request_duration_seconds_count"].ShouldBe(0);
        metrics["hello_visits"].ShouldBe(0);
    }

    private static async Task<HttpStatusCode> StatusOf(HelloProcess hello, string path)
    {
        using var response = await hello.Http.GetAsync(path, Ct);
        return response.StatusCode;
    }
}
