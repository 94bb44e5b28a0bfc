using System.Text;
using Capstan.Observability.Exposition;

namespace Capstan.Observability.Tests.Exposition;

public sealed class PrometheusTextParserTests
{
    [Fact]
    public void HelpTypeAndSamples_FormOneFamily_InTheOrderTheyCame()
    {
        var result = PrometheusTextParser.Parse("""
            # HELP http_requests_total The total number of HTTP requests.
            # TYPE http_requests_total counter
            http_requests_total{method="post",code="200"} 1027 1395066363000
            http_requests_total{method="post",code="400"}    3 1395066363000

            # TYPE temperature gauge
            temperature 21.5
            """);

        result.Problems.ShouldBeEmpty();
        result.Families.Select(f => f.Name).ShouldBe(["http_requests_total", "temperature"]);
        var requests = result["http_requests_total"]!;
        requests.Type.ShouldBe(MetricType.Counter);
        requests.Help.ShouldBe("The total number of HTTP requests.");
        requests.Samples.ShouldBe([
            new ParsedSample("http_requests_total", LabelSet.Of(("code", "200"), ("method", "post")), 1027, 1395066363000),
            new ParsedSample("http_requests_total", LabelSet.Of(("code", "400"), ("method", "post")), 3, 1395066363000),
        ]);
        result["temperature"]!.ShouldBe(new MetricFamily("temperature", MetricType.Gauge, null, [new ParsedSample("temperature", LabelSet.Empty, 21.5, null)]));
    }

    [Fact]
    public void HelpText_UnescapesBackslashAndNewline_AndKeepsEverythingElse()
    {
        var result = PrometheusTextParser.Parse("# HELP x A \\\\ path\\nsecond line, \"quoted\" {braces} # hash\n# HELP y\nx 1\ny 2");

        result.Problems.ShouldBeEmpty();
        result["x"]!.Help.ShouldBe("A \\ path\nsecond line, \"quoted\" {braces} # hash");
        result["y"]!.Help.ShouldBe(string.Empty);
    }

    [Theory]
    [InlineData("# HELP x bad \\t escape", "line 1: invalid escape sequence \\t in the HELP text of x: only \\\\ and \\n are allowed")]
    [InlineData("# HELP x ends in \\", "line 1: HELP text of x ends in a lone backslash: write \\\\ for a backslash")]
    [InlineData("# HELP 1x text", "line 1: invalid metric name \"1x\" in HELP line: a metric name is letters, digits, _ and :, not starting with a digit")]
    [InlineData("# HELP", "line 1: HELP line names no metric")]
    public void BadHelpLines_AreReported(string line, string problem)
    {
        var result = PrometheusTextParser.Parse(line + "\nx 1\n");

        result.Problems.Select(p => p.ToString()).ShouldBe([problem]);
        result["x"]!.Help.ShouldBeNull();
        result["x"]!.Samples.Count.ShouldBe(1);
    }

    [Fact]
    public void Comments_BlankLines_AndLinesOfBlanks_AreIgnored()
    {
        var result = PrometheusTextParser.Parse("# a comment\n#\n#HELPER not a help line\n   \n\t\n  # indented comment\n# EOF\nx 1\n\n");

        result.Problems.ShouldBeEmpty();
        result.Families.ShouldHaveSingleItem().Samples.ShouldHaveSingleItem().Value.ShouldBe(1);
    }

    [Fact]
    public void LabelValues_UnescapeBackslashQuoteAndNewline()
    {
        var result = PrometheusTextParser.Parse("""
            msdos_file_access_time_seconds{path="C:\\DIR\\FILE.TXT",error="Cannot find file:\n\"FILE.TXT\""} 1.458255915e9
            """);

        result.Problems.ShouldBeEmpty();
        var labels = result.Families.Single().Samples.Single().Labels;
        labels["path"].ShouldBe(@"C:\DIR\FILE.TXT");
        labels["error"].ShouldBe("Cannot find file:\n\"FILE.TXT\"");
    }

