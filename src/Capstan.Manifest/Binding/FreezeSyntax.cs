using System.Globalization;
using System.Security;
using Capstan.Manifest.Diagnostics;
using Capstan.Manifest.Model;

namespace Capstan.Manifest.Binding;

/// <summary>A start or end of a freeze window as written: a weekday and a time, or a date and a time.</summary>
internal readonly record struct FreezePoint(DayOfWeek? Day, DateOnly Date, TimeOnly Time)
{
    public bool IsWeekly => Day is not null;

    public DateTime DateTime => Date.ToDateTime(Time, DateTimeKind.Unspecified);

    public override string ToString() => Day is { } day
        ? new WeeklyTime(day, Time).ToString()
        : string.Create(CultureInfo.InvariantCulture, $"{Date:yyyy-MM-dd} {Time:HH:mm}");
}

/// <summary>Why freeze text failed to parse: its code, and at which character of the text.</summary>
internal readonly record struct FreezeError(string Code, string Message, int Offset);

/// <summary>
/// The text of freeze windows: points in time (<c>Fri 16:00</c>, <c>2026-12-24 00:00</c>), time zones (IANA ids),
/// and the short form of a whole window (<c>Fri 16:00 - Mon 08:00 Europe/Berlin</c>).
/// </summary>
internal static class FreezeSyntax
{
    public const string WindowExpectation = "a freeze window like \"Fri 16:00 - Mon 08:00 Europe/Berlin\" or \"2026-12-24 00:00 - 2026-12-27 00:00 UTC\"";
    public const string PointExpectation = "a weekday and time like \"Fri 16:00\", or a date and time like \"2026-12-24 00:00\"";
    public const string ZoneExpectation = "an IANA time zone like Europe/Berlin or UTC";

    /// <summary>Dated windows stay within these years, far enough from DateTime's limits for any zone's offset.</summary>
    public const int MinYear = 1970;

    public const int MaxYear = 9998;

    private const string Invalid = ErrorCodes.InvalidFreezeWindow;

    // By DayOfWeek: Sunday is 0.
    private static readonly string[] ShortDays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    private static readonly string[] LongDays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
    private static readonly string[] DaysInOrder = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

    private static readonly Lazy<string[]> KnownZones = new(() =>
        [.. TimeZoneInfo.GetSystemTimeZones().Select(z => z.Id).Append("UTC").Distinct(StringComparer.Ordinal)]);

    private readonly record struct Word(string Text, int Offset)
    {
        public int End => Offset + Text.Length;
    }

    /// <summary>The short form: <c>START - END [TIME ZONE]</c>, the zone UTC when left out.</summary>
    public static bool TryParseWindow(string text, out FreezeWindow window, out FreezeError error)
    {
        window = null!;
        var separator = FindSeparator(text);
        var all = Words(text, 0, text.Length);
        if (separator < 0)
        {
            error = new(Invalid, $"'{text.Trim()}' has no end; write START - END and a time zone, like \"Fri 16:00 - Mon 08:00 Europe/Berlin\"", all.Count > 0 ? all[^1].End : 0);
            return false;
        }

        var left = Words(text, 0, separator);
        var right = Words(text, separator + 1, text.Length);
        if (left.Count == 0)
        {
            error = new(Invalid, $"nothing before '{text[separator]}'; write the start first, like \"Fri 16:00 - Mon 08:00\"", separator);
            return false;
        }

        if (left.Count > 2)
        {
            error = new(Invalid, LooksLikeZone(left[2].Text)
                ? $"the time zone '{left[2].Text}' comes last, after the end: \"Fri 16:00 - Mon 08:00 {left[2].Text}\""
                : $"unexpected '{left[2].Text}' before '{text[separator]}'; the start is a day or date and a time", left[2].Offset);
            return false;
        }

        if (right.Count == 0)
        {
            error = new(Invalid, $"nothing after '{text[separator]}'; write the end after it, like \"Fri 16:00 - Mon 08:00\"", separator);
            return false;
        }

        if (right.Count > 3)
        {
            error = new(Invalid, $"unexpected '{right[3].Text}' after the time zone '{right[2].Text}'", right[3].Offset);
            return false;
        }

        if (!TryParsePoint(left, out var from, out error) || !TryParsePoint(right.Take(2).ToList(), out var to, out error))
        {
            return false;
        }

        var zone = TimeZoneInfo.Utc;
        if (right.Count == 3)
        {
            if (!TryFindZone(right[2].Text, out zone, out var message))
            {
                error = new(ErrorCodes.UnknownTimeZone, message, right[2].Offset);
                return false;
            }
        }

        if (!TryCombine(from, to, zone, reason: null, out window, out var problem))
        {
            error = new(Invalid, problem, right[0].Offset);
            return false;
        }

        error = default;
        return true;
    }

