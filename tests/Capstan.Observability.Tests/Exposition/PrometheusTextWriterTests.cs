using System.Globalization;
using System.Text;
using Capstan.Observability.Exposition;

namespace Capstan.Observability.Tests.Exposition;

public sealed class PrometheusTextWriterTests
{
    [Fact]
    public void Families_AreWrittenAsHelpTypeAndSampleLines()
    {
        var text = PrometheusTextWriter.Write([
            new MetricFamily("http_requests_total", MetricType.Counter, "The total number of HTTP requests.", [
                new ParsedSample("http_requests_total", LabelSet.Of(("method", "post"), ("code", "200")), 1027, 1395066363000),
                new ParsedSample("http_requests_total", LabelSet.Of(("method", "post"), ("code", "400")), 3, null),
            ]),
            new MetricFamily("up", MetricType.Gauge, null, [new ParsedSample("up", LabelSet.Empty, 1, null)]),
            new MetricFamily("rpc_duration_seconds", MetricType.Summary, string.Empty, [
                new ParsedSample("rpc_duration_seconds", LabelSet.Of(("quantile", "0.99")), 76656, null),
                new ParsedSample("rpc_duration_seconds_sum", LabelSet.Empty, 1.7560473e+07, null),
                new ParsedSample("rpc_duration_seconds_count", LabelSet.Empty, 2693, null),
            ]),
        ]);

        text.ShouldBe("""
            # HELP http_requests_total The total number of HTTP requests.
            # TYPE http_requests_total counter
            http_requests_total{code="200",method="post"} 1027 1395066363000
            http_requests_total{code="400",method="post"} 3
            # TYPE up gauge
            up 1
            # HELP rpc_duration_seconds
            # TYPE rpc_duration_seconds summary
            rpc_duration_seconds{quantile="0.99"} 76656
            rpc_duration_seconds_sum 17560473
            rpc_duration_seconds_count 2693

            """);
    }

    [Theory]
    [InlineData(12.0, "12")]
    [InlineData(-3.0, "-3")]
    [InlineData(0.0, "0")]
    [InlineData(12.5, "12.5")]
    [InlineData(0.1, "0.1")]
    [InlineData(1.0 / 3, "0.3333333333333333")]
    [InlineData(1e21, "1e+21")]
    [InlineData(1e-7, "1e-07")]
    [InlineData(123456789012.0, "123456789012")]
    [InlineData(double.MaxValue, "1.7976931348623157e+308")]
    [InlineData(double.Epsilon, "5e-324")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    public void Values_AreWrittenInvariant_InTheirShortestRoundTripForm(double value, string expected)
    {
        PrometheusTextWriter.FormatValue(value).ShouldBe(expected);
    }

    [Fact]
    public void Values_ReadBackToTheSameDouble()
    {
        var random = new Random(42);
        for (var i = 0; i < 10_000; i++)
        {
            var value = BitConverter.Int64BitsToDouble(random.NextInt64());
            var text = PrometheusTextWriter.Write([new MetricFamily("x", MetricType.Gauge, null, [new ParsedSample("x", LabelSet.Empty, value, null)])]);

            var read = PrometheusTextParser.Parse(text).Families.Single().Samples.Single().Value;

            BitConverter.DoubleToInt64Bits(read).ShouldBe(BitConverter.DoubleToInt64Bits(double.IsNaN(value) ? double.NaN : value), text);
        }
    }

    [Fact]
    public void Output_DoesNotDependOnTheCurrentCulture()
    {
        var culture = CultureInfo.CurrentCulture;
        try
        {
            // German writes 0,5; Swedish writes a U+2212 minus sign.
            foreach (var name in new[] { "de-DE", "sv-SE" })
            {
                CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo(name);
                PrometheusTextWriter.Write([
                    new MetricFamily("x", MetricType.Gauge, null, [new ParsedSample("x", LabelSet.Empty, -0.5, -1500)]),
                ]).ShouldBe("# TYPE x gauge\nx -0.5 -1500\n");
                PrometheusTextParser.Parse("x -0.5 -1500").Families.Single().Samples.Single().ShouldBe(new ParsedSample("x", LabelSet.Empty, -0.5, -1500));
            }
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    [Fact]
    public void HelpAndLabelValues_AreEscaped_AndReadBackUnchanged()
    {
        var help = "Path C:\\temp\nsecond line with \"quotes\" and {braces}";
        var labels = LabelSet.Of(("path", "C:\\x \"y\"\nz"), ("plain", "a,b=c}"), ("unicode", "✓ ü"));
        var family = new MetricFamily("x", MetricType.Gauge, help, [new ParsedSample("x", labels, 1, null)]);

        var text = PrometheusTextWriter.Write([family]);

        text.ShouldBe("""
            # HELP x Path C:\\temp\nsecond line with "quotes" and {braces}
            # TYPE x gauge
            x{path="C:\\x \"y\"\nz",plain="a,b=c}",unicode="✓ ü"} 1

            """);
        var read = PrometheusTextParser.Parse(text);
        read.Problems.ShouldBeEmpty();
        read.Families.ShouldBe([family]);
    }

    [Fact]
    public void Timestamps_AreWrittenInMilliseconds_WhenTheSampleHasOne()
    {
        var text = new StringBuilder("# already there\n");
        PrometheusTextWriter.Write(text, [
            new MetricFamily("x", MetricType.Untyped, null, [
                new ParsedSample("x", LabelSet.Empty, 1, 1395066363000),
                new ParsedSample("x", LabelSet.Of(("a", "b")), 2, -5),
                new ParsedSample("x", LabelSet.Of(("a", "c")), 3, null),
            ]),
        ]);

        text.ToString().ShouldBe("# already there\n# TYPE x untyped\nx 1 1395066363000\nx{a=\"b\"} 2 -5\nx{a=\"c\"} 3\n");
    }

    [Fact]
    public void ATextWriter_GetsTheSameLines()
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        var exposition = new PrometheusTextWriter(writer);

        exposition.WriteHelp("build_info", "Build information.");
        exposition.WriteType("build_info", MetricType.Gauge);
        exposition.WriteSample("build_info", LabelSet.Of(("version", "1.2.3")), 1);

        writer.ToString().ShouldBe("# HELP build_info Build information.\n# TYPE build_info gauge\nbuild_info{version=\"1.2.3\"} 1\n");
    }

    [Theory]
    [InlineData("0abc")]
    [InlineData("my-metric")]
    [InlineData("")]
    public void InvalidMetricNames_Throw(string name)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);

        Should.Throw<ArgumentException>(() => new PrometheusTextWriter(writer).WriteSample(name, LabelSet.Empty, 1))
            .Message.ShouldContain($"Metric name \"{name}\" is not valid");
    }

    [Theory]
    [InlineData("0a")]
    [InlineData("a-b")]
    [InlineData("a:b")]
    [InlineData("__name__")]
    public void InvalidLabelNames_Throw(string label)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);

        Should.Throw<ArgumentException>(() => new PrometheusTextWriter(writer).WriteSample("x", LabelSet.Of((label, "1")), 1))
            .Message.ShouldContain($"Label name \"{label}\" of x is not valid");
    }

    [Fact]
    public void TheContentType_IsTheFormatVersion004()
    {
        PrometheusTextWriter.ContentType.ShouldBe("text/plain; version=0.0.4; charset=utf-8");
    }
}