    [Fact]
    public void LabelValues_MayHoldAnyUtf8_Commas_Braces_AndEqualsSigns()
    {
        var result = PrometheusTextParser.Parse("x{a=\"{b=1, c}\",emoji=\"ünïcødé ✓\"} 1");

        result.Problems.ShouldBeEmpty();
        result.Families.Single().Samples.Single().Labels.ShouldBe(LabelSet.Of(("a", "{b=1, c}"), ("emoji", "ünïcødé ✓")));
    }

    [Theory]
    [InlineData("x{a=\"1\",} 1")]
    [InlineData("x{a=\"1\" , } 1")]
    [InlineData("x {a=\"1\"} 1")]
    [InlineData("x{ a = \"1\" } 1")]
    [InlineData("x\t{a=\"1\"}\t1")]
    [InlineData("  x{a=\"1\"}   1   ")]
    [InlineData("x{a=\"1\"}1")]
    public void BlanksTabsAndATrailingComma_AreAllowedBetweenParts(string line)
    {
        var result = PrometheusTextParser.Parse(line);

        result.Problems.ShouldBeEmpty();
        result.Families.Single().Samples.Single().ShouldBe(new ParsedSample("x", LabelSet.Of(("a", "1")), 1, null));
    }

    [Fact]
    public void EmptyBraces_AndEmptyLabelValues_MeanNoLabel()
    {
        var result = PrometheusTextParser.Parse("x{} 1\ny{a=\"\",b=\"2\"} 2");

        result.Problems.ShouldBeEmpty();
        result["x"]!.Samples.Single().Labels.ShouldBeSameAs(LabelSet.Empty);
        result["y"]!.Samples.Single().Labels.ShouldBe(LabelSet.Of(("b", "2")));
    }

    [Theory]
    [InlineData("1", 1.0)]
    [InlineData("0", 0.0)]
    [InlineData("-1.5e-3", -0.0015)]
    [InlineData("1.458255915e9", 1458255915.0)]
    [InlineData("1E6", 1e6)]
    [InlineData("2.5E+2", 250.0)]
    [InlineData(".5", 0.5)]
    [InlineData("5.", 5.0)]
    [InlineData("1.e2", 100.0)]
    [InlineData("+3", 3.0)]
    [InlineData("007", 7.0)]
    [InlineData("1e-400", 0.0)]
    [InlineData("1.7976931348623157e308", double.MaxValue)]
    [InlineData("+Inf", double.PositiveInfinity)]
    [InlineData("-Inf", double.NegativeInfinity)]
    [InlineData("Inf", double.PositiveInfinity)]
    [InlineData("inf", double.PositiveInfinity)]
    [InlineData("+Infinity", double.PositiveInfinity)]
    [InlineData("-infinity", double.NegativeInfinity)]
    [InlineData("NaN", double.NaN)]
    [InlineData("nan", double.NaN)]
    public void Values_AreReadAsGoParseFloatReadsThem(string text, double expected)
    {
        var result = PrometheusTextParser.Parse($"x {text}");

        result.Problems.ShouldBeEmpty();
        result.Families.Single().Samples.Single().Value.ShouldBe(expected);
    }

    [Theory]
    [InlineData("abc", "value \"abc\" of x is not a number: expected a decimal number, NaN, +Inf or -Inf")]
    [InlineData("1,5", "value \"1,5\" of x is not a number: expected a decimal number, NaN, +Inf or -Inf")]
    [InlineData("0x1p3", "value \"0x1p3\" of x is not a number: expected a decimal number, NaN, +Inf or -Inf")]
    [InlineData("1_000", "value \"1_000\" of x is not a number: expected a decimal number, NaN, +Inf or -Inf")]
    [InlineData("1e", "value \"1e\" of x is not a number: expected a decimal number, NaN, +Inf or -Inf")]
    [InlineData(".", "value \".\" of x is not a number: expected a decimal number, NaN, +Inf or -Inf")]
    [InlineData("--1", "value \"--1\" of x is not a number: expected a decimal number, NaN, +Inf or -Inf")]
    [InlineData("+NaN", "value \"+NaN\" of x is not a number: expected a decimal number, NaN, +Inf or -Inf")]
    [InlineData("∞", "value \"∞\" of x is not a number: expected a decimal number, NaN, +Inf or -Inf")]
    [InlineData("1e400", "value \"1e400\" of x is out of the range of a double")]
    public void Values_ThatGoParseFloatRefuses_AreReported(string text, string problem)
    {
        var result = PrometheusTextParser.Parse($"x 1\nx {text}\nx 3");

        result.Problems.ShouldBe([new ExpositionProblem(2, problem)]);
        result.Families.Single().Samples.Select(s => s.Value).ShouldBe([1.0, 3.0]);
    }

