namespace Capstan.Observability.Tests;

public sealed class LabelSetTests
{
    [Fact]
    public void Labels_AreSortedByName_AndComparedByValue()
    {
        var a = LabelSet.Of(("service", "api"), ("env", "production"));
        var b = LabelSet.Of(("env", "production"), ("service", "api"));

        a.ShouldBe(b);
        a.GetHashCode().ShouldBe(b.GetHashCode());
        a.ToString().ShouldBe("{env=\"production\",service=\"api\"}");
        a.ShouldNotBe(b.With("service", "web"));
    }

    [Fact]
    public void AnEmptyValue_IsTheSameAsNoLabel()
    {
        LabelSet.Of(("env", ""), ("service", "api")).ShouldBe(LabelSet.Of(("service", "api")));
        LabelSet.Of(("env", "")).ShouldBeSameAs(LabelSet.Empty);
        LabelSet.Empty.ToString().ShouldBe(string.Empty);
    }

    [Fact]
    public void Values_AreEscapedInThePrometheusForm()
    {
        LabelSet.Of(("path", "C:\\x \"y\"\nz")).ToString().ShouldBe("{path=\"C:\\\\x \\\"y\\\"\\nz\"}");
    }

    [Fact]
    public void Contains_MatchesEveryGivenLabelExactly()
    {
        var series = LabelSet.Of(("service", "api"), ("env", "production"), ("version", "3"));

        series.Contains(LabelSet.Of(("service", "api"))).ShouldBeTrue();
        series.Contains(LabelSet.Empty).ShouldBeTrue();
        series.Contains(LabelSet.Of(("service", "api"), ("version", "4"))).ShouldBeFalse();
        series.Contains(LabelSet.Of(("team", "x"))).ShouldBeFalse();
    }
}
