using System.Globalization;

namespace Capstan.Manifest.Values;

/// <summary>
/// A standard 5-field cron expression: minute hour day-of-month month day-of-week, with <c>*</c>, lists
/// (<c>1,15</c>), ranges (<c>1-5</c>), steps (<c>*/15</c>, <c>0-30/5</c>, <c>5/15</c>), month and day names
/// (<c>jan</c>, <c>mon-fri</c>), Sunday as 0 or 7, and the macros <c>@hourly</c>, <c>@daily</c>,
/// <c>@weekly</c>, <c>@monthly</c>, <c>@yearly</c>. As in Vixie cron, when both day fields are restricted a
/// time matches if either matches.
/// </summary>
public sealed class CronExpression
{
    public const string Expectation = "a 5-field cron expression like \"0 */6 * * *\" (minute hour day-of-month month day-of-week)";

    private static readonly string[] FieldNames = ["minute", "hour", "day-of-month", "month", "day-of-week"];
    private static readonly (int Min, int Max)[] Bounds = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)];
    private static readonly string[] MonthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    private static readonly string[] DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    private static readonly Dictionary<string, string> Macros = new(StringComparer.OrdinalIgnoreCase)
    {
        ["@yearly"] = "0 0 1 1 *",
        ["@annually"] = "0 0 1 1 *",
        ["@monthly"] = "0 0 1 * *",
        ["@weekly"] = "0 0 * * 0",
        ["@daily"] = "0 0 * * *",
        ["@midnight"] = "0 0 * * *",
        ["@hourly"] = "0 * * * *",
    };

    private readonly ulong _minutes;
    private readonly uint _hours;
    private readonly uint _daysOfMonth;
    private readonly ushort _months;
    private readonly byte _daysOfWeek;
    private readonly bool _dayOfMonthRestricted;
    private readonly bool _dayOfWeekRestricted;

    private CronExpression(string text, ulong[] fields, bool domRestricted, bool dowRestricted)
    {
        Text = text;
        _minutes = fields[0];
        _hours = (uint)fields[1];
        _daysOfMonth = (uint)fields[2];
        _months = (ushort)fields[3];
        // Sunday may be written 0 or 7.
        _daysOfWeek = (byte)((fields[4] | (fields[4] >> 7)) & 0x7F);
        _dayOfMonthRestricted = domRestricted;
        _dayOfWeekRestricted = dowRestricted;
    }

    public string Text { get; }

    public static CronExpression Parse(string text) =>
        TryParse(text, out var value, out var error) ? value : throw new FormatException(error.Message);

    public static bool TryParse(string text, out CronExpression value, out ValueError error)
    {
        value = null!;
        var expression = text.Trim();
        var leading = text.Length - text.TrimStart().Length;
        if (expression.StartsWith('@'))
        {
            if (!Macros.TryGetValue(expression, out var expanded))
            {
                error = new($"'{expression}' is not a cron macro; use {string.Join(", ", Macros.Keys)}", leading);
                return false;
            }

            var macro = Parse(expanded);
            value = new CronExpression(text, macro.Fields(), macro._dayOfMonthRestricted, macro._dayOfWeekRestricted);
            error = default;
            return true;
        }

        var parts = new List<(string Text, int Offset)>();
        for (var i = 0; i < text.Length;)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                i++;
                continue;
            }

            var start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            parts.Add((text[start..i], start));
        }

        if (parts.Count != 5)
        {
            error = new(parts.Count == 0
                ? $"expected {Expectation}, found an empty value"
                : string.Create(CultureInfo.InvariantCulture, $"'{expression}' has {parts.Count} field{(parts.Count == 1 ? "" : "s")}; expected 5 (minute hour day-of-month month day-of-week)"),
                parts.Count > 5 ? parts[5].Offset : leading);
            return false;
        }

        var fields = new ulong[5];
        for (var f = 0; f < 5; f++)
        {
            if (!TryParseField(f, parts[f].Text, parts[f].Offset, out fields[f], out error))
            {
                return false;
            }
        }

        value = new CronExpression(text, fields, !parts[2].Text.StartsWith('*'), !parts[4].Text.StartsWith('*'));
        error = default;
        return true;
    }

    private ulong[] Fields() => [_minutes, _hours, _daysOfMonth, _months, _daysOfWeek];

    private static bool TryParseField(int field, string text, int offset, out ulong bits, out ValueError error)
    {
        bits = 0;
        var (min, max) = Bounds[field];
        var position = 0;
        foreach (var item in text.Split(','))
        {
            var itemOffset = offset + position;
            position += item.Length + 1;
            if (item.Length == 0)
            {
                error = new($"empty entry in the {FieldNames[field]} field '{text}'", itemOffset);
                return false;
            }

            var slash = item.IndexOf('/', StringComparison.Ordinal);
            var range = slash >= 0 ? item[..slash] : item;
            var step = 1;
            if (slash >= 0 && (!int.TryParse(item[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out step) || step < 1 || step > max))
            {
                error = new($"step '{item[(slash + 1)..]}' in the {FieldNames[field]} field is not a number from 1 to {max}", itemOffset + slash + 1);
                return false;
            }

            int from, to;
            if (range == "*")
            {
                (from, to) = (min, field == 4 ? 6 : max);
            }
            else
            {
                var dash = range.IndexOf('-', 1 < range.Length ? 1 : 0);
                var first = dash > 0 ? range[..dash] : range;
                if (!TryParseValue(field, first, out from))
                {
                    error = new(ValueMessage(field, first), itemOffset);
                    return false;
                }

                if (dash > 0)
                {
                    var last = range[(dash + 1)..];
                    if (!TryParseValue(field, last, out to))
                    {
                        error = new(ValueMessage(field, last), itemOffset + dash + 1);
                        return false;
                    }

                    if (to < from)
                    {
                        error = new($"range '{range}' in the {FieldNames[field]} field runs backwards; write the smaller value first", itemOffset);
                        return false;
                    }
                }
                else
                {
                    to = slash >= 0 ? (field == 4 ? 6 : max) : from;
                }
            }

            for (var v = from; v <= to; v += step)
            {
                bits |= 1UL << v;
            }
        }

        error = default;
        return true;
    }

    private static bool TryParseValue(int field, string text, out int value)
    {
        var (min, max) = Bounds[field];
        var names = field switch { 3 => MonthNames, 4 => DayNames, _ => null };
        if (names is not null)
        {
            var index = Array.FindIndex(names, n => n.Equals(text, StringComparison.OrdinalIgnoreCase));
            if (index >= 0)
            {
                value = field == 3 ? index + 1 : index;
                return true;
            }
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;
    }

    private static string ValueMessage(int field, string text)
    {
        var (min, max) = Bounds[field];
        var names = field switch { 3 => " or jan-dec", 4 => " or sun-sat", _ => "" };
        return string.Create(CultureInfo.InvariantCulture, $"'{text}' is not a valid {FieldNames[field]}; expected {min}-{max}{names}");
    }

    /// <summary>True when the expression fires at the given minute (seconds are ignored).</summary>
    public bool Matches(DateTime time) =>
        (_minutes & (1UL << time.Minute)) != 0
        && (_hours & (1U << time.Hour)) != 0
        && (_months & (1 << time.Month)) != 0
        && DayMatches(time);

    private bool DayMatches(DateTime time)
    {
        var dom = (_daysOfMonth & (1U << time.Day)) != 0;
        var dow = (_daysOfWeek & (1 << (int)time.DayOfWeek)) != 0;
        return _dayOfMonthRestricted && _dayOfWeekRestricted ? dom || dow : dom && dow;
    }

    /// <summary>
    /// The first time strictly after <paramref name="after"/> at which the expression fires, in the given time zone
    /// (UTC when null), or null when it never fires within five years (for example <c>0 0 30 2 *</c>).
    /// </summary>
    public DateTimeOffset? GetNextOccurrence(DateTimeOffset after, TimeZoneInfo? zone = null)
    {
        zone ??= TimeZoneInfo.Utc;
        var local = TimeZoneInfo.ConvertTime(after, zone).DateTime;
        var t = Truncate(local).AddMinutes(1);
        var limit = t.AddYears(5);
        while (NextMatch(t, limit) is { } match)
        {
            if (zone == TimeZoneInfo.Utc)
            {
                return new DateTimeOffset(match, TimeSpan.Zero);
            }

            if (zone.IsInvalidTime(match))
            {
                t = match.AddMinutes(1); // skipped by a daylight-saving jump
                continue;
            }

            var offset = zone.IsAmbiguousTime(match) ? zone.GetAmbiguousTimeOffsets(match).Max() : zone.GetUtcOffset(match);
            var occurrence = new DateTimeOffset(match, offset);
            if (occurrence > after)
            {
                return occurrence;
            }

            t = match.AddMinutes(1);
        }

        return null;
    }

    /// <summary>
    /// The longest wait between two firings over a year from <paramref name="from"/> (UTC), used to check a
    /// schedule against a recovery point objective; null when the expression never fires. A schedule that fires
    /// less than once a year (<c>0 0 29 2 *</c>) is measured between its first two firings.
    /// </summary>
    /// <remarks>
    /// A cron expression fires at the same minutes on every day it matches, so the longest gap is either the longest
    /// one within a day or the one from the last firing of a matching day to the first of the next: a walk over days,
    /// not over every firing (an hourly schedule fires 8,784 times a year).
    /// </remarks>
    public TimeSpan? LongestGap(DateTimeOffset from)
    {
        var firings = new List<int>();
        for (var hour = 0; hour < 24; hour++)
        {
            for (var minute = 0; minute < 60 && (_hours & (1U << hour)) != 0; minute++)
            {
                if ((_minutes & (1UL << minute)) != 0)
                {
                    firings.Add((hour * 60) + minute);
                }
            }
        }

        var longest = 0;
        for (var i = 1; i < firings.Count; i++)
        {
            longest = Math.Max(longest, firings[i] - firings[i - 1]);
        }

        var day = from.UtcDateTime.Date;
        DateTime? previous = null;
        var matched = 0;
        // A year of days, then on to the first matching day after it (the gap that wraps into next year counts, as
        // does the second firing of a schedule rarer than yearly), at most nine years out.
        for (var i = 0; i < 366 * 9; i++, day = day.AddDays(1))
        {
            if ((_months & (1 << day.Month)) == 0 || !DayMatches(day))
            {
                continue;
            }

            if (previous is { } last)
            {
                longest = Math.Max(longest, (int)(day - last).TotalMinutes - firings[^1] + firings[0]);
            }

            previous = day;
            matched++;
            if (i > 366 && matched >= 2)
            {
                break;
            }
        }

        return matched == 0 || firings.Count == 0 ? null : TimeSpan.FromMinutes(longest);
    }

    /// <summary>The first minute at or after <paramref name="t"/> (a wall-clock time) that matches, before <paramref name="limit"/>.</summary>
    private DateTime? NextMatch(DateTime t, DateTime limit)
    {
        while (t < limit)
        {
            if ((_months & (1 << t.Month)) == 0)
            {
                t = new DateTime(t.Year, t.Month, 1, 0, 0, 0, DateTimeKind.Unspecified).AddMonths(1);
                continue;
            }

            if (!DayMatches(t))
            {
                t = t.Date.AddDays(1);
                continue;
            }

            if ((_hours & (1U << t.Hour)) == 0)
            {
                var hour = NextBit(_hours, t.Hour + 1);
                t = hour < 24 ? t.Date.AddHours(hour) : t.Date.AddDays(1);
                continue;
            }

            if ((_minutes & (1UL << t.Minute)) == 0)
            {
                var minute = NextBit(_minutes, t.Minute + 1);
                t = minute < 60 ? t.AddMinutes(minute - t.Minute) : t.Date.AddHours(t.Hour + 1);
                continue;
            }

            return t;
        }

        return null;
    }

    private static DateTime Truncate(DateTime t) => new(t.Year, t.Month, t.Day, t.Hour, t.Minute, 0, DateTimeKind.Unspecified);

    /// <summary>The lowest set bit at or above <paramref name="from"/>, or 64 when there is none.</summary>
    private static int NextBit(ulong mask, int from) =>
        from > 63 ? 64 : System.Numerics.BitOperations.TrailingZeroCount(mask & (ulong.MaxValue << from));

    public override string ToString() => Text;
}
