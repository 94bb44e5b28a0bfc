using System.Globalization;
using Capstan.Observability.Exposition;

namespace Capstan.Observability.Tests.Exposition;

/// <summary>
/// The parser on what real exporters serve: HAProxy 2.6's Prometheus exporter and Prometheus 2.42's own /metrics,
/// captured into Data/ as Data/README.md tells.
/// </summary>
public sealed class RealExpositionTests
{
    public const string Haproxy = "haproxy-exporter.txt";
    public const string Prometheus = "prometheus-self.txt";

    public static TheoryData<string> Fixtures => [Haproxy, Prometheus];

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void AFixture_ParsesWithoutProblems_AndEveryTypeLineGivesOneFamily(string fixture)
    {
        var text = Read(fixture);

        var result = PrometheusTextParser.Parse(text);

        result.Problems.ShouldBeEmpty();
        var typeLines = text.Split('\n').Count(l => l.StartsWith("# TYPE ", StringComparison.Ordinal));
        var sampleLines = text.Split('\n').Count(l => l.Length > 0 && l[0] != '#');
        result.Families.Count.ShouldBe(typeLines);
        result.Families.Sum(f => f.Samples.Count).ShouldBe(sampleLines);
        result.Families.ShouldAllBe(f => f.Help != null);
    }

    [Fact]
    public void Prometheus_HttpRequestDuration_IsAHistogram_WhoseBucketsEndAtInfPerHandler()
    {
        var family = Parse(Prometheus)["prometheus_http_request_duration_seconds"].ShouldNotBeNull();

        family.Type.ShouldBe(MetricType.Histogram);
        family.Help.ShouldBe("Histogram of latencies for HTTP requests.");
        var handlers = family.Samples.GroupBy(s => s.Labels["handler"]).ToList();
        handlers.Select(h => h.Key).ShouldContain("/metrics");
        foreach (var handler in handlers)
        {
            var buckets = handler.Where(s => s.Name == "prometheus_http_request_duration_seconds_bucket").ToList();
            var bounds = buckets.Select(b => b.Labels["le"] == "+Inf" ? double.PositiveInfinity : double.Parse(b.Labels["le"]!, CultureInfo.InvariantCulture)).ToList();
            bounds.ShouldBeInOrder(SortDirection.Ascending);
            buckets[^1].Labels["le"].ShouldBe("+Inf");
            buckets.Select(b => b.Value).ShouldBeInOrder(SortDirection.Ascending);
            var count = handler.Single(s => s.Name == "prometheus_http_request_duration_seconds_count");
            count.Value.ShouldBe(buckets[^1].Value);
            handler.Single(s => s.Name == "prometheus_http_request_duration_seconds_sum").Value.ShouldBeGreaterThan(0);
        }
    }

    [Fact]
    public void Prometheus_GoGcDuration_IsASummary_WithQuantileLabels()
    {
        var family = Parse(Prometheus)["go_gc_duration_seconds"].ShouldNotBeNull();

        family.Type.ShouldBe(MetricType.Summary);
        family.Samples.Where(s => s.Name == "go_gc_duration_seconds").Select(s => s.Labels["quantile"])
            .ShouldBe(["0", "0.25", "0.5", "0.75", "1"]);
        family.Samples.Select(s => s.Name).ShouldContain("go_gc_duration_seconds_sum");
        family.Samples.Select(s => s.Name).ShouldContain("go_gc_duration_seconds_count");
    }

    [Fact]
    public void Prometheus_BuildInfo_IsAGaugeNamingVersion2_42()
    {
        var sample = Parse(Prometheus)["prometheus_build_info"].ShouldNotBeNull().Samples.ShouldHaveSingleItem();

        sample.Labels["version"].ShouldBe("2.42.0+ds");
        sample.Value.ShouldBe(1);
    }

    [Fact]
    public void Haproxy_FrontendHttpRequestsTotal_IsACounter_PerProxy()
    {
        var family = Parse(Haproxy)["haproxy_frontend_http_requests_total"].ShouldNotBeNull();

        family.Type.ShouldBe(MetricType.Counter);
        family.Samples.Select(s => s.Labels["proxy"]).ShouldBe(["prom", "web", "origin"]);
        family.Samples.Single(s => s.Labels["proxy"] == "web").Value.ShouldBe(41);
    }

    [Fact]
    public void Haproxy_ServerStatus_HasAStateLabel_AndNaNValues_Parse()
    {
        var result = Parse(Haproxy);

        var status = result["haproxy_server_status"].ShouldNotBeNull();
        status.Type.ShouldBe(MetricType.Gauge);
        status.Samples.ShouldContain(s => s.Labels["server"] == "api2" && s.Labels["state"] == "DOWN" && s.Value == 1);
        result["haproxy_server_limit_sessions"].ShouldNotBeNull().Samples.ShouldAllBe(s => double.IsNaN(s.Value));
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void AFixture_ParsedWrittenAndParsedAgain_GivesTheSameFamilies(string fixture)
    {
        var first = Parse(fixture);

        var written = PrometheusTextWriter.Write(first.Families);
        var second = PrometheusTextParser.Parse(written);

        second.Problems.ShouldBeEmpty();
        second.Families.ShouldBe(first.Families);
        PrometheusTextWriter.Write(second.Families).ShouldBe(written);
    }

    internal static string Read(string fixture) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", fixture));

    private static ExpositionResult Parse(string fixture) => PrometheusTextParser.Parse(Read(fixture));
}