    [Fact]
    public void ASampleWithoutAValue_IsReported()
    {
        PrometheusTextParser.Parse("x{a=\"1\"}").Problems.ShouldBe([new ExpositionProblem(1, "sample x has no value")]);
        PrometheusTextParser.Parse("x").Problems.ShouldBe([new ExpositionProblem(1, "sample x has no value")]);
    }

    [Fact]
    public void Timestamps_AreOptionalIntegerMilliseconds_AndMayBeNegative()
    {
        var result = PrometheusTextParser.Parse("a 1 1395066363000\nb 2 -1395066363000\nc 3\nd 4 0\ne 5 +12");

        result.Problems.ShouldBeEmpty();
        result.Families.Select(f => f.Samples.Single().TimestampMs).ShouldBe([1395066363000, -1395066363000, null, 0, 12]);
        result["a"]!.Samples.Single().Timestamp.ShouldBe(new DateTimeOffset(2014, 3, 17, 14, 26, 3, TimeSpan.Zero));
    }

    [Theory]
    [InlineData("x 1 1.5", "timestamp \"1.5\" of x is not a whole number of milliseconds")]
    [InlineData("x 1 1e3", "timestamp \"1e3\" of x is not a whole number of milliseconds")]
    [InlineData("x 1 now", "timestamp \"now\" of x is not a whole number of milliseconds")]
    [InlineData("x 1 99999999999999999999", "timestamp \"99999999999999999999\" of x is not a whole number of milliseconds")]
    [InlineData("x 1 12 extra", "unexpected \"extra\" after the timestamp of x")]
    public void BadTimestamps_AndTextAfterThem_AreReported(string line, string problem)
    {
        var result = PrometheusTextParser.Parse(line);

        result.Problems.ShouldBe([new ExpositionProblem(1, problem)]);
        result.Families.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("0abc 1", "invalid metric name \"0abc\"")]
    [InlineData("my-metric 1", "invalid metric name \"my-metric\"")]
    [InlineData("métrique 1", "invalid metric name \"métrique\"")]
    [InlineData("{a=\"1\"} 1", "invalid metric name \"\"")]
    [InlineData("x.y{a=\"1\"} 1", "invalid metric name \"x.y\"")]
    public void InvalidMetricNames_AreReported(string line, string problem)
    {
        var result = PrometheusTextParser.Parse(line);

        result.Problems.Single().Message.ShouldStartWith(problem + ": a metric name is letters, digits, _ and :");
        result.Families.ShouldBeEmpty();
    }

    [Fact]
    public void MetricNames_MayHoldColons_AndStartWithAnUnderscore()
    {
        var result = PrometheusTextParser.Parse("job:request_rate:5m 1\n_private 2\n:x 3");

        result.Problems.ShouldBeEmpty();
        result.Families.Select(f => f.Name).ShouldBe(["job:request_rate:5m", "_private", ":x"]);
    }

