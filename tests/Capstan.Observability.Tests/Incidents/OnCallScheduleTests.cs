using Capstan.Observability.Incidents;

namespace Capstan.Observability.Tests.Incidents;

public sealed class OnCallScheduleTests
{
    private static readonly string[] People = ["ana", "ben", "eve"];

    private static DateTimeOffset Utc(int month, int day, int hour, int minute = 0) => new(2030, month, day, hour, minute, 0, TimeSpan.Zero);

    [Fact]
    public void WithoutAZone_ShiftsAreExactLengths_AndThePeopleTakeTurnsRoundAndRound()
    {
        var schedule = new OnCallSchedule(People, TimeSpan.FromHours(8), Utc(1, 1, 6));

        schedule.At(Utc(1, 1, 6)).ShouldBe(new OnCallShift(0, 0, "ana", Utc(1, 1, 6), Utc(1, 1, 14)));
        schedule.At(Utc(1, 1, 13, 59)).Person.ShouldBe("ana");
        schedule.At(Utc(1, 1, 14)).Person.ShouldBe("ben");
        schedule.At(Utc(1, 1, 22)).Person.ShouldBe("eve");
        schedule.At(Utc(1, 2, 6)).ShouldBe(new OnCallShift(3, 0, "ana", Utc(1, 2, 6), Utc(1, 2, 14)));
        schedule.At(Utc(1, 11, 15)).Person.ShouldBe("ben");
    }

    [Fact]
    public void BeforeTheAnchor_TheRotationRunsBackwards()
    {
        var schedule = new OnCallSchedule(People, TimeSpan.FromHours(8), Utc(1, 1, 6));

        schedule.At(Utc(1, 1, 5, 59)).ShouldBe(new OnCallShift(-1, 2, "eve", Utc(12, 31, 22).AddYears(-1), Utc(1, 1, 6)));
        schedule.At(Utc(1, 1, 0)).Person.ShouldBe("eve");
        schedule.At(Utc(12, 31, 21).AddYears(-1)).Person.ShouldBe("ben");
    }

    [Fact]
    public void Next_IsTheFollowingShift()
    {
        var schedule = new OnCallSchedule(People, TimeSpan.FromDays(7), Utc(1, 7, 9));

        schedule.Next(Utc(1, 10, 12)).ShouldBe(new OnCallShift(1, 1, "ben", Utc(1, 14, 9), Utc(1, 21, 9)));
        schedule.Next(Utc(1, 14, 9)).Person.ShouldBe("eve");
        schedule.PersonAfter(2, 1).ShouldBe("ana");
        schedule.PersonAfter(0, 5).ShouldBe("eve");
    }

    [Fact]
    public void InAZone_ADailyHandoffStaysAtNineLocal_AcrossTheSpringChange()
    {
        // 09:00 CET is 08:00 UTC; after the clocks go forward on Sunday 31 March, 09:00 CEST is 07:00 UTC.
        var schedule = new OnCallSchedule(People, TimeSpan.FromDays(1), new DateTimeOffset(2030, 3, 29, 9, 0, 0, TimeSpan.FromHours(1)), TestZones.Berlin);

        schedule.At(Utc(3, 29, 8)).ShouldBe(new OnCallShift(0, 0, "ana", Utc(3, 29, 8), Utc(3, 30, 8)));
        schedule.At(Utc(3, 30, 8)).ShouldBe(new OnCallShift(1, 1, "ben", Utc(3, 30, 8), Utc(3, 31, 7)));
        schedule.At(Utc(3, 31, 6, 59)).Person.ShouldBe("ben");
        schedule.At(Utc(3, 31, 7)).ShouldBe(new OnCallShift(2, 2, "eve", Utc(3, 31, 7), Utc(4, 1, 7)));
        schedule.At(Utc(4, 1, 7)).Person.ShouldBe("ana");

        // Without the zone the same anchor hands off at 08:00 UTC every day, an hour late in summer.
        var exact = new OnCallSchedule(People, TimeSpan.FromDays(1), Utc(3, 29, 8));
        exact.At(Utc(3, 31, 7, 30)).Person.ShouldBe("ben");
        schedule.At(Utc(3, 31, 7, 30)).Person.ShouldBe("eve");
    }

