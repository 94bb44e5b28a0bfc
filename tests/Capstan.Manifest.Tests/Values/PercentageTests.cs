using Capstan.Manifest.Values;

namespace Capstan.Manifest.Tests.Values;

public sealed class PercentageTests
{
    [Theory]
    [InlineData("5%", 5)]
    [InlineData("0.5%", 0.5)]
    [InlineData("100%", 100)]
    [InlineData("0%", 0)]
    [InlineData("250%", 250)]
    public void Parse_ReadsTheNumberBeforeTheSign(string text, double percent)
    {
        Percentage.TryParse(text, out var value, out var error).ShouldBeTrue(error.Message);

        value.Percent.ShouldBe(percent);
        value.Fraction.ShouldBe(percent / 100);
    }

    [Fact]
    public void Parse_OfAFractionWithoutSign_SuggestsBothReadings()
    {
        Percentage.TryParse("0.05", out _, out var error).ShouldBeFalse();

        error.Message.ShouldBe("'0.05' has no % sign; write 0.05% (or 5% if you meant a fraction)");
    }

    [Fact]
    public void Parse_OfAWholeNumberWithoutSign_SuggestsAddingTheSign()
    {
        Percentage.TryParse("20", out _, out var error).ShouldBeFalse();

        error.Message.ShouldBe("'20' has no % sign; write 20%");
    }

    [Fact]
    public void Parse_OfANegativePercentage_SaysPercentagesAreZeroOrMore()
    {
        Percentage.TryParse("-5%", out _, out var error).ShouldBeFalse();

        error.Message.ShouldBe("'-5%' is negative; percentages are zero or more");
    }

    [Theory]
    [InlineData("%")]
    [InlineData("five%")]
    [InlineData(".5%")]
    [InlineData("1e3%")]
    [InlineData("1,5%")]
    [InlineData("5%%")]
    [InlineData("abc")]
    public void Parse_OfMalformedText_SaysWhatAPercentageLooksLike(string text)
    {
        Percentage.TryParse(text, out _, out var error).ShouldBeFalse();

        error.Message.ShouldBe($"'{text}' is not a percentage like 5% or 0.5%");
    }

    [Fact]
    public void Parse_OfANumberTooLargeForADouble_IsRefused()
    {
        Percentage.TryParse(new string('9', 400) + "%", out _, out _).ShouldBeFalse();
    }

    [Fact]
    public void Parse_OfNothing_SaysWhatAPercentageLooksLike()
    {
        Percentage.TryParse(" ", out _, out var error).ShouldBeFalse();

        error.Message.ShouldBe("expected a percentage like 5% or 0.5%, found an empty value");
    }

    [Theory]
    [InlineData("5%", "5%")]
    [InlineData("0.5%", "0.5%")]
    [InlineData("12.50%", "12.5%")]
    [InlineData("100%", "100%")]
    public void ToString_WritesTheShortestNumberWithTheSign(string text, string expected)
    {
        Percentage.Parse(text).ToString().ShouldBe(expected);
    }

    [Fact]
    public void Percentages_CompareByValue()
    {
        (Percentage.Parse("5%") < Percentage.Parse("25%")).ShouldBeTrue();
        (Percentage.Parse("100%") >= Percentage.Parse("100.0%")).ShouldBeTrue();
    }
}