    [Theory]
    [InlineData("x{0a=\"1\"} 1", "line 1: invalid label name \"0a\" in x: a label name is letters, digits and _, not starting with a digit")]
    [InlineData("x{a-b=\"1\"} 1", "line 1: invalid label name \"a-b\" in x: a label name is letters, digits and _, not starting with a digit")]
    [InlineData("x{a:b=\"1\"} 1", "line 1: invalid label name \"a:b\" in x: a label name is letters, digits and _, not starting with a digit")]
    [InlineData("x{,} 1", "line 1: expected a label name in the labels of x, found ','")]
    [InlineData("x{a=\"1\",,b=\"2\"} 1", "line 1: expected a label name in the labels of x, found ','")]
    [InlineData("x{a \"1\"} 1", "line 1: label name \"a\" of x is not followed by =, found '\"'")]
    [InlineData("x{a=1} 1", "line 1: label value of \"a\" does not start with a double quote, found '1'")]
    [InlineData("x{a='1'} 1", "line 1: label value of \"a\" does not start with a double quote, found '''")]
    [InlineData("x{a=\"1\" b=\"2\"} 1", "line 1: expected , or } after the value of label \"a\" of x, found 'b'")]
    [InlineData("x{a=\"1\"", "line 1: labels of x are not closed by }")]
    [InlineData("x{a=\"1\", 1", "line 1: invalid label name \"1\" in x: a label name is letters, digits and _, not starting with a digit")]
    [InlineData("x{a=\"1\\t\"} 1", "line 1: invalid escape sequence \\t in the value of label \"a\": only \\\\, \\\" and \\n are allowed")]
    [InlineData("x{a=\"1\",a=\"2\"} 1", "line 1: label \"a\" appears twice in one sample of x")]
    [InlineData("x{a=\"\",a=\"2\"} 1", "line 1: label \"a\" appears twice in one sample of x")]
    [InlineData("x{__name__=\"y\"} 1", "line 1: label name \"__name__\" in x is reserved for the metric name")]
    public void BadLabels_AreReported(string line, string problem)
    {
        var result = PrometheusTextParser.Parse(line);

        result.Problems.Select(p => p.ToString()).ShouldBe([problem]);
        result.Families.ShouldBeEmpty();
    }

    [Fact]
    public void AnUnclosedLabelValue_IsReported_WithItsLineNumber_WhileTheRestParses()
    {
        var result = PrometheusTextParser.Parse("""
            # TYPE http_requests_total counter
            http_requests_total{path="/a"} 1
            http_requests_total{path="/b} 2
            http_requests_total{path="/c\"} 3
            http_requests_total{path="/d\\"} 4
            """);

        result.Problems.Select(p => p.ToString()).ShouldBe([
            "line 3: label value of \"path\" is not closed by a double quote",
            "line 4: label value of \"path\" is not closed by a double quote",
        ]);
        result.Families.Single().Samples.Select(s => s.Labels["path"]).ShouldBe(["/a", "/d\\"]);
    }

    [Fact]
    public void EveryBadLine_IsReportedWithItsNumber_AndSkipped()
    {
        var result = PrometheusTextParser.Parse("""
            # HELP good_total Good lines.
            # TYPE good_total counter
            good_total{n="1"} 1
            good_total{n="2"} two
            good_total{n="3"} 3
            # TYPE good_total gauge
            bad-name 4
            good_total{n="5" 5
            good_total{n="6",n="6"} 6
            good_total{n="7"} 7
            # TYPE other summary bogus
            """);

        result.Problems.Select(p => p.Line).ShouldBe([4, 6, 7, 8, 9, 11]);
        var good = result.Families.ShouldHaveSingleItem();
        good.Type.ShouldBe(MetricType.Counter);
        good.Samples.Select(s => s.Value).ShouldBe([1.0, 3.0, 7.0]);
    }

    [Fact]
    public void TypeLines_NameEveryType()
    {
        var result = PrometheusTextParser.Parse("""
            # TYPE a counter
            # TYPE b gauge
            # TYPE c histogram
            # TYPE d summary
            # TYPE e untyped
            # TYPE f   gauge
            """);

        result.Problems.ShouldBeEmpty();
        result.Families.Select(f => f.Type).ShouldBe([
            MetricType.Counter, MetricType.Gauge, MetricType.Histogram, MetricType.Summary, MetricType.Untyped, MetricType.Gauge,
        ]);
    }

