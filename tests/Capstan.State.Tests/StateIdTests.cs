using System.Text.RegularExpressions;

namespace Capstan.State.Tests;

public sealed partial class StateIdTests
{
    [Fact]
    public void New_IsThePrefixAnUnderscoreAndTwentySixBase32Characters()
    {
        var id = StateId.New("run");

        IdShape().IsMatch(id).ShouldBeTrue(id);
    }

    [Fact]
    public void New_SortsByCreationTime()
    {
        var clock = new FixedClock(new DateTimeOffset(2026, 3, 14, 15, 9, 26, 535, TimeSpan.Zero));
        var ids = new List<string>();
        for (var i = 0; i < 100; i++)
        {
            ids.Add(StateId.New("dep", clock));
            clock.Now = clock.Now.AddMilliseconds(1);
        }

        ids.Order(StringComparer.Ordinal).ShouldBe(ids);
        ids.Distinct().Count().ShouldBe(100);
    }

    [Fact]
    public void New_EncodesTheTimeInTheFirstTenCharacters()
    {
        var at = new DateTimeOffset(2026, 3, 14, 15, 9, 26, 535, TimeSpan.Zero);

        var a = StateId.New("rel", new FixedClock(at));
        var b = StateId.New("rel", new FixedClock(at));

        a[..14].ShouldBe(b[..14]);
        a.ShouldNotBe(b);
    }

    [Theory]
    [InlineData("Run")]
    [InlineData("1run")]
    [InlineData("run_")]
    [InlineData("averyveryverylongprefix")]
    public void New_WithAnInvalidPrefix_Throws(string prefix)
    {
        Should.Throw<ArgumentException>(() => StateId.New(prefix));
    }

    [GeneratedRegex("^run_[0-9a-hjkmnp-tv-z]{26}$")]
    private static partial Regex IdShape();
}
