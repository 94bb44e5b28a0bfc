using Capstan.Observability.Exposition;
using Capstan.Observability.Tests.Interop.Support;
using Capstan.Testing;

namespace Capstan.Observability.Tests.Interop;

/// <summary>A real Prometheus scrapes what <see cref="PrometheusTextWriter"/> writes, behind a bearer token as Capstan serves /metrics.</summary>
public sealed class PrometheusScrapeTests : IClassFixture<PrometheusScrapeTests.ScrapedEndpoints>
{
    private const string Token = "capstan-scrape-token";

    private static readonly MetricFamily[] Families =
    [
        new("capstan_test_requests_total", MetricType.Counter, "Requests served.", [
            new ParsedSample("capstan_test_requests_total", LabelSet.Of(("method", "GET"), ("code", "200")), 1027, null),
            new ParsedSample("capstan_test_requests_total", LabelSet.Of(("method", "GET"), ("code", "500")), 3, null),
        ]),
        new("capstan_test_queue_depth", MetricType.Gauge, "Jobs waiting, by a path that needs escaping.", [
            new ParsedSample("capstan_test_queue_depth", LabelSet.Of(("path", "C:\\jobs \"next\"\nline")), 0.25, null),
        ]),
        new("capstan_test_latency_seconds", MetricType.Histogram, null, [
            new ParsedSample("capstan_test_latency_seconds_bucket", LabelSet.Of(("le", "0.1")), 7, null),
            new ParsedSample("capstan_test_latency_seconds_bucket", LabelSet.Of(("le", "+Inf")), 9, null),
            new ParsedSample("capstan_test_latency_seconds_sum", LabelSet.Empty, 1.5, null),
            new ParsedSample("capstan_test_latency_seconds_count", LabelSet.Empty, 9, null),
        ]),
    ];

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private readonly ScrapedEndpoints _scraped;

    public PrometheusScrapeTests(ScrapedEndpoints scraped)
    {
        _scraped = scraped;
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Prometheus_ScrapesAnEndpointWithItsBearerToken_AndFindsTheSeriesWithTheirLabelsAndValues()
    {
        var (prometheus, endpoint) = (_scraped.Prometheus, _scraped.Protected);

        var target = await prometheus.WaitForTargetUpAsync("app", Wait, Ct).DefaultTimeout();
        await prometheus.WaitForTargetUpAsync("app-token-file", Wait, Ct).DefaultTimeout();

        target.ScrapeUrl.ShouldBe($"http://{endpoint.Target}/metrics");
        target.LastError.ShouldBeEmpty();
        var requests = await prometheus.QueryAsync("capstan_test_requests_total{job=\"app\"}", Ct).DefaultTimeout();
        requests.Select(s => s.ToString()).Order(StringComparer.Ordinal).ShouldBe(
        [
            $"capstan_test_requests_total{{code=\"200\",instance=\"{endpoint.Target}\",job=\"app\",method=\"GET\"}} 1027",
            $"capstan_test_requests_total{{code=\"500\",instance=\"{endpoint.Target}\",job=\"app\",method=\"GET\"}} 3",
        ]);
        var depth = (await prometheus.QueryAsync("capstan_test_queue_depth{job=\"app\"}", Ct).DefaultTimeout()).ShouldHaveSingleItem();
        depth["path"].ShouldBe("C:\\jobs \"next\"\nline");
        depth.Value.ShouldBe(0.25);
        var quantile = (await prometheus.QueryAsync("histogram_quantile(0.5, capstan_test_latency_seconds_bucket{job=\"app\"})", Ct).DefaultTimeout())
            .ShouldHaveSingleItem();
        quantile.Value.ShouldBe(0.1 * 4.5 / 7, tolerance: 1e-9);
        var counts = await prometheus.QueryAsync("sum(capstan_test_latency_seconds_count{job=~\"app|app-token-file\"})", Ct).DefaultTimeout();
        counts.ShouldHaveSingleItem().Value.ShouldBe(18);
        endpoint.Authorizations.ShouldNotBeEmpty();
        endpoint.Authorizations.ShouldAllBe(a => a == "Bearer " + Token);
    }

    [Fact]
    public async Task Prometheus_WithAWrongToken_ShowsTheTargetDown_WithA401AsItsLastError()
    {
        var (prometheus, endpoint) = (_scraped.Prometheus, _scraped.WronglyScraped);

        var target = await prometheus.WaitForTargetAsync(
            "app-wrong-token", t => t.Health == PrometheusTargetHealth.Down, "is down", Wait, Ct).DefaultTimeout();

        target.LastError.ShouldContain("401");
        (await prometheus.QueryAsync("up{job=\"app-wrong-token\"}", Ct).DefaultTimeout()).ShouldHaveSingleItem().Value.ShouldBe(0);
        (await prometheus.QueryAsync("capstan_test_requests_total{job=\"app-wrong-token\"}", Ct).DefaultTimeout()).ShouldBeEmpty();
        endpoint.Authorizations.ShouldNotBeEmpty();
        endpoint.Authorizations.ShouldAllBe(a => a == "Bearer not-the-token");
    }

    /// <summary>
    /// One Prometheus for the class, scraping every second: <see cref="Protected"/> with the right token, in the
    /// configuration (job <c>app</c>) and in a file (job <c>app-token-file</c>), and <see cref="WronglyScraped"/> with a
    /// wrong one (job <c>app-wrong-token</c>). Shared because a Prometheus starts scraping only about 5 s after it starts.
    /// </summary>
    public sealed class ScrapedEndpoints : IAsyncLifetime
    {
        internal MetricsEndpoint Protected { get; private set; } = null!;

        internal MetricsEndpoint WronglyScraped { get; private set; } = null!;

        internal PrometheusServer Prometheus { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            Protected = MetricsEndpoint.Start(Token, Families);
            WronglyScraped = MetricsEndpoint.Start(Token, Families);
            Prometheus = await PrometheusServer.StartAsync(new PrometheusOptions
            {
                ScrapeInterval = TimeSpan.FromSeconds(1),
                ScrapeJobs =
                [
                    new PrometheusScrapeJob { JobName = "app", Targets = [Protected.Target], BearerToken = Token },
                    new PrometheusScrapeJob { JobName = "app-token-file", Targets = [Protected.Target], BearerToken = Token, BearerTokenInFile = true },
                    new PrometheusScrapeJob { JobName = "app-wrong-token", Targets = [WronglyScraped.Target], BearerToken = "not-the-token" },
                ],
            }, TestContext.Current.CancellationToken).DefaultTimeout();
        }

        public async ValueTask DisposeAsync()
        {
            if (Prometheus is not null)
            {
                await Prometheus.DisposeAsync();
            }

            if (Protected is not null)
            {
                await Protected.DisposeAsync();
            }

            if (WronglyScraped is not null)
            {
                await WronglyScraped.DisposeAsync();
            }
        }
    }
}
