using Capstan.Manifest.Alerts;

namespace Capstan.Manifest.Tests.Alerts;

public sealed class AlertConditionParserTests
{
    [Theory]
    [InlineData("error_rate(api) > 1%", "error_rate", ComparisonOperator.GreaterThan, ThresholdKind.Percentage, 1)]
    [InlineData("latency_p99(api) >= 500ms", "latency_p99", ComparisonOperator.GreaterOrEqual, ThresholdKind.Duration, 0.5)]
    [InlineData("up(api) < 1", "up", ComparisonOperator.LessThan, ThresholdKind.Number, 1)]
    [InlineData("memory(api) <= 2Gi", "memory", ComparisonOperator.LessOrEqual, ThresholdKind.Size, 2147483648)]
    [InlineData("restarts( api ) == 0", "restarts", ComparisonOperator.Equal, ThresholdKind.Number, 0)]
    [InlineData("rps(\"api\") != -1.5", "rps", ComparisonOperator.NotEqual, ThresholdKind.Number, -1.5)]
    [InlineData("  disk_free()<10%  ", "disk_free", ComparisonOperator.LessThan, ThresholdKind.Percentage, 10)]
    [InlineData("backup_age(db) > 1d", "backup_age", ComparisonOperator.GreaterThan, ThresholdKind.Duration, 86400)]
    public void Parse_ReadsFunctionComparisonAndThreshold(string text, string function, ComparisonOperator op, ThresholdKind kind, double value)
    {
        var condition = AlertConditionParser.Parse(text, out var error);

        condition.ShouldNotBeNull(error.Message);
        condition.Function.ShouldBe(function);
        condition.Operator.ShouldBe(op);
        condition.Threshold.Kind.ShouldBe(kind);
        condition.Threshold.Value.ShouldBe(value);
        condition.IsSeries.ShouldBeFalse();
    }

    [Fact]
    public void Parse_RecordsWhereTheArgumentStands()
    {
        AlertConditionParser.Parse("latency_p95( web ) > 1s", out _)!.Arguments.ShouldBe([new AlertArgument("web", 13)]);
        AlertConditionParser.Parse("up('web') < 1", out _)!.Arguments.ShouldBe([new AlertArgument("web", 3)]);
    }

    [Theory]
    [InlineData("", 0, "'' is not a condition like")]
    [InlineData("1up(web) < 1", 0, "is not a condition like")]
    [InlineData("eror_rate(web) > 1%", 0, "'eror_rate' is not an alert function; did you mean 'error_rate'?")]
    [InlineData("error_rate > 1%", 0, "error_rate needs its argument: error_rate(service)")]
    [InlineData("error_rate() > 1%", 0, "error_rate takes one argument: error_rate(service)")]
    [InlineData("error_rate(a, b) > 1%", 0, "error_rate takes one argument")]
    [InlineData("disk_free(x) < 10%", 0, "disk_free takes no argument: disk_free()")]
    [InlineData("error_rate(web > 1%", 15, "expected ',' or ')' after 'web'")]
    [InlineData("error_rate(web", 14, "'(' is never closed by ')'")]
    [InlineData("up(\"web) < 1", 3, "a quoted argument is never closed")]
    [InlineData("error_rate(web)", 15, "expected a comparison (>, >=, <, <=, == or !=) after 'error_rate(web)'")]
    [InlineData("error_rate(web) => 1%", 16, "'=>' is not a comparison")]
    [InlineData("error_rate(web) >", 17, "expected a threshold after the comparison")]
    [InlineData("error_rate(web) > lots", 18, "'lots' is not a threshold")]
    [InlineData("error_rate(web) > 1% for 5m", 21, "unexpected 'for 5m' after the threshold")]
    [InlineData("error_rate(web) > 0.01", 18, "error_rate is compared with a percentage, not a number ('0.01')")]
    [InlineData("memory(web) > 5m", 14, "memory is compared with a percentage or a size, not a duration ('5m')")]
    [InlineData("queue_depth > 5%", 14, "a scraped series is compared with a number, not a percentage")]
    [InlineData("queue{q=\"a\"", 5, "'{' is never closed by '}'")]
    [InlineData("queue{q=\"a\" > 5", 12, "expected ',' or '}' after the value of label 'q'")]
    [InlineData("queue{q=a} > 5", 8, "the value of label 'q' must be in double quotes")]
    [InlineData("queue{q=\"a\",q=\"b\"} > 5", 12, "label 'q' is given twice")]
    [InlineData("queue{q=\"a\" r=\"b\"} > 5", 12, "expected ',' or '}' after the value of label 'q'")]
    public void Parse_OfAMalformedCondition_SaysWhatIsWrongAndWhere(string text, int offset, string message)
    {
        AlertConditionParser.Parse(text, out var error).ShouldBeNull();

        error.Message.ShouldContain(message, Case.Sensitive);
        error.Offset.ShouldBe(offset);
    }

    [Fact]
    public void Parse_OfAScrapedSeries_ReadsItsLabels()
    {
        var condition = AlertConditionParser.Parse("jobs_failed{queue=\"mail\"} > 3", out var error);

        condition.ShouldNotBeNull(error.Message);
        condition.IsSeries.ShouldBeTrue();
        condition.Definition.ShouldBeNull();
        condition.Labels.ShouldBe(new Dictionary<string, string> { ["queue"] = "mail" });
    }
}
