namespace Capstan.Observability.Incidents;

/// <summary>
/// A rotation: <see cref="People"/> take turns being on call, one shift each, in order, round and round. Shift 0 starts
/// at <see cref="HandoffAnchor"/> with the first person; shift n starts n shifts later (n may be negative, before the anchor).
/// </summary>
/// <remarks>
/// Without a <see cref="Zone"/>, shifts are exact lengths of time. With one, they are lengths of wall-clock time in that zone,
/// so a daily handoff at 09:00 stays at 09:00 local time across daylight saving changes (the shift around the change is an
/// hour shorter or longer). A handoff at a local time the clocks skip happens when they skip it (02:30 on a night that jumps
/// from 02:00 to 03:00 becomes 03:00); one at a local time that happens twice happens the first time.
/// </remarks>
public sealed class OnCallSchedule
{
    private readonly DateTime _anchorLocal;

    /// <exception cref="ArgumentException">No people, an empty name, a name given twice, or a shift that is not positive.</exception>
    public OnCallSchedule(IReadOnlyList<string> people, TimeSpan shift, DateTimeOffset handoffAnchor, TimeZoneInfo? zone = null)
    {
        ArgumentNullException.ThrowIfNull(people);
        if (people.Count == 0)
        {
            throw new ArgumentException("An on-call rotation needs at least one person.", nameof(people));
        }

        if (people.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("An on-call rotation has an empty name; give each person's name or handle.", nameof(people));
        }

        var twice = people.GroupBy(p => p, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (twice.Count > 0)
        {
            throw new ArgumentException(
                $"An on-call rotation names {string.Join(", ", twice)} more than once; list each person once, in the order they take turns.",
                nameof(people));
        }

        if (shift <= TimeSpan.Zero)
        {
            throw new ArgumentException($"An on-call shift must be longer than zero, not {shift}.", nameof(shift));
        }

        People = [.. people];
        Shift = shift;
        HandoffAnchor = handoffAnchor;
        Zone = zone;
        _anchorLocal = zone is null ? default : TimeZoneInfo.ConvertTime(handoffAnchor, zone).DateTime;
    }

    public IReadOnlyList<string> People { get; }

    public TimeSpan Shift { get; }

    /// <summary>When shift 0, the first person's, starts.</summary>
    public DateTimeOffset HandoffAnchor { get; }

    /// <summary>The time zone whose wall clock shifts follow; null for exact lengths of time.</summary>
    public TimeZoneInfo? Zone { get; }

    /// <summary>The shift under way at <paramref name="time"/>: who is on call, since when, until when.</summary>
    public OnCallShift At(DateTimeOffset time)
    {
        var number = Estimate(time);
        while (StartOf(number) > time)
        {
            number--;
        }

        while (StartOf(number + 1) <= time)
        {
            number++;
        }

        return ShiftNumber(number);
    }

    /// <summary>The shift after the one under way at <paramref name="time"/>: who is on call next, and from when.</summary>
    public OnCallShift Next(DateTimeOffset time)
    {
        var number = At(time).Number + 1;

        // Skips a shift of no length (two handoffs at skipped local times); nobody is on call for it.
        while (StartOf(number + 1) == StartOf(number))
        {
            number++;
        }

        return ShiftNumber(number);
    }

    /// <summary>The person <paramref name="steps"/> places after <paramref name="position"/> in the rotation, wrapping around.</summary>
    public string PersonAfter(int position, int steps) => People[Position((long)position + steps)];

    /// <summary>Shift <paramref name="number"/>: 0 starts at the anchor, 1 a shift later, -1 a shift earlier.</summary>
    public OnCallShift ShiftNumber(long number)
    {
        var position = Position(number);
        return new OnCallShift(number, position, People[position], StartOf(number), StartOf(number + 1));
    }

    private int Position(long number) => (int)(((number % People.Count) + People.Count) % People.Count);

    private long Estimate(DateTimeOffset time)
    {
        var elapsed = Zone is null
            ? time - HandoffAnchor
            : TimeZoneInfo.ConvertTime(time, Zone).DateTime - _anchorLocal;
        return (long)Math.Floor(elapsed.Ticks / (double)Shift.Ticks);
    }

    private DateTimeOffset StartOf(long number)
    {
        if (Zone is null)
        {
            return HandoffAnchor.AddTicks(Shift.Ticks * number);
        }

        return ToInstant(_anchorLocal.AddTicks(Shift.Ticks * number), Zone);
    }

    /// <summary>The instant a wall-clock time in <paramref name="zone"/> names, resolved as the remarks of the class say.</summary>
    private static DateTimeOffset ToInstant(DateTime local, TimeZoneInfo zone)
    {
        if (zone.IsAmbiguousTime(local))
        {
            var offset = zone.GetAmbiguousTimeOffsets(local).Max();
            return new DateTimeOffset(local, offset).ToUniversalTime();
        }

        if (!zone.IsInvalidTime(local))
        {
            return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
        }

        // The clocks skip this time: find the instant they jump, between the last instant it could be with the offset of
        // after the jump and the first with the offset of before. Transitions fall on whole seconds; search to the tick anyway.
        var before = zone.GetUtcOffset(local.AddDays(-1));
        var after = zone.GetUtcOffset(local.AddDays(1));
        var low = new DateTimeOffset(local.Ticks - after.Ticks, TimeSpan.Zero);
        var high = new DateTimeOffset(local.Ticks - before.Ticks, TimeSpan.Zero);
        while (high - low > TimeSpan.FromTicks(1))
        {
            var middle = low + ((high - low) / 2);
            if (zone.GetUtcOffset(middle) == before)
            {
                low = middle;
            }
            else
            {
                high = middle;
            }
        }

        return high;
    }
}

/// <summary>One shift of a rotation: its number (0 starts at the anchor), the person's place in the rotation and name, and its span.</summary>
public sealed record OnCallShift(long Number, int Position, string Person, DateTimeOffset StartsAt, DateTimeOffset EndsAt);