    [Fact]
    public void InAZone_AWeeklyHandoffStaysAtMondayNineLocal_AcrossTheAutumnChange()
    {
        var schedule = new OnCallSchedule(People, TimeSpan.FromDays(7), new DateTimeOffset(2030, 10, 21, 9, 0, 0, TimeSpan.FromHours(2)), TestZones.Berlin);

        schedule.At(Utc(10, 21, 7)).ShouldBe(new OnCallShift(0, 0, "ana", Utc(10, 21, 7), Utc(10, 28, 8)));
        schedule.At(Utc(10, 28, 7, 30)).Person.ShouldBe("ana");
        schedule.At(Utc(10, 28, 8)).Person.ShouldBe("ben");
        schedule.Next(Utc(10, 22, 0)).StartsAt.ShouldBe(Utc(10, 28, 8));
    }

    [Fact]
    public void InAZone_AHandoffAtASkippedLocalTime_HappensWhenTheClocksJump()
    {
        // 02:30 does not exist on 31 March 2030 in Berlin: the clocks jump from 02:00 CET (01:00 UTC) to 03:00 CEST.
        var schedule = new OnCallSchedule(People, TimeSpan.FromDays(1), new DateTimeOffset(2030, 3, 30, 2, 30, 0, TimeSpan.FromHours(1)), TestZones.Berlin);

        schedule.At(Utc(3, 30, 1, 30)).EndsAt.ShouldBe(Utc(3, 31, 1));
        schedule.At(Utc(3, 31, 1)).ShouldBe(new OnCallShift(1, 1, "ben", Utc(3, 31, 1), Utc(4, 1, 0, 30)));
    }

    [Fact]
    public void InAZone_AHandoffAtALocalTimeThatHappensTwice_HappensTheFirstTime()
    {
        // 02:30 happens twice on 27 October 2030 in Berlin: at 00:30 UTC (CEST) and at 01:30 UTC (CET).
        var schedule = new OnCallSchedule(People, TimeSpan.FromDays(1), new DateTimeOffset(2030, 10, 26, 2, 30, 0, TimeSpan.FromHours(2)), TestZones.Berlin);

        schedule.At(Utc(10, 27, 0, 30)).ShouldBe(new OnCallShift(1, 1, "ben", Utc(10, 27, 0, 30), Utc(10, 28, 1, 30)));
        schedule.At(Utc(10, 27, 0, 29)).Person.ShouldBe("ana");
    }

    [Fact]
    public void InAZone_ShortShiftsThatFallInTheSkippedHour_AreSkipped()
    {
        // Half-hour shifts: 02:00 and 02:30 local are skipped, so the shifts starting then last no time at all.
        var schedule = new OnCallSchedule(["ana", "ben", "eve", "kim"], TimeSpan.FromMinutes(30), new DateTimeOffset(2030, 3, 31, 1, 0, 0, TimeSpan.FromHours(1)), TestZones.Berlin);

        schedule.At(Utc(3, 31, 0, 59)).Person.ShouldBe("ben");                 // shift 1, 01:30 CET
        schedule.At(Utc(3, 31, 1)).ShouldBe(new OnCallShift(4, 0, "ana", Utc(3, 31, 1), Utc(3, 31, 1, 30))); // shift 4, 03:00 CEST
        schedule.Next(Utc(3, 31, 0, 45)).Number.ShouldBe(4);
    }

    [Fact]
    public void ABadRotation_IsRefusedSayingWhatIsWrong()
    {
        Should.Throw<ArgumentException>(() => new OnCallSchedule([], TimeSpan.FromDays(1), Utc(1, 1, 0))).Message.ShouldContain("at least one person");
        Should.Throw<ArgumentException>(() => new OnCallSchedule(["ana", " "], TimeSpan.FromDays(1), Utc(1, 1, 0))).Message.ShouldContain("empty name");
        Should.Throw<ArgumentException>(() => new OnCallSchedule(["ana", "ben", "ana"], TimeSpan.FromDays(1), Utc(1, 1, 0))).Message.ShouldContain("names ana more than once");
        Should.Throw<ArgumentException>(() => new OnCallSchedule(["ana"], TimeSpan.Zero, Utc(1, 1, 0))).Message.ShouldContain("longer than zero");
    }
}