    [Theory]
    [InlineData("# TYPE x Counter", "unknown type \"Counter\" for x: expected counter, gauge, histogram, summary or untyped")]
    [InlineData("# TYPE x gaugehistogram", "unknown type \"gaugehistogram\" for x: expected counter, gauge, histogram, summary or untyped")]
    [InlineData("# TYPE x", "TYPE line for x names no type: expected counter, gauge, histogram, summary or untyped")]
    [InlineData("# TYPE x counter gauge", "TYPE line for x has text after the type: \"gauge\"")]
    [InlineData("# TYPE x-y counter", "invalid metric name \"x-y\" in TYPE line: a metric name is letters, digits, _ and :, not starting with a digit")]
    [InlineData("# TYPE", "TYPE line names no metric")]
    public void BadTypeLines_AreReported_AndTheFamilyStaysUntyped(string line, string problem)
    {
        var result = PrometheusTextParser.Parse(line + "\nx 1");

        result.Problems.ShouldBe([new ExpositionProblem(1, problem)]);
        result["x"]!.Type.ShouldBe(MetricType.Untyped);
    }

    [Fact]
    public void ASecondTypeLine_IsReported_AndTheFirstHolds()
    {
        var result = PrometheusTextParser.Parse("# TYPE x counter\n# TYPE x gauge\nx 1");

        result.Problems.ShouldBe([new ExpositionProblem(2, "second TYPE line for x: a family has one")]);
        result["x"]!.Type.ShouldBe(MetricType.Counter);
    }

    [Fact]
    public void ASecondHelpLine_IsReported_AndTheFirstHolds()
    {
        var result = PrometheusTextParser.Parse("# HELP x first\n# HELP x second\nx 1");

        result.Problems.ShouldBe([new ExpositionProblem(2, "second HELP line for x: a family has one")]);
        result["x"]!.Help.ShouldBe("first");
    }

    [Fact]
    public void ATypeLineAfterSamplesOfItsFamily_IsReported()
    {
        var result = PrometheusTextParser.Parse("x 1\n# TYPE x counter\nx 2\ny_count 3\n# TYPE y summary\n# HELP z help first\n# TYPE z gauge\nz 4");

        result.Problems.Select(p => p.ToString()).ShouldBe([
            "line 2: TYPE line for x comes after its samples: it must come before the first one",
            "line 5: TYPE line for y comes after its samples (y_count): it must come before the first one",
        ]);
        result["x"]!.Type.ShouldBe(MetricType.Untyped);
        result["x"]!.Samples.Count.ShouldBe(2);
        result["z"]!.ShouldBe(new MetricFamily("z", MetricType.Gauge, "help first", [new ParsedSample("z", LabelSet.Empty, 4, null)]));
    }

    [Fact]
    public void AHistogram_GathersItsBucketSumAndCountSeries()
    {
        var result = PrometheusTextParser.Parse("""
            # HELP http_request_duration_seconds A histogram of the request duration.
            # TYPE http_request_duration_seconds histogram
            http_request_duration_seconds_bucket{le="0.05"} 24054
            http_request_duration_seconds_bucket{le="0.1"} 33444
            http_request_duration_seconds_bucket{le="+Inf"} 144320
            http_request_duration_seconds_sum 53423
            http_request_duration_seconds_count 144320
            """);

        result.Problems.ShouldBeEmpty();
        var family = result.Families.ShouldHaveSingleItem();
        family.Type.ShouldBe(MetricType.Histogram);
        family.Samples.Select(s => s.Name).ShouldBe([
            "http_request_duration_seconds_bucket", "http_request_duration_seconds_bucket", "http_request_duration_seconds_bucket",
            "http_request_duration_seconds_sum", "http_request_duration_seconds_count",
        ]);
        family.Samples.Take(3).Select(s => s.Labels["le"]).ShouldBe(["0.05", "0.1", "+Inf"]);
    }

