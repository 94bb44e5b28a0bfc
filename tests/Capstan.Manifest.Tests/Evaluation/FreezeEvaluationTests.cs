using System.Globalization;
using Capstan.Manifest.Model;

namespace Capstan.Manifest.Tests.Evaluation;

/// <summary>
/// Whether a freeze window is in force at fixed instants, and until when: from inclusive, to exclusive, across the
/// week's end and the changes of summer time in Europe/Berlin (2026: clocks go forward on 29 March at 02:00 CET and
/// back on 25 October at 03:00 CEST). 2026-11-20 is a Friday.
/// </summary>
public sealed class FreezeEvaluationTests
{
    private static DeploymentEnvironment Production(params string[] windows) => Diagnosed.Parse($"""
        version: 1
        app: hello
        environments:
          production:
            freeze:
        {string.Join("\n", windows.Select(w => $"      - {w}"))}
        """).ShouldBeClean().Environments["production"];

    private static FreezeWindow Window(string shortForm) => Production($"\"{shortForm}\"").Freeze.ShouldHaveSingleItem();

    private static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture);

    // ---- a weekly window across the week's end ---------------------------------------------------

    [Theory]
    [InlineData("2026-11-20T15:59:59+01:00", false)] // Fri, a second before
    [InlineData("2026-11-20T16:00:00+01:00", true)]  // Fri 16:00: from is inclusive
    [InlineData("2026-11-21T12:00:00+01:00", true)]  // Sat
    [InlineData("2026-11-22T23:59:59+01:00", true)]  // Sun, the last second of the week
    [InlineData("2026-11-23T00:00:00+01:00", true)]  // Mon 00:00: the window wraps the week
    [InlineData("2026-11-23T07:59:59+01:00", true)]  // Mon, a second before the end
    [InlineData("2026-11-23T08:00:00+01:00", false)] // Mon 08:00: to is exclusive
    [InlineData("2026-11-25T12:00:00+01:00", false)] // Wed
    [InlineData("2026-11-20T15:00:00+00:00", true)]  // Fri 16:00 Berlin written in UTC
    [InlineData("2026-11-20T15:30:00+00:00", true)]
    [InlineData("2026-11-20T16:30:00+02:00", false)] // 15:30 Berlin, written in another offset
    [InlineData("2026-11-23T06:59:59+00:00", true)]
    [InlineData("2026-11-23T07:00:00+00:00", false)]
    public void AWeekendWindow_HoldsFromFridayToMonday(string instant, bool frozen)
    {
        var window = Window("Fri 16:00 - Mon 08:00 Europe/Berlin");

        window.Contains(At(instant)).ShouldBe(frozen);
    }

    [Fact]
    public void AWeekendWindow_EndsOnTheMondayAfter_ShownInItsZone()
    {
        var window = Window("Fri 16:00 - Mon 08:00 Europe/Berlin");

        var end = window.EndOfOccurrence(At("2026-11-21T03:00:00Z")).ShouldNotBeNull();

        end.ShouldBe(At("2026-11-23T08:00:00+01:00"));
        end.Offset.ShouldBe(TimeSpan.FromHours(1));
        window.Describe(end).ShouldBe("Fri 16:00 - Mon 08:00 Europe/Berlin (until Mon 2026-11-23 08:00 +01:00)");
        window.EndOfOccurrence(At("2026-11-23T08:00:00+01:00")).ShouldBeNull();
    }

    [Fact]
    public void TheSameWindowEveryWeek_FindsThatWeeksEnd()
    {
        var window = Window("Fri 16:00 - Mon 08:00 Europe/Berlin");

        window.EndOfOccurrence(At("2026-11-27T16:00:00+01:00")).ShouldBe(At("2026-11-30T08:00:00+01:00"));
        window.EndOfOccurrence(At("2027-01-03T10:00:00+01:00")).ShouldBe(At("2027-01-04T08:00:00+01:00"));
        window.EndOfOccurrence(At("2026-07-04T10:00:00+02:00")).ShouldBe(At("2026-07-06T08:00:00+02:00"));
    }

    [Theory]
    [InlineData("2026-11-21T21:59:00Z", false)] // Sat
    [InlineData("2026-11-21T22:00:00Z", true)]
    [InlineData("2026-11-22T05:59:59Z", true)]  // Sun
    [InlineData("2026-11-22T06:00:00Z", false)]
    public void AWindowFromSaturdayToSunday_WrapsDayOfWeekNumbering(string instant, bool frozen)
    {
        // DayOfWeek counts Sunday as 0, Saturday as 6: the window still lasts 8 hours, not a week.
        Window("Sat 22:00 - Sun 06:00").Contains(At(instant)).ShouldBe(frozen);
    }

    [Theory]
    [InlineData("2026-11-25T11:59:59Z", false)]
    [InlineData("2026-11-25T12:00:00Z", true)]
    [InlineData("2026-11-25T13:59:59Z", true)]
    [InlineData("2026-11-25T14:00:00Z", false)]
    [InlineData("2026-11-18T13:00:00Z", true)] // the Wednesday before
    [InlineData("2026-11-26T13:00:00Z", false)] // Thursday
    public void AWindowWithinOneDay_HoldsOnlyThatDay(string instant, bool frozen)
    {
        Window("Wed 12:00 - Wed 14:00").Contains(At(instant)).ShouldBe(frozen);
    }

    [Theory]
    [InlineData("2026-11-23T09:00:00Z", false)]
    [InlineData("2026-11-23T09:59:59Z", false)]
    [InlineData("2026-11-23T10:00:00Z", true)]
    [InlineData("2026-11-26T00:00:00Z", true)]
    [InlineData("2026-11-30T08:59:59Z", true)]
    [InlineData("2026-11-30T09:00:00Z", false)]
    public void AWindowEndingOnItsStartDayEarlier_LastsAlmostAWeek(string instant, bool frozen)
    {
        Window("Mon 10:00 - Mon 09:00").Contains(At(instant)).ShouldBe(frozen);
    }

    // ---- summer time in Europe/Berlin ------------------------------------------------------------

    [Theory]
    [InlineData("2026-03-27T14:59:59Z", false)] // Fri 15:59:59 CET
    [InlineData("2026-03-27T15:00:00Z", true)]  // Fri 16:00 CET
    [InlineData("2026-03-29T00:59:59Z", true)]  // Sun 01:59:59 CET, just before the clocks go forward
    [InlineData("2026-03-29T01:00:00Z", true)]  // Sun 03:00 CEST
    [InlineData("2026-03-30T05:59:59Z", true)]  // Mon 07:59:59 CEST
    [InlineData("2026-03-30T06:00:00Z", false)] // Mon 08:00 CEST
    [InlineData("2026-03-30T06:30:00Z", false)] // Mon 07:30 in CET would be frozen; in CEST it is 08:30
    public void AWeekendWindow_FollowsTheClock_WhenSummerTimeStarts(string instant, bool frozen)
    {
        Window("Fri 16:00 - Mon 08:00 Europe/Berlin").Contains(At(instant)).ShouldBe(frozen);
    }

    [Theory]
    [InlineData("2026-10-23T13:59:59Z", false)] // Fri 15:59:59 CEST
    [InlineData("2026-10-23T14:00:00Z", true)]  // Fri 16:00 CEST
    [InlineData("2026-10-25T01:30:00Z", true)]  // Sun 02:30 CET, the second time the clock shows it
    [InlineData("2026-10-26T06:59:59Z", true)]  // Mon 07:59:59 CET
    [InlineData("2026-10-26T07:00:00Z", false)] // Mon 08:00 CET
    public void AWeekendWindow_FollowsTheClock_WhenSummerTimeEnds(string instant, bool frozen)
    {
        Window("Fri 16:00 - Mon 08:00 Europe/Berlin").Contains(At(instant)).ShouldBe(frozen);
    }

    [Fact]
    public void TheEndOfAWindowAcrossAChangeOfTime_CarriesTheNewOffset()
    {
        var window = Window("Fri 16:00 - Mon 08:00 Europe/Berlin");

        var spring = window.EndOfOccurrence(At("2026-03-28T12:00:00Z")).ShouldNotBeNull();
        var autumn = window.EndOfOccurrence(At("2026-10-24T12:00:00Z")).ShouldNotBeNull();

        window.Describe(spring).ShouldBe("Fri 16:00 - Mon 08:00 Europe/Berlin (until Mon 2026-03-30 08:00 +02:00)");
        window.Describe(autumn).ShouldBe("Fri 16:00 - Mon 08:00 Europe/Berlin (until Mon 2026-10-26 08:00 +01:00)");
    }

    [Theory]
    [InlineData("2026-03-29T00:59:59Z", false)] // 01:59:59 CET
    [InlineData("2026-03-29T01:00:00Z", true)]  // 03:00 CEST: 02:30 was skipped, the window starts as the clock jumps past it
    [InlineData("2026-03-29T01:59:59Z", true)]  // 03:59:59 CEST
    [InlineData("2026-03-29T02:00:00Z", false)] // 04:00 CEST
    [InlineData("2026-03-22T01:29:59Z", false)] // the Sunday before, an ordinary one: 02:29:59 CET
    [InlineData("2026-03-22T01:30:00Z", true)]  // 02:30 CET
    public void AStartTheClockSkips_TakesEffectWhenTheClockJumpsPastIt(string instant, bool frozen)
    {
        Window("Sun 02:30 - Sun 04:00 Europe/Berlin").Contains(At(instant)).ShouldBe(frozen);
    }

    [Theory]
    [InlineData("2026-10-25T00:29:59Z", false)] // 02:29:59 CEST
    [InlineData("2026-10-25T00:30:00Z", true)]  // 02:30 CEST, the first time the clock shows it
    [InlineData("2026-10-25T01:30:00Z", true)]  // 02:30 CET, the second time
    [InlineData("2026-10-25T03:59:59Z", true)]  // 04:59:59 CET
    [InlineData("2026-10-25T04:00:00Z", false)] // 05:00 CET
    public void AStartTheClockShowsTwice_TakesEffectTheFirstTime(string instant, bool frozen)
    {
        Window("Sun 02:30 - Sun 05:00 Europe/Berlin").Contains(At(instant)).ShouldBe(frozen);
    }

    [Theory]
    [InlineData("2026-10-24T22:59:59Z", false)] // Sun 00:59:59 CEST
    [InlineData("2026-10-24T23:00:00Z", true)]  // Sun 01:00 CEST
    [InlineData("2026-10-25T00:29:59Z", true)]  // 02:29:59 CEST
    [InlineData("2026-10-25T00:30:00Z", false)] // 02:30 CEST: the window ends the first time the clock shows its end
    [InlineData("2026-10-25T01:15:00Z", false)] // 02:15 CET: the clock went back, the window does not reopen
    public void AnEndTheClockShowsTwice_EndsTheFirstTime_AndDoesNotReopen(string instant, bool frozen)
    {
        Window("Sun 01:00 - Sun 02:30 Europe/Berlin").Contains(At(instant)).ShouldBe(frozen);
    }

    [Fact]
    public void AnEndTheClockSkips_EndsWhenTheClockJumpsPastIt()
    {
        var window = Window("Sun 01:00 - Sun 02:30 Europe/Berlin");

        window.EndOfOccurrence(At("2026-03-29T00:30:00Z")).ShouldBe(At("2026-03-29T03:00:00+02:00"));
        window.Contains(At("2026-03-29T00:59:59Z")).ShouldBeTrue();
        window.Contains(At("2026-03-29T01:00:00Z")).ShouldBeFalse();
    }

    [Fact]
    public void ADatedWindowInsideASkippedHour_IsEmpty_AndDoesNotThrow()
    {
        var window = Window("2026-03-29 02:10 - 2026-03-29 02:50 Europe/Berlin");

        window.Contains(At("2026-03-29T00:59:59Z")).ShouldBeFalse();
        window.Contains(At("2026-03-29T01:00:00Z")).ShouldBeFalse();
        window.Contains(At("2026-03-29T01:10:00Z")).ShouldBeFalse();
    }

    [Fact]
    public void ADatedWindowAcrossTheNightSummerTimeEnds_Lasts25Hours()
    {
        var window = Window("2026-10-24 12:00 - 2026-10-25 12:00 Europe/Berlin");

        window.Contains(At("2026-10-24T09:59:59Z")).ShouldBeFalse();
        window.Contains(At("2026-10-24T10:00:00Z")).ShouldBeTrue();
        window.Contains(At("2026-10-25T10:59:59Z")).ShouldBeTrue();
        window.Contains(At("2026-10-25T11:00:00Z")).ShouldBeFalse();
    }

    [Fact]
    public void ADayTheZoneSkipped_DoesNotThrow()
    {
        // Pacific/Apia moved across the date line: 30 December 2011 never happened there.
        var window = Window("2011-12-30 12:00 - 2011-12-31 12:00 Pacific/Apia");

        window.EndOfOccurrence(At("2011-12-31T00:00:00+14:00")).ShouldBe(At("2011-12-31T12:00:00+14:00"));
        window.Contains(At("2011-12-30T09:59:59Z")).ShouldBeFalse(); // 23:59:59 on the 29th, at -10:00
        window.Contains(At("2011-12-30T10:00:00Z")).ShouldBeTrue();  // 00:00 on the 31st, at +14:00
    }

    // ---- dated windows ---------------------------------------------------------------------------

    [Theory]
    [InlineData("2026-12-23T23:59:59Z", false)]
    [InlineData("2026-12-24T00:00:00Z", true)]
    [InlineData("2026-12-26T23:59:59Z", true)]
    [InlineData("2026-12-27T00:00:00Z", false)]
    [InlineData("2027-12-25T12:00:00Z", false)] // once, not every year
    [InlineData("2025-12-25T12:00:00Z", false)]
    public void ADatedWindow_HoldsOnce(string instant, bool frozen)
    {
        Window("2026-12-24 00:00 - 2026-12-27 00:00 UTC").Contains(At(instant)).ShouldBe(frozen);
    }

    [Fact]
    public void ADatedWindow_EndsAtItsTo_InItsZone()
    {
        var window = Production("{ from: \"2026-12-24 18:00\", to: \"2026-12-27 06:00\", timezone: America/New_York, reason: \"holidays\" }").Freeze.ShouldHaveSingleItem();

        var end = window.EndOfOccurrence(At("2026-12-25T00:00:00Z")).ShouldNotBeNull();

        end.ShouldBe(At("2026-12-27T11:00:00Z"));
        window.Describe(end).ShouldBe("2026-12-24 18:00 - 2026-12-27 06:00 America/New_York (holidays; until Sun 2026-12-27 06:00 -05:00)");
        window.Contains(At("2026-12-24T22:59:59Z")).ShouldBeFalse();
        window.Contains(At("2026-12-24T23:00:00Z")).ShouldBeTrue();
    }

    // ---- an environment's windows together ---------------------------------------------------------

    [Fact]
    public void AnEnvironmentWithoutFreeze_IsNeverFrozen()
    {
        var environment = Production("\"Fri 16:00 - Mon 08:00 Europe/Berlin\"") with { Freeze = [] };

        environment.ActiveFreeze(At("2026-11-21T12:00:00Z")).ShouldBeNull();
        environment.FrozenUntil(At("2026-11-21T12:00:00Z")).ShouldBeNull();
        environment.DescribeFreeze(At("2026-11-21T12:00:00Z")).ShouldBeNull();
    }

    [Fact]
    public void OutsideEveryWindow_NothingIsInForce()
    {
        var environment = Production("\"Fri 16:00 - Mon 08:00 Europe/Berlin\"", "\"2026-12-24 00:00 - 2026-12-27 00:00\"");

        var wednesday = At("2026-11-25T12:00:00Z");

        environment.ActiveFreeze(wednesday).ShouldBeNull();
        environment.FrozenUntil(wednesday).ShouldBeNull();
        environment.DescribeFreeze(wednesday).ShouldBeNull();
    }

    [Fact]
    public void TheWindowInForce_IsTheOneThatHoldsTheInstant()
    {
        var environment = Production("\"Fri 16:00 - Mon 08:00 Europe/Berlin\"", "{ from: \"2026-12-24 00:00\", to: \"2026-12-27 00:00\", reason: \"holidays\" }");

        environment.ActiveFreeze(At("2026-11-21T12:00:00Z")).ShouldBe(environment.Freeze[0]);
        environment.ActiveFreeze(At("2026-12-24T12:00:00Z")).ShouldBe(environment.Freeze[1]); // a Thursday
        environment.DescribeFreeze(At("2026-11-21T12:00:00Z")).ShouldBe("Fri 16:00 - Mon 08:00 Europe/Berlin (until Mon 2026-11-23 08:00 +01:00)");
        environment.DescribeFreeze(At("2026-12-24T12:00:00Z")).ShouldBe("2026-12-24 00:00 - 2026-12-27 00:00 UTC (holidays; until Mon 2026-12-28 07:00 +00:00)"); // the weekend window follows on
    }

    [Fact]
    public void OverlappingWindows_FreezeUntilTheLastOfThemEnds()
    {
        // Christmas 2026: Thu 24th to Sun 27th; the weekend window then goes on to Mon 28th 08:00 Berlin.
        var environment = Production("\"2026-12-24 00:00 - 2026-12-27 00:00\"", "\"Fri 16:00 - Mon 08:00 Europe/Berlin\"");

        var christmasEve = At("2026-12-24T12:00:00Z");

        environment.ActiveFreeze(christmasEve).ShouldBe(environment.Freeze[0]);
        environment.FrozenUntil(christmasEve).ShouldBe(At("2026-12-28T08:00:00+01:00"));
        environment.ActiveFreeze(At("2026-12-26T12:00:00Z")).ShouldBe(environment.Freeze[1], "the weekend window lasts longer");
    }

    [Fact]
    public void WindowsThatTouch_MakeOneFreeze()
    {
        var environment = Production("\"Fri 16:00 - Mon 08:00 Europe/Berlin\"", "\"Mon 08:00 - Mon 12:00 Europe/Berlin\"");

        var saturday = At("2026-11-21T12:00:00Z");

        environment.ActiveFreeze(saturday).ShouldBe(environment.Freeze[0]);
        environment.FrozenUntil(saturday).ShouldBe(At("2026-11-23T12:00:00+01:00"));
        environment.DescribeFreeze(saturday).ShouldBe("Fri 16:00 - Mon 08:00 Europe/Berlin (until Mon 2026-11-23 12:00 +01:00)");
        environment.ActiveFreeze(At("2026-11-23T08:00:00+01:00")).ShouldBe(environment.Freeze[1]);
        environment.FrozenUntil(At("2026-11-23T12:00:00+01:00")).ShouldBeNull();
    }

    [Fact]
    public void WindowsCoveringTheWholeWeek_FreezeForAYearOrMore_WithoutEndlessSearch()
    {
        var environment = Production("\"Mon 00:00 - Thu 00:00\"", "\"Thu 00:00 - Mon 00:00\"");
        var now = At("2026-11-25T12:00:00Z");

        var until = environment.FrozenUntil(now).ShouldNotBeNull();

        until.ShouldBeGreaterThanOrEqualTo(now.AddDays(366));
        until.ShouldBeLessThan(now.AddDays(366 + 7));
    }

    [Fact]
    public void TheReason_IsPartOfTheDescription()
    {
        var environment = Production("{ from: \"Fri 16:00\", to: \"Mon 08:00\", timezone: Europe/Berlin, reason: \"weekend\" }");

        environment.DescribeFreeze(At("2026-11-21T12:00:00Z")).ShouldBe("Fri 16:00 - Mon 08:00 Europe/Berlin (weekend; until Mon 2026-11-23 08:00 +01:00)");
        environment.Freeze[0].Reason.ShouldBe("weekend");
    }

    [Fact]
    public void LocalTime_ShowsAnInstantOnTheZonesClock()
    {
        var window = Window("Fri 16:00 - Mon 08:00 Asia/Kolkata");

        window.LocalTime(At("2026-11-20T10:30:00Z")).ShouldBe("Fri 2026-11-20 16:00 +05:30");
        window.Contains(At("2026-11-20T10:30:00Z")).ShouldBeTrue();
        window.Contains(At("2026-11-20T10:29:59Z")).ShouldBeFalse();
    }
}
