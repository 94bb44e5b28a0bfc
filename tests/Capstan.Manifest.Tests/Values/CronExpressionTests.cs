using System.Globalization;
using Capstan.Manifest.Values;

namespace Capstan.Manifest.Tests.Values;

public sealed class CronExpressionTests
{
    private static readonly DateTimeOffset NewYear2025 = Utc("2025-01-01T00:00");

    // ---- syntax -------------------------------------------------------------------------------------

    [Theory]
    [InlineData("*/15 * * * *", "00:15 00:30 00:45 01:00")]
    [InlineData("5/15 * * * *", "00:05 00:20 00:35 00:50 01:05")]
    [InlineData("0-30/10 * * * *", "00:10 00:20 00:30 01:00")]
    [InlineData("7,19,43 * * * *", "00:07 00:19 00:43 01:07")]
    [InlineData("0 8-10 * * *", "08:00 09:00 10:00")]
    [InlineData("0 */6 * * *", "06:00 12:00 18:00")]
    [InlineData("15 1-23/11 * * *", "01:15 12:15 23:15")]
    public void Parse_ReadsListsRangesAndStepsOfMinutesAndHours(string expression, string times)
    {
        var fired = Occurrences(expression, NewYear2025, times.Split(' ').Length);

        fired.Select(t => t.ToString("HH:mm", CultureInfo.InvariantCulture)).ShouldBe(times.Split(' '));
    }

    [Theory]
    [InlineData("0 9 * * mon-fri", "0 9 * * 1-5")]
    [InlineData("0 9 * * MON,wed,Fri", "0 9 * * 1,3,5")]
    [InlineData("0 0 * * 7", "0 0 * * 0")]
    [InlineData("0 0 * * sun", "0 0 * * 0")]
    [InlineData("0 0 * * 5-7", "0 0 * * 0,5,6")]
    [InlineData("0 0 * * 0-7", "0 0 * * *")]
    [InlineData("0 0 * * */2", "0 0 * * 0,2,4,6")]
    [InlineData("0 0 1 jan,jul *", "0 0 1 1,7 *")]
    [InlineData("0 0 1 jan-dec/3 *", "0 0 1 1,4,7,10 *")]
    [InlineData("0 0 1 */4 *", "0 0 1 1,5,9 *")]
    [InlineData("@yearly", "0 0 1 1 *")]
    [InlineData("@annually", "0 0 1 1 *")]
    [InlineData("@monthly", "0 0 1 * *")]
    [InlineData("@weekly", "0 0 * * 0")]
    [InlineData("@daily", "0 0 * * *")]
    [InlineData("@midnight", "0 0 * * *")]
    [InlineData("@hourly", "0 * * * *")]
    [InlineData("@HOURLY", "0 * * * *")]
    [InlineData("  @daily  ", "0 0 * * *")]
    [InlineData("  0   0 *  * *  ", "0 0 * * *")]
    public void Parse_ReadsNamesSundayAsSevenAndMacros(string expression, string equivalent)
    {
        Occurrences(expression, NewYear2025, 40).ShouldBe(Occurrences(equivalent, NewYear2025, 40));
    }

    [Fact]
    public void Parse_OfAMacro_KeepsItsTextForDisplay()
    {
        CronExpression.Parse("@daily").ToString().ShouldBe("@daily");
        CronExpression.Parse("0 * * * *").Text.ShouldBe("0 * * * *");
    }

