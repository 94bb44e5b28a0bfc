using System.Globalization;

namespace Capstan.Manifest.Model;

/// <summary>
/// A span of time during which deployments to an environment are refused unless forced; a rollback is never refused.
/// From and to are wall-clock times in <see cref="TimeZone"/>: from inclusive, to exclusive.
/// </summary>
/// <remarks>
/// A wall-clock time takes effect at the first instant the zone's clock shows it or a later time. So a time the
/// clock skips when summer time starts (02:30 on the last Sunday of March in Europe/Berlin) takes effect when the
/// clock jumps past it (03:00 CEST), and a time the clock shows twice when summer time ends (02:30 on the last
/// Sunday of October) takes effect the first time (02:30 CEST). A window is one span of instants: once it has
/// ended, the clock going back does not reopen it.
/// </remarks>
public abstract record FreezeWindow
{
    /// <summary>The zone the window's times are read in (IANA id; UTC unless written).</summary>
    public required TimeZoneInfo TimeZone { get; init; }

    /// <summary>Why deployments are frozen, as written in capstan.yaml.</summary>
    public string? Reason { get; init; }

    /// <summary>True when <paramref name="instant"/> is inside the window (from inclusive, to exclusive).</summary>
    public bool Contains(DateTimeOffset instant) => EndOfOccurrence(instant) is not null;

    /// <summary>
    /// When the occurrence of the window that holds <paramref name="instant"/> ends (the first instant outside it),
    /// in the window's zone; null when the window is not in force at <paramref name="instant"/>.
    /// </summary>
    public abstract DateTimeOffset? EndOfOccurrence(DateTimeOffset instant);

    /// <summary>
    /// The window for messages, with when the freeze ends:
    /// <c>Fri 16:00 - Mon 08:00 Europe/Berlin (until Mon 2026-11-23 08:00 +01:00)</c>, or with a reason
    /// <c>Fri 16:00 - Mon 08:00 Europe/Berlin (weekend; until Mon 2026-11-23 08:00 +01:00)</c>.
    /// </summary>
    public string Describe(DateTimeOffset until) =>
        Reason is null ? $"{this} (until {LocalTime(until)})" : $"{this} ({Reason}; until {LocalTime(until)})";

    /// <summary>An instant as the zone's clock shows it: <c>Mon 2026-11-23 08:00 +01:00</c>.</summary>
    public string LocalTime(DateTimeOffset instant) =>
        TimeZoneInfo.ConvertTime(instant, TimeZone).ToString("ddd yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture);

    /// <summary>The short form capstan.yaml accepts: <c>Fri 16:00 - Mon 08:00 Europe/Berlin</c>.</summary>
    public sealed override string ToString() => $"{Range} {TimeZone.Id}";

    /// <summary>From and to without the zone: <c>Fri 16:00 - Mon 08:00</c>.</summary>
    private protected abstract string Range { get; }

    /// <summary>The first instant at which the clock of <paramref name="zone"/> shows <paramref name="local"/> or a later time.</summary>
    internal static DateTimeOffset Resolve(DateTime local, TimeZoneInfo zone)
    {
        // A skipped time (summer time starts) takes effect at the first minute the clock shows again. Gaps last at most
        // a day (Pacific/Apia skipped 30 December 2011).
        var clock = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        for (var minutes = 0; minutes <= MaxGapMinutes; minutes++, clock = clock.AddMinutes(1))
        {
            if (zone.IsInvalidTime(clock))
            {
                continue;
            }

            // A time shown twice (summer time ends) takes effect the first time, which has the larger offset.
            var offset = zone.IsAmbiguousTime(clock) ? zone.GetAmbiguousTimeOffsets(clock).Max() : zone.GetUtcOffset(clock);
            var instant = TimeZoneInfo.ConvertTime(new DateTimeOffset(DateTime.SpecifyKind(clock - offset, DateTimeKind.Utc)), zone);

            // TimeZoneInfo.IsInvalidTime misses times skipped by a change of the zone's standard offset (Apia's day):
            // such a time reads back as another one.
            if (instant.DateTime == clock)
            {
                return instant;
            }
        }

        // Not reached with real tz data: the zone's standard offset rather than an exception.
        return TimeZoneInfo.ConvertTime(new DateTimeOffset(DateTime.SpecifyKind(local - zone.BaseUtcOffset, DateTimeKind.Utc)), zone);
    }

    private const int MaxGapMinutes = 48 * 60;
}

/// <summary>A window that comes back every week: <c>Fri 16:00 - Mon 08:00</c>. It may wrap the week's end.</summary>
public sealed record WeeklyFreezeWindow : FreezeWindow
{
    public required WeeklyTime From { get; init; }

    public required WeeklyTime To { get; init; }

    public override DateTimeOffset? EndOfOccurrence(DateTimeOffset instant)
    {
        var local = TimeZoneInfo.ConvertTime(instant, TimeZone).DateTime;

        // The occurrence that started last, at or before the instant: it is the only one that can hold it, since a
        // window lasts less than a week.
        var startDate = local.Date.AddDays(-(((int)local.DayOfWeek - (int)From.Day + 7) % 7));
        if (Resolve(startDate + From.Time.ToTimeSpan(), TimeZone) > instant)
        {
            startDate = startDate.AddDays(-7);
        }

        var end = Resolve(startDate.AddDays(DaysToEnd) + To.Time.ToTimeSpan(), TimeZone);
        return instant < end ? end : null;
    }

    /// <summary>Days from the day of <see cref="From"/> to the day of <see cref="To"/>: Fri to Mon is 3.</summary>
    private int DaysToEnd
    {
        get
        {
            var days = ((int)To.Day - (int)From.Day + 7) % 7;
            return days == 0 && To.Time <= From.Time ? 7 : days;
        }
    }

    private protected override string Range => $"{From} - {To}";
}

/// <summary>A window that happens once: <c>2026-12-24 00:00 - 2026-12-27 00:00</c>.</summary>
public sealed record DatedFreezeWindow : FreezeWindow
{
    /// <summary>Start, as the zone's clock shows it (<see cref="DateTimeKind.Unspecified"/>).</summary>
    public required DateTime From { get; init; }

    /// <summary>End, as the zone's clock shows it (<see cref="DateTimeKind.Unspecified"/>); after <see cref="From"/>.</summary>
    public required DateTime To { get; init; }

    public override DateTimeOffset? EndOfOccurrence(DateTimeOffset instant)
    {
        var end = Resolve(To, TimeZone);
        return Resolve(From, TimeZone) <= instant && instant < end ? end : null;
    }

    private protected override string Range =>
        string.Create(CultureInfo.InvariantCulture, $"{From:yyyy-MM-dd HH:mm} - {To:yyyy-MM-dd HH:mm}");
}

/// <summary>A day of the week and a time of day: <c>Fri 16:00</c>.</summary>
public readonly record struct WeeklyTime(DayOfWeek Day, TimeOnly Time)
{
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Day.ToString()[..3]} {Time:HH:mm}");
}
