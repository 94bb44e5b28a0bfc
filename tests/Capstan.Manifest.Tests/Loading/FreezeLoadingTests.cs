using Capstan.Manifest.Model;

namespace Capstan.Manifest.Tests.Loading;

/// <summary>An environment's <c>freeze:</c> windows, in the mapping form and in the short string form.</summary>
public sealed class FreezeLoadingTests
{
    private static IReadOnlyList<FreezeWindow> Freeze(string items) => Diagnosed.Parse($"""
        version: 1
        app: hello
        environments:
          production:
            freeze:
        {items}
        """).ShouldBeClean().Environments["production"].Freeze;

    [Fact]
    public void AnEnvironmentWithoutFreeze_HasNoWindows()
    {
        var manifest = Diagnosed.Parse("""
            version: 1
            app: hello
            environments:
              staging: {}
              production:
                freeze:
              canary: { freeze: [] }
            """).ShouldBeClean();

        manifest.Environments["staging"].Freeze.ShouldBeEmpty();
        manifest.Environments["production"].Freeze.ShouldBeEmpty();
        manifest.Environments["canary"].Freeze.ShouldBeEmpty();
    }

    [Fact]
    public void TheMappingForm_GivesAWeeklyWindowWithItsZoneAndReason()
    {
        var window = Freeze("""
                  - { from: "Fri 16:00", to: "Mon 08:00", timezone: Europe/Berlin, reason: "weekend" }
            """).ShouldHaveSingleItem().ShouldBeOfType<WeeklyFreezeWindow>();

        window.From.ShouldBe(new WeeklyTime(DayOfWeek.Friday, new TimeOnly(16, 0)));
        window.To.ShouldBe(new WeeklyTime(DayOfWeek.Monday, new TimeOnly(8, 0)));
        window.TimeZone.Id.ShouldBe("Europe/Berlin");
        window.Reason.ShouldBe("weekend");
        window.ToString().ShouldBe("Fri 16:00 - Mon 08:00 Europe/Berlin");
    }

    [Fact]
    public void TheMappingForm_GivesADatedWindow_InUtcWhenNoZoneIsWritten()
    {
        var window = Freeze("""
                  - from: 2026-12-24 00:00
                    to: 2026-12-27 00:00
            """).ShouldHaveSingleItem().ShouldBeOfType<DatedFreezeWindow>();

        window.From.ShouldBe(new DateTime(2026, 12, 24, 0, 0, 0, DateTimeKind.Unspecified));
        window.To.ShouldBe(new DateTime(2026, 12, 27, 0, 0, 0, DateTimeKind.Unspecified));
        window.TimeZone.ShouldBe(TimeZoneInfo.Utc);
        window.Reason.ShouldBeNull();
        window.ToString().ShouldBe("2026-12-24 00:00 - 2026-12-27 00:00 UTC");
    }

    [Fact]
    public void TheShortForm_GivesTheSameWindowAsTheMappingForm()
    {
        var windows = Freeze("""
                  - "Fri 16:00 - Mon 08:00 Europe/Berlin"
                  - { from: "Fri 16:00", to: "Mon 08:00", timezone: Europe/Berlin }
                  - 2026-12-24 00:00 - 2026-12-27 00:00 UTC
                  - { from: "2026-12-24 00:00", to: "2026-12-27 00:00", timezone: UTC }
            """);

        windows.Count.ShouldBe(4);
        windows[0].ShouldBe(windows[1]);
        windows[2].ShouldBe(windows[3]);
    }

    [Theory]
    [InlineData("Fri 16:00 - Mon 08:00", "Fri 16:00 - Mon 08:00 UTC")]
    [InlineData("Fri 16:00-Mon 08:00 Europe/Berlin", "Fri 16:00 - Mon 08:00 Europe/Berlin")]
    [InlineData("Fri 16:00 -Mon 08:00", "Fri 16:00 - Mon 08:00 UTC")]
    [InlineData("Fri 16:00 – Mon 08:00", "Fri 16:00 - Mon 08:00 UTC")]
    [InlineData("  friday 16:00   -   MONDAY 8:00  ", "Fri 16:00 - Mon 08:00 UTC")]
    [InlineData("sat 0:00 - SUN 23:59 America/New_York", "Sat 00:00 - Sun 23:59 America/New_York")]
    [InlineData("Wed 12:00 - Wed 14:00", "Wed 12:00 - Wed 14:00 UTC")]
    [InlineData("Mon 10:00 - Mon 09:00", "Mon 10:00 - Mon 09:00 UTC")]
    [InlineData("Thursday 22:30 - Tuesday 06:15 Asia/Kolkata", "Thu 22:30 - Tue 06:15 Asia/Kolkata")]
    [InlineData("2026-12-24 00:00 - 2026-12-27 00:00", "2026-12-24 00:00 - 2026-12-27 00:00 UTC")]
    [InlineData("2026-12-24 18:00-2026-12-24 23:30 Europe/Berlin", "2026-12-24 18:00 - 2026-12-24 23:30 Europe/Berlin")]
    [InlineData("Fri 16:00 - Mon 08:00 Etc/UTC", "Fri 16:00 - Mon 08:00 Etc/UTC")]
    public void TheShortForm_IsReadWithEveryAcceptedSpelling(string written, string canonical)
    {
        var window = Freeze($"      - \"{written}\"").ShouldHaveSingleItem();

        window.ToString().ShouldBe(canonical);
    }

    [Fact]
    public void TheCanonicalText_ReadsBackAsTheSameWindow()
    {
        var windows = Freeze("""
                  - { from: "fri 16:00", to: "monday 8:00", timezone: Europe/Berlin, reason: x }
                  - { from: "2026-12-24 00:00", to: "2026-12-27 00:00", timezone: America/New_York }
            """);

        foreach (var window in windows)
        {
            var again = Freeze($"      - \"{window}\"").ShouldHaveSingleItem();
            again.ShouldBe(window with { Reason = null });
        }
    }

    [Fact]
    public void DayNames_AreReadInAnyCase_ShortOrFull()
    {
        string[] days = ["mon", "TUE", "Wed", "thursday", "FRIDAY", "Saturday", "sUN"];
        DayOfWeek[] expected = [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday, DayOfWeek.Saturday, DayOfWeek.Sunday];

        for (var i = 0; i < days.Length; i++)
        {
            var window = Freeze($"      - {{ from: \"{days[i]} 01:00\", to: \"{days[i]} 02:00\" }}").ShouldHaveSingleItem().ShouldBeOfType<WeeklyFreezeWindow>();
            window.From.Day.ShouldBe(expected[i], days[i]);
            window.To.Day.ShouldBe(expected[i], days[i]);
        }
    }

    [Fact]
    public void SeveralWindows_KeepTheirOrder()
    {
        var windows = Freeze("""
                  - "Fri 16:00 - Mon 08:00 Europe/Berlin"
                  - "2026-12-24 00:00 - 2026-12-27 00:00"
                  - { from: "Wed 12:00", to: "Wed 13:00", reason: lunch }
            """);

        windows.Select(w => w.GetType()).ShouldBe([typeof(WeeklyFreezeWindow), typeof(DatedFreezeWindow), typeof(WeeklyFreezeWindow)]);
        windows[2].Reason.ShouldBe("lunch");
    }
}
