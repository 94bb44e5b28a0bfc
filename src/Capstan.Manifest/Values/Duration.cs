using System.Globalization;
using System.Text;

namespace Capstan.Manifest.Values;

/// <summary>
/// A length of time written the way operators write it: <c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>1h30m</c>, <c>90d</c>, <c>2w</c>.
/// Units: ms, s, m, h, d (24 h), w (7 d). Decimals are allowed (<c>1.5h</c>); negative values are not.
/// </summary>
public readonly record struct Duration : IComparable<Duration>
{
    /// <summary>The longest duration accepted, about 27 years; anything longer is a typo.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromDays(10_000);

    public const string Expectation = "a duration like 500ms, 30s, 5m, 1h30m or 90d";

    private static readonly (string Unit, TimeSpan Size)[] Units =
    [
        ("ms", TimeSpan.FromMilliseconds(1)),
        ("s", TimeSpan.FromSeconds(1)),
        ("m", TimeSpan.FromMinutes(1)),
        ("h", TimeSpan.FromHours(1)),
        ("d", TimeSpan.FromDays(1)),
        ("w", TimeSpan.FromDays(7)),
    ];

    public Duration(TimeSpan value) => Value = value;

    public TimeSpan Value { get; }

    public static Duration FromSeconds(double seconds) => new(TimeSpan.FromSeconds(seconds));

    public static Duration FromMinutes(double minutes) => new(TimeSpan.FromMinutes(minutes));

    public static Duration Parse(string text) =>
        TryParse(text, out var value, out var error) ? value : throw new FormatException(error.Message);

    public static bool TryParse(string text, out Duration value, out ValueError error)
    {
        value = default;
        var s = text.AsSpan();
        if (s.IsEmpty || s.IsWhiteSpace())
        {
            error = new($"expected {Expectation}, found an empty value");
            return false;
        }

        if (s is "0")
        {
            error = default;
            return true;
        }

        if (s[0] == '-')
        {
            error = new($"'{text}' is negative; durations are zero or more");
            return false;
        }

        var total = TimeSpan.Zero;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }

            if (i == start || !decimal.TryParse(s[start..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                error = new($"'{text}' is not {Expectation}", start);
                return false;
            }

            var unitStart = i;
            while (i < s.Length && char.IsAsciiLetter(s[i]))
            {
                i++;
            }

            var unit = s[unitStart..i];
            if (unit.IsEmpty)
            {
                error = i == s.Length && start == 0
                    ? new($"'{text}' has no unit; write {text}s, {text}m or {text}h")
                    : new($"'{text}' is not {Expectation}", unitStart);
                return false;
            }

            var size = TimeSpan.Zero;
            foreach (var (name, length) in Units)
            {
                if (unit.SequenceEqual(name))
                {
                    size = length;
                }
            }

            if (size == TimeSpan.Zero)
            {
                error = new($"'{unit}' in '{text}' is not a duration unit; use ms, s, m, h, d or w", unitStart);
                return false;
            }

            // Compare before multiplying: a long run of digits would overflow even decimal.
            if (number > (decimal)Max.Ticks / size.Ticks || total.Ticks + (number * size.Ticks) > Max.Ticks)
            {
                error = new($"'{text}' is longer than the longest duration accepted ({Max.TotalDays:0} days)");
                return false;
            }

            total += TimeSpan.FromTicks((long)(number * size.Ticks));
        }

        value = new Duration(total);
        error = default;
        return true;
    }

    public int CompareTo(Duration other) => Value.CompareTo(other.Value);

    public static bool operator <(Duration left, Duration right) => left.CompareTo(right) < 0;

    public static bool operator >(Duration left, Duration right) => left.CompareTo(right) > 0;

    public static bool operator <=(Duration left, Duration right) => left.CompareTo(right) <= 0;

    public static bool operator >=(Duration left, Duration right) => left.CompareTo(right) >= 0;

    /// <summary>The shortest canonical form: <c>1h30m</c>, <c>500ms</c>, <c>90d</c>.</summary>
    public override string ToString()
    {
        if (Value == TimeSpan.Zero)
        {
            return "0s";
        }

        var builder = new StringBuilder();
        var rest = Value;
        foreach (var (unit, size) in Units.Reverse())
        {
            if (unit == "w")
            {
                continue; // 14d reads better than 2w in output
            }

            var count = rest.Ticks / size.Ticks;
            if (count > 0)
            {
                builder.Append(count.ToString(CultureInfo.InvariantCulture)).Append(unit);
                rest -= TimeSpan.FromTicks(count * size.Ticks);
            }
        }

        return builder.Length > 0 ? builder.ToString() : $"{Value.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms";
    }

    public static implicit operator TimeSpan(Duration duration) => duration.Value;
}
