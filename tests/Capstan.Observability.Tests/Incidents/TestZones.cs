namespace Capstan.Observability.Tests.Incidents;

/// <summary>Time zones built in the test, so that results do not depend on the machine's time zone database.</summary>
internal static class TestZones
{
    /// <summary>
    /// Central European Time as the EU has it since 1996: UTC+1, and UTC+2 from the last Sunday of March at 02:00 local
    /// (clocks jump to 03:00) to the last Sunday of October at 03:00 local (clocks go back to 02:00). In 2030: 31 March and 27 October.
    /// </summary>
    public static TimeZoneInfo Berlin { get; } = TimeZoneInfo.CreateCustomTimeZone(
        "Test/Berlin",
        TimeSpan.FromHours(1),
        "Test Berlin",
        "CET",
        "CEST",
        [
            TimeZoneInfo.AdjustmentRule.CreateAdjustmentRule(
                new DateTime(1996, 1, 1),
                DateTime.MaxValue.Date,
                TimeSpan.FromHours(1),
                TimeZoneInfo.TransitionTime.CreateFloatingDateRule(new DateTime(1, 1, 1, 2, 0, 0), 3, 5, DayOfWeek.Sunday),
                TimeZoneInfo.TransitionTime.CreateFloatingDateRule(new DateTime(1, 1, 1, 3, 0, 0), 10, 5, DayOfWeek.Sunday)),
        ]);
}