    /// <summary>One point in time, the value of <c>from</c> or <c>to</c>.</summary>
    public static bool TryParsePoint(string text, out FreezePoint point, out FreezeError error)
    {
        var words = Words(text, 0, text.Length);
        if (words.Count > 2)
        {
            var extra = words[2];
            error = new(Invalid, extra.Text.StartsWith('-') || extra.Text.StartsWith('–')
                ? "write one point in time here; a whole window goes in one list item (\"Fri 16:00 - Mon 08:00 Europe/Berlin\") or in from and to"
                : LooksLikeZone(extra.Text)
                    ? $"the time zone '{extra.Text}' goes in 'timezone', not here"
                    : $"unexpected '{extra.Text}' after the time", extra.Offset);
            point = default;
            return false;
        }

        return TryParsePoint(words, out point, out error);
    }

    /// <summary>
    /// The time zone with IANA id <paramref name="id"/>. A Windows id, which Capstan does not take (the same file must
    /// load on every machine), and an unknown id get a message naming the id to write when there is one.
    /// </summary>
    public static bool TryFindZone(string id, out TimeZoneInfo zone, out string message)
    {
        zone = TimeZoneInfo.Utc;
        message = "";
        // Exact ids only: .NET finds "europe/berlin" once "Europe/Berlin" is in its cache, and not before.
        var found = Find(id);
        if (found is { HasIanaId: true } && string.Equals(found.Id, id, StringComparison.Ordinal))
        {
            zone = found;
            return true;
        }

        // "utc" is also a Windows id, in another case: the IANA id of the same letters comes first.
        var sameLetters = KnownZones.Value.FirstOrDefault(z => string.Equals(z, id, StringComparison.OrdinalIgnoreCase));
        if (sameLetters is null && TimeZoneInfo.TryConvertWindowsIdToIanaId(id, out var iana))
        {
            message = $"'{id}' is a Windows time zone id; write the IANA id '{iana}'";
            return false;
        }

        var suggestion = sameLetters
            ?? KnownZones.Value.FirstOrDefault(z => z.EndsWith("/" + id.Replace(' ', '_'), StringComparison.OrdinalIgnoreCase))
            ?? Suggestions.Closest(id, KnownZones.Value);
        message = suggestion is null
            ? $"'{id}' is not a time zone; write {ZoneExpectation} (the names in /usr/share/zoneinfo)"
            : $"'{id}' is not a time zone; did you mean '{suggestion}'?";
        return false;

        static TimeZoneInfo? Find(string id)
        {
            // Ids name files under /usr/share/zoneinfo: nothing that could reach outside it.
            if (id.Length is 0 or > 64 || id.StartsWith('/') || id.Contains("..", StringComparison.Ordinal) || id.Any(char.IsControl))
            {
                return null;
            }

            try
            {
                return TimeZoneInfo.FindSystemTimeZoneById(id);
            }
            catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or SecurityException)
            {
                // SecurityException is what .NET throws for a folder of zoneinfo ("Europe").
                return null;
            }
        }
    }

    /// <summary>A window from two points, or why they do not make one (reported at the end point).</summary>
    public static bool TryCombine(FreezePoint from, FreezePoint to, TimeZoneInfo zone, string? reason, out FreezeWindow window, out string message)
    {
        window = null!;
        message = "";
        if (from.IsWeekly != to.IsWeekly)
        {
            var (weekday, date) = from.IsWeekly ? (from, to) : (to, from);
            message = $"the window mixes a weekday ('{weekday}') and a date ('{date}'); write both as weekdays (a window every week) or both as dates (a window once)";
            return false;
        }

        if (from == to)
        {
            message = $"the window starts and ends at '{from}'; write an end after the start";
            return false;
        }

        if (from is { Day: { } fromDay } && to is { Day: { } toDay })
        {
            window = new WeeklyFreezeWindow { From = new WeeklyTime(fromDay, from.Time), To = new WeeklyTime(toDay, to.Time), TimeZone = zone, Reason = reason };
            return true;
        }

        if (to.DateTime < from.DateTime)
        {
            message = $"the window ends at '{to}', before it starts at '{from}'";
            return false;
        }

        window = new DatedFreezeWindow { From = from.DateTime, To = to.DateTime, TimeZone = zone, Reason = reason };
        return true;
    }

    private static bool TryParsePoint(List<Word> words, out FreezePoint point, out FreezeError error)
    {
        point = default;
        if (words.Count == 0)
        {
            error = new(Invalid, $"expected {PointExpectation}, found nothing", 0);
            return false;
        }

        var first = words[0];
        if (!TryParseDayOrDate(first, out var day, out var date, out error))
        {
            return false;
        }

        if (words.Count == 1)
        {
            error = new(Invalid, $"'{first.Text}' has no time of day; write it like '{first.Text} {(day is null ? "00:00" : "16:00")}'", first.End);
            return false;
        }

        if (!TryParseTime(words[1], out var time, out error))
        {
            return false;
        }

        point = new FreezePoint(day, date, time);
        return true;
    }

    private static bool TryParseDayOrDate(Word word, out DayOfWeek? day, out DateOnly date, out FreezeError error)
    {
        day = null;
        date = default;
        var text = word.Text;
        if (char.IsAsciiDigit(text[0]))
        {
            if (text.Contains(':', StringComparison.Ordinal))
            {
                error = new(Invalid, $"'{text}' has no day; write a weekday or a date before it, like 'Fri {text}' or '2026-12-24 {text}'", word.Offset);
                return false;
            }

            return TryParseDate(word, out date, out error);
        }

        if (TryDay(text, out var parsed))
        {
            day = parsed;
            error = default;
            return true;
        }

        var suggestion = ShortDays.FirstOrDefault(d => text.Length >= 3 && text.StartsWith(d, StringComparison.OrdinalIgnoreCase))
            ?? Suggestions.Closest(text, [.. ShortDays, .. LongDays]);
        error = new(Invalid, $"'{text}' is not a day of the week; write {string.Join(", ", DaysInOrder[..^1])} or {DaysInOrder[^1]} (or the full name)"
            + (suggestion is null ? "" : $"; did you mean '{suggestion}'?"), word.Offset);
        return false;
    }

    private static bool TryParseDate(Word word, out DateOnly date, out FreezeError error)
    {
        date = default;
        var text = word.Text;
        if (!IsDateLike(text))
        {
            error = new(Invalid, $"'{text}' is not a date; write YYYY-MM-DD, like 2026-12-24", word.Offset);
            return false;
        }

        var year = int.Parse(text.AsSpan(0, 4), CultureInfo.InvariantCulture);
        var month = int.Parse(text.AsSpan(5, 2), CultureInfo.InvariantCulture);
        var dayOfMonth = int.Parse(text.AsSpan(8, 2), CultureInfo.InvariantCulture);
        string? problem = null;
        if (year is < MinYear or > MaxYear)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"years go from {MinYear} to {MaxYear}");
        }
        else if (month is < 1 or > 12)
        {
            problem = "months go from 01 to 12";
        }
        else if (dayOfMonth < 1 || dayOfMonth > DateTime.DaysInMonth(year, month))
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"{text[..7]} has {DateTime.DaysInMonth(year, month)} days");
        }

        if (problem is not null)
        {
            error = new(Invalid, $"'{text}' is not a date: {problem}", word.Offset);
            return false;
        }

        date = new DateOnly(year, month, dayOfMonth);
        error = default;
        return true;
    }

    private static bool TryParseTime(Word word, out TimeOnly time, out FreezeError error)
    {
        time = default;
        var text = word.Text;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon is < 1 or > 2 || text.Length != colon + 3 || !text.AsSpan(0, colon).AllDigits() || !text.AsSpan(colon + 1).AllDigits())
        {
            error = new(Invalid, $"'{text}' is not a time of day; write 24-hour HH:MM, like 16:00", word.Offset);
            return false;
        }

        var hours = int.Parse(text.AsSpan(0, colon), CultureInfo.InvariantCulture);
        var minutes = int.Parse(text.AsSpan(colon + 1), CultureInfo.InvariantCulture);
        var problem = (hours, minutes) switch
        {
            (24, 0) => "write 00:00 of the next day",
            ( > 23, _) => "hours go from 00 to 23",
            (_, > 59) => "minutes go from 00 to 59",
            _ => null,
        };
        if (problem is not null)
        {
            error = new(Invalid, $"'{text}' is not a time of day: {problem}", word.Offset);
            return false;
        }

        time = new TimeOnly(hours, minutes);
        error = default;
        return true;
    }

    private static bool TryDay(string text, out DayOfWeek day)
    {
        for (var i = 0; i < 7; i++)
        {
            if (text.Equals(ShortDays[i], StringComparison.OrdinalIgnoreCase) || text.Equals(LongDays[i], StringComparison.OrdinalIgnoreCase))
            {
                day = (DayOfWeek)i;
                return true;
            }
        }

        day = default;
        return false;
    }

    private static bool IsDateLike(string text) =>
        text.Length == 10 && text[4] == '-' && text[7] == '-'
        && text.AsSpan(0, 4).AllDigits() && text.AsSpan(5, 2).AllDigits() && text.AsSpan(8, 2).AllDigits();

    private static bool LooksLikeZone(string text) =>
        text.Contains('/', StringComparison.Ordinal) || text.Equals("UTC", StringComparison.OrdinalIgnoreCase) || text.Equals("GMT", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Where the start ends and the end begins: a '-' (or '–') at the start of a word (<c>Fri 16:00 - Mon 08:00</c>),
    /// or right after the start's time (<c>Fri 16:00-Mon 08:00</c>); not the '-' inside a date.
    /// </summary>
    private static int FindSeparator(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '–' || (text[i] == '-' && (i == 0 || char.IsWhiteSpace(text[i - 1]) || WordBefore(text, i).Contains(':'))))
            {
                return i;
            }
        }

        return -1;

        static ReadOnlySpan<char> WordBefore(string text, int i)
        {
            var start = i;
            while (start > 0 && !char.IsWhiteSpace(text[start - 1]))
            {
                start--;
            }

            return text.AsSpan(start, i - start);
        }
    }

    private static List<Word> Words(string text, int start, int end)
    {
        var words = new List<Word>();
        for (var i = start; i < end;)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                i++;
                continue;
            }

            var wordStart = i;
            while (i < end && !char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            words.Add(new Word(text[wordStart..i], wordStart));
        }

        return words;
    }

    private static bool AllDigits(this ReadOnlySpan<char> span) => span.Length > 0 && !span.ContainsAnyExceptInRange('0', '9');
}