    [Theory]
    [InlineData("0 25 * * *", 2, "'25' is not a valid hour; expected 0-23")]
    [InlineData("60 * * * *", 0, "'60' is not a valid minute; expected 0-59")]
    [InlineData("0 0 32 * *", 4, "'32' is not a valid day-of-month; expected 1-31")]
    [InlineData("0 0 0 * *", 4, "'0' is not a valid day-of-month; expected 1-31")]
    [InlineData("0 0 * 13 *", 6, "'13' is not a valid month; expected 1-12 or jan-dec")]
    [InlineData("0 0 * * 8", 8, "'8' is not a valid day-of-week; expected 0-7 or sun-sat")]
    [InlineData("0 0 * * mon-xyz", 12, "'xyz' is not a valid day-of-week")]
    [InlineData("0 0 * foo *", 6, "'foo' is not a valid month")]
    [InlineData("0 0 * * 1,2,9", 12, "'9' is not a valid day-of-week")]
    [InlineData("*/0 * * * *", 2, "step '0' in the minute field is not a number from 1 to 59")]
    [InlineData("0 */24 * * *", 4, "step '24' in the hour field is not a number from 1 to 23")]
    [InlineData("0 1-5/x * * *", 6, "step 'x' in the hour field")]
    [InlineData("*/ * * * *", 2, "step '' in the minute field")]
    [InlineData("1,,2 * * * *", 2, "empty entry in the minute field '1,,2'")]
    [InlineData("1, * * * *", 2, "empty entry in the minute field '1,'")]
    [InlineData("5-1 * * * *", 0, "range '5-1' in the minute field runs backwards; write the smaller value first")]
    [InlineData("0 0 * * sat-sun", 8, "range 'sat-sun' in the day-of-week field runs backwards")]
    [InlineData("0 3- * * *", 4, "'' is not a valid hour")]
    [InlineData("-5 * * * *", 0, "'-5' is not a valid minute")]
    [InlineData("0 0 * *", 0, "'0 0 * *' has 4 fields; expected 5 (minute hour day-of-month month day-of-week)")]
    [InlineData("0", 0, "'0' has 1 field; expected 5")]
    [InlineData("0 0 * * * *", 10, "'0 0 * * * *' has 6 fields; expected 5")]
    [InlineData("  0 0 * * 9", 10, "'9' is not a valid day-of-week")]
    [InlineData("@reboot", 0, "'@reboot' is not a cron macro; use @")]
    [InlineData("  @often", 2, "'@often' is not a cron macro")]
    public void Parse_OfAnInvalidExpression_PointsAtTheBadField(string expression, int offset, string message)
    {
        CronExpression.TryParse(expression, out _, out var error).ShouldBeFalse();

        error.Message.ShouldContain(message, Case.Sensitive);
        error.Offset.ShouldBe(offset);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Parse_OfNothing_SaysWhatACronExpressionLooksLike(string expression)
    {
        CronExpression.TryParse(expression, out _, out var error).ShouldBeFalse();

        error.Message.ShouldBe($"expected {CronExpression.Expectation}, found an empty value");
    }

    [Fact]
    public void Parse_OfAnInvalidExpression_ThrowsAFormatException()
    {
        Should.Throw<FormatException>(() => CronExpression.Parse("0 25 * * *")).Message.ShouldContain("'25' is not a valid hour", Case.Sensitive);
    }

    // ---- next occurrence ----------------------------------------------------------------------------

    [Theory]
    [InlineData("2025-03-10T05:59", "2025-03-10T06:00")]
    [InlineData("2025-03-10T06:00", "2025-03-10T12:00")]
    [InlineData("2025-03-10T18:00", "2025-03-11T00:00")]
    [InlineData("2025-12-31T23:59", "2026-01-01T00:00")]
    public void EverySixHours_FiresAtTheNextMultipleOfSixStrictlyAfter(string after, string next)
    {
        Next("0 */6 * * *", Utc(after)).ShouldBe(Utc(next));
    }

    [Theory]
    [InlineData("2025-01-06T08:00", "2025-01-06T09:30")] // Monday morning
    [InlineData("2025-01-06T09:30", "2025-01-07T09:30")] // strictly after
    [InlineData("2025-01-03T09:30", "2025-01-06T09:30")] // Friday: skips the weekend
    [InlineData("2025-01-04T12:00", "2025-01-06T09:30")] // Saturday
    public void WeekdaysAtHalfPastNine_SkipsTheWeekend(string after, string next)
    {
        Next("30 9 * * 1-5", Utc(after)).ShouldBe(Utc(next));
    }

    [Fact]
    public void FirstAndFifteenth_AlternateAcrossMonths()
    {
        Occurrences("0 0 1,15 * *", NewYear2025, 4)
            .ShouldBe([Utc("2025-01-15T00:00"), Utc("2025-02-01T00:00"), Utc("2025-02-15T00:00"), Utc("2025-03-01T00:00")]);
    }

    [Fact]
    public void BothDayFieldsRestricted_FiresOnEitherDay_AsVixieCronDoes()
    {
        // The 13th, or any Friday: Fri 3 Jan, Fri 10 Jan, Mon 13 Jan, Fri 17 Jan.
        Occurrences("0 0 13 * 5", NewYear2025, 4)
            .ShouldBe([Utc("2025-01-03T00:00"), Utc("2025-01-10T00:00"), Utc("2025-01-13T00:00"), Utc("2025-01-17T00:00")]);
    }

    [Fact]
    public void OnlyDayOfWeekRestricted_FiresOnThoseWeekdaysOnly()
    {
        Occurrences("0 0 * * 5", NewYear2025, 3)
            .ShouldBe([Utc("2025-01-03T00:00"), Utc("2025-01-10T00:00"), Utc("2025-01-17T00:00")]);
    }

    [Fact]
    public void ADayOfMonthFieldStartingWithStar_CountsAsUnrestricted_SoBothDaysMustMatch()
    {
        // As in Vixie cron, "*/2" is a star field: odd days that are also Mondays (13 and 27 January 2025).
        Occurrences("0 0 */2 * 1", NewYear2025, 2).ShouldBe([Utc("2025-01-13T00:00"), Utc("2025-01-27T00:00")]);
    }

    [Fact]
    public void The31st_SkipsMonthsWithoutOne()
    {
        Occurrences("0 0 31 * *", Utc("2025-01-31T00:00"), 3)
            .ShouldBe([Utc("2025-03-31T00:00"), Utc("2025-05-31T00:00"), Utc("2025-07-31T00:00")]);
    }

    [Fact]
    public void NewYearsEve_RollsOverToTheNextYear()
    {
        Next("30 23 31 12 *", Utc("2025-12-31T23:30")).ShouldBe(Utc("2026-12-31T23:30"));
    }

    [Fact]
    public void LeapDay_FromANonLeapYear_IsTheNextFebruary29()
    {
        Next("0 0 29 2 *", NewYear2025).ShouldBe(Utc("2028-02-29T00:00"));
        Next("0 0 29 2 *", Utc("2028-02-29T00:00")).ShouldBe(Utc("2032-02-29T00:00"));
    }

    [Theory]
    [InlineData("0 0 30 2 *")]
    [InlineData("0 0 31 4,6,9,11 *")]
    [InlineData("0 0 31 2 *")]
    public void AnExpressionThatNeverFires_HasNoNextOccurrence(string expression)
    {
        CronExpression.Parse(expression).GetNextOccurrence(NewYear2025).ShouldBeNull();
    }

    [Fact]
    public void NextOccurrence_IgnoresSecondsAndIsStrictlyAfter()
    {
        Next("* * * * *", Utc("2025-01-01T10:00").AddSeconds(30)).ShouldBe(Utc("2025-01-01T10:01"));
        Next("* * * * *", Utc("2025-01-01T10:00")).ShouldBe(Utc("2025-01-01T10:01"));
    }

    [Fact]
    public void NextOccurrence_OfAnInstantWithAnOffset_IsComputedInTheGivenZone()
    {
        var after = new DateTimeOffset(2025, 1, 1, 10, 0, 0, TimeSpan.FromHours(5)); // 05:00 UTC

        Next("0 6 * * *", after).ShouldBe(Utc("2025-01-01T06:00"));
    }

    [Fact]
    public void Matches_ChecksEveryField()
    {
        var expression = CronExpression.Parse("30 9 * * 1-5");

        expression.Matches(new DateTime(2025, 1, 6, 9, 30, 0, DateTimeKind.Unspecified)).ShouldBeTrue();
        expression.Matches(new DateTime(2025, 1, 6, 9, 31, 0, DateTimeKind.Unspecified)).ShouldBeFalse();
        expression.Matches(new DateTime(2025, 1, 5, 9, 30, 0, DateTimeKind.Unspecified)).ShouldBeFalse();
    }

    // ---- time zones ---------------------------------------------------------------------------------

    private static readonly TimeZoneInfo Paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");

    [Fact]
    public void Hourly_InParisOnSpringForwardDay_GoesFromOneToThreeOClock()
    {
        // 30 March 2025: 02:00 CET becomes 03:00 CEST; 02:00 does not exist.
        var after = new DateTimeOffset(2025, 3, 30, 1, 0, 0, TimeSpan.FromHours(1));

        var next = CronExpression.Parse("0 * * * *").GetNextOccurrence(after, Paris);

        next.ShouldBe(new DateTimeOffset(2025, 3, 30, 3, 0, 0, TimeSpan.FromHours(2)));
        (next!.Value - after).ShouldBe(TimeSpan.FromHours(1));
    }

    [Fact]
    public void ATimeThatDoesNotExistOnSpringForwardDay_IsSkippedThatDay()
    {
        var after = new DateTimeOffset(2025, 3, 29, 3, 0, 0, TimeSpan.FromHours(1));

        CronExpression.Parse("30 2 * * *").GetNextOccurrence(after, Paris)
            .ShouldBe(new DateTimeOffset(2025, 3, 31, 2, 30, 0, TimeSpan.FromHours(2)));
    }

    [Theory]
    [InlineData(3, 29, 1, 3, 30, 2)] // March: the local time is kept, the offset changes from +1 to +2
    [InlineData(10, 25, 2, 10, 26, 1)] // October: from +2 to +1
    public void DailyAtNine_InParis_StaysAtNineLocalTimeAcrossTheChange(int month, int day, int offsetBefore, int nextMonth, int nextDay, int offsetAfter)
    {
        var after = new DateTimeOffset(2025, month, day, 9, 0, 0, TimeSpan.FromHours(offsetBefore));

        CronExpression.Parse("0 9 * * *").GetNextOccurrence(after, Paris)
            .ShouldBe(new DateTimeOffset(2025, nextMonth, nextDay, 9, 0, 0, TimeSpan.FromHours(offsetAfter)));
    }

    [Fact]
    public void ATimeInTheRepeatedHourOnFallBackDay_FiresOnce()
    {
        // 26 October 2025: 03:00 CEST becomes 02:00 CET; 02:30 happens twice.
        var expression = CronExpression.Parse("30 2 * * *");

        var first = expression.GetNextOccurrence(Utc("2025-10-25T12:00"), Paris);
        var second = expression.GetNextOccurrence(first!.Value, Paris);

        first.ShouldBe(new DateTimeOffset(2025, 10, 26, 2, 30, 0, TimeSpan.FromHours(2)));
        second.ShouldBe(new DateTimeOffset(2025, 10, 27, 2, 30, 0, TimeSpan.FromHours(1)));
    }

    [Fact]
    public void Hourly_InParisAcrossBothChanges_MovesForwardOnTheHourEveryTime()
    {
        var expression = CronExpression.Parse("0 * * * *");
        foreach (var start in new[] { Utc("2025-03-29T20:00"), Utc("2025-10-25T20:00") })
        {
            var previous = start;
            for (var i = 0; i < 12; i++)
            {
                var next = expression.GetNextOccurrence(previous, Paris);
                next.ShouldNotBeNull();
                next.Value.ShouldBeGreaterThan(previous);
                (next.Value - previous).ShouldBeLessThanOrEqualTo(TimeSpan.FromHours(2));
                TimeZoneInfo.ConvertTime(next.Value, Paris).Minute.ShouldBe(0);
                next.Value.Offset.ShouldBe(Paris.GetUtcOffset(next.Value));
                previous = next.Value;
            }
        }
    }

    // ---- longest gap --------------------------------------------------------------------------------

    [Theory]
    [InlineData("* * * * *", 1)]
    [InlineData("*/15 * * * *", 15)]
    [InlineData("0 * * * *", 60)]
    [InlineData("0 */6 * * *", 6 * 60)]
    [InlineData("0 3 * * *", 24 * 60)]
    [InlineData("30 9 * * 1-5", 3 * 24 * 60)]
    [InlineData("0 0 1,15 * *", 17 * 24 * 60)]
    [InlineData("0 0 1 * *", 31 * 24 * 60)]
    [InlineData("@yearly", 365 * 24 * 60)]
    public void LongestGap_IsTheLongestWaitBetweenTwoFirings(string expression, int minutes)
    {
        CronExpression.Parse(expression).LongestGap(NewYear2025).ShouldBe(TimeSpan.FromMinutes(minutes));
    }

    [Fact]
    public void LongestGap_OfAScheduleThatFiresLessThanOnceAYear_IsLongerThanAYear()
    {
        // Bug: the first firing (2028-02-29) falls after the one-year window, the loop never runs, and the gap is 0,
        // so a backup scheduled "0 0 29 2 *" passes any RPO check.
        var gap = CronExpression.Parse("0 0 29 2 *").LongestGap(NewYear2025);

        gap.ShouldNotBeNull();
        gap.Value.ShouldBeGreaterThan(TimeSpan.FromDays(366));
    }

    [Fact]
    public void LongestGap_OfAnExpressionThatNeverFires_IsNull()
    {
        CronExpression.Parse("0 0 30 2 *").LongestGap(NewYear2025).ShouldBeNull();
    }

    private static DateTimeOffset Utc(string text) =>
        DateTimeOffset.ParseExact(text, "yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static DateTimeOffset? Next(string expression, DateTimeOffset after) =>
        CronExpression.Parse(expression).GetNextOccurrence(after);

    private static List<DateTimeOffset> Occurrences(string expression, DateTimeOffset after, int count)
    {
        var cron = CronExpression.Parse(expression);
        var result = new List<DateTimeOffset>();
        for (var at = after; result.Count < count;)
        {
            var next = cron.GetNextOccurrence(at);
            next.ShouldNotBeNull($"{expression} stopped firing after {at:O}");
            result.Add(next.Value);
            at = next.Value;
        }

        return result;
    }
}

/// <summary>The day-walk of <see cref="CronExpression.LongestGap"/> against a brute-force walk over every firing.</summary>
public class CronLongestGapCrossCheckTests
{
    [Theory]
    [InlineData("0 * * * *")]
    [InlineData("*/15 * * * *")]
    [InlineData("0 */6 * * *")]
    [InlineData("30 9 * * 1-5")]
    [InlineData("0 0,12 1,15 * *")]
    [InlineData("0 0 1 * *")]
    [InlineData("0 3 * * 0")]
    [InlineData("5 4 * 2 *")]
    [InlineData("0 22 * * 1-5")]
    [InlineData("0 0 13 * 5")]
    [InlineData("0 0 31 * *")]
    [InlineData("45 23 * * 6,0")]
    [InlineData("0 9-17/2 * * mon-fri")]
    public void LongestGap_MatchesTheGapsBetweenEveryFiringOfTheYear(string expression)
    {
        var cron = CronExpression.Parse(expression);
        var from = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

        var expected = TimeSpan.Zero;
        var previous = cron.GetNextOccurrence(from)!.Value;
        var end = from.AddDays(367);
        while (previous < end)
        {
            var next = cron.GetNextOccurrence(previous)!.Value;
            expected = next - previous > expected ? next - previous : expected;
            previous = next;
        }

        cron.LongestGap(from).ShouldBe(expected);
    }
}