    [Fact]
    public void ASummary_GathersItsQuantileSumAndCountSeries()
    {
        var result = PrometheusTextParser.Parse("""
            # TYPE rpc_duration_seconds summary
            rpc_duration_seconds{quantile="0.01"} 3102
            rpc_duration_seconds{quantile="0.99"} 76656
            rpc_duration_seconds_sum 1.7560473e+07
            rpc_duration_seconds_count 2693
            """);

        result.Problems.ShouldBeEmpty();
        var family = result.Families.ShouldHaveSingleItem();
        family.Type.ShouldBe(MetricType.Summary);
        family.Samples.Select(s => (s.Name, s.Value)).ShouldBe([
            ("rpc_duration_seconds", 3102.0), ("rpc_duration_seconds", 76656.0),
            ("rpc_duration_seconds_sum", 1.7560473e+07), ("rpc_duration_seconds_count", 2693.0),
        ]);
    }

    [Theory]
    [InlineData("# TYPE h histogram\nh_bucket 1", "h_bucket has no le label")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"high\"} 1", "le label of h_bucket is not a number: \"high\"")]
    [InlineData("# TYPE h histogram\nh{le=\"1\"} 1", "h is a histogram: its samples are h_bucket, h_sum and h_count")]
    [InlineData("# TYPE s summary\ns 1", "s has no quantile label")]
    [InlineData("# TYPE s summary\ns{quantile=\"p99\"} 1", "quantile label of s is not a number: \"p99\"")]
    public void HistogramAndSummarySamples_WithoutTheirNumericLabel_AreReported(string text, string problem)
    {
        var result = PrometheusTextParser.Parse(text);

        result.Problems.ShouldBe([new ExpositionProblem(2, problem)]);
        result.Families.ShouldHaveSingleItem().Samples.ShouldBeEmpty();
    }

    [Fact]
    public void SamplesWithoutATypeLine_FormUntypedFamiliesOfTheirOwnName()
    {
        var result = PrometheusTextParser.Parse("""
            # TYPE c counter
            c_count 1
            c_bucket{le="1"} 2
            lone_sum 3
            # TYPE s summary
            s_bucket{le="1"} 4
            s_sum 5
            """);

        result.Problems.ShouldBeEmpty();
        result.Families.Select(f => (f.Name, f.Type, f.Samples.Count)).ShouldBe([
            ("c", MetricType.Counter, 0), ("c_count", MetricType.Untyped, 1), ("c_bucket", MetricType.Untyped, 1),
            ("lone_sum", MetricType.Untyped, 1), ("s", MetricType.Summary, 1), ("s_bucket", MetricType.Untyped, 1),
        ]);
    }

    [Fact]
    public void SamplesOfAFamily_ThatAreNotTogether_AreStillGatheredUnderIt()
    {
        var result = PrometheusTextParser.Parse("# TYPE a counter\na{n=\"1\"} 1\nb 2\na{n=\"2\"} 3");

        result.Problems.ShouldBeEmpty();
        result["a"]!.Samples.Select(s => s.Value).ShouldBe([1.0, 3.0]);
    }

    [Fact]
    public void CrLfLineEndings_AreTolerated()
    {
        var result = PrometheusTextParser.Parse("# HELP x Help.\r\n# TYPE x gauge\r\nx{a=\"1\"} 1 123\r\nx{a=\"2\"} 2\r\n\r\n");

        result.Problems.ShouldBeEmpty();
        result["x"]!.ShouldBe(new MetricFamily("x", MetricType.Gauge, "Help.", [
            new ParsedSample("x", LabelSet.Of(("a", "1")), 1, 123),
            new ParsedSample("x", LabelSet.Of(("a", "2")), 2, null),
        ]));
    }

    [Fact]
    public void ALineOver64KiB_IsReported_AndTheRestParses()
    {
        var longValue = new string('v', PrometheusTextParser.MaxLineLength);
        var atLimit = "y{a=\"" + new string('v', PrometheusTextParser.MaxLineLength - 9) + "\"} 1";
        var result = PrometheusTextParser.Parse($"x 1\nx{{a=\"{longValue}\"}} 2\nx 3\n{atLimit}");

        atLimit.Length.ShouldBe(PrometheusTextParser.MaxLineLength);
        result.Problems.ShouldBe([new ExpositionProblem(2, "line is 65545 characters long, over the limit of 65536 (64 KiB)")]);
        result["x"]!.Samples.Select(s => s.Value).ShouldBe([1.0, 3.0]);
        result["y"]!.Samples.ShouldHaveSingleItem();
    }

    [Fact]
    public void AByteOrderMark_AtTheStart_IsSkipped()
    {
        var result = PrometheusTextParser.Parse("\uFEFF# TYPE x gauge\nx 1");

        result.Problems.ShouldBeEmpty();
        result["x"]!.Type.ShouldBe(MetricType.Gauge);
    }

    [Fact]
    public void ATextReader_IsReadToItsEnd()
    {
        using var reader = new StringReader("# TYPE x gauge\nx 1\n");

        PrometheusTextParser.Parse(reader).Families.ShouldHaveSingleItem().Type.ShouldBe(MetricType.Gauge);
    }

    [Fact]
    public void EmptyText_GivesNothing()
    {
        var empty = PrometheusTextParser.Parse(string.Empty);
        var blank = PrometheusTextParser.Parse("\n\n");

        empty.Families.ShouldBeEmpty();
        empty.Problems.ShouldBeEmpty();
        blank.Families.ShouldBeEmpty();
        blank.Problems.ShouldBeEmpty();
    }

    [Fact]
    public void Garbage_NeverThrows_AndEveryProblemHasARealLineNumber()
    {
        // Fragments of the grammar and its edge cases, glued at random: whatever comes out must be reported, not thrown.
        string[] pieces = ["x", "_", ":", "{", "}", "=", "\"", "\\", ",", " ", "\t", "\n", "\r", "#", "HELP", "TYPE", "histogram",
            "summary", "_bucket", "_sum", "_count", "le", "quantile", "1", "-", "+", ".", "e", "Inf", "NaN", "é", "\0"];
        var random = new Random(20260101);
        for (var round = 0; round < 2000; round++)
        {
            var text = new StringBuilder();
            var count = random.Next(1, 60);
            for (var i = 0; i < count; i++)
            {
                text.Append(pieces[random.Next(pieces.Length)]);
            }

            var input = text.ToString();
            var lines = input.Split('\n').Length;
            var result = PrometheusTextParser.Parse(input);
            result.Problems.ShouldAllBe(p => p.Line >= 1 && p.Line <= lines, input);
        }
    }

    [Fact]
    public void AMegabyteOfExposition_ParsesWhole()
    {
        var text = new StringBuilder();
        text.Append("# HELP http_request_duration_seconds Request duration.\n# TYPE http_request_duration_seconds histogram\n");
        string[] buckets = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"];
        for (var series = 0; text.Length < 1024 * 1024; series++)
        {
            var labels = $"handler=\"/api/v1/items/{series}\",method=\"GET\",code=\"200\"";
            foreach (var le in buckets)
            {
                text.Append("http_request_duration_seconds_bucket{").Append(labels).Append(",le=\"").Append(le).Append("\"} ").Append(series * 7).Append('\n');
            }

            text.Append("http_request_duration_seconds_sum{").Append(labels).Append("} 12.5\n");
            text.Append("http_request_duration_seconds_count{").Append(labels).Append("} ").Append(series * 7).Append('\n');
        }

        var result = PrometheusTextParser.Parse(text.ToString());

        // Its speed is measured in bench/, not asserted here.
        result.Problems.ShouldBeEmpty();
        var family = result.Families.ShouldHaveSingleItem();
        family.Type.ShouldBe(MetricType.Histogram);
        family.Samples.Count.ShouldBeGreaterThan(5000);
        family.Samples.Count(s => s.Name == "http_request_duration_seconds_count").ShouldBe(family.Samples.Count / 14);
    }
}
