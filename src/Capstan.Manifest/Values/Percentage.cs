using System.Globalization;

namespace Capstan.Manifest.Values;

/// <summary>A percentage written with its sign: <c>5%</c>, <c>0.5%</c>, <c>100%</c>.</summary>
public readonly record struct Percentage : IComparable<Percentage>
{
    public const string Expectation = "a percentage like 5% or 0.5%";

    public Percentage(double percent) => Percent = percent;

    /// <summary>The number before the sign: 5 for <c>5%</c>.</summary>
    public double Percent { get; }

    /// <summary>The value as a fraction: 0.05 for <c>5%</c>.</summary>
    public double Fraction => Percent / 100;

    public static Percentage Parse(string text) =>
        TryParse(text, out var value, out var error) ? value : throw new FormatException(error.Message);

    public static bool TryParse(string text, out Percentage value, out ValueError error)
    {
        value = default;
        var s = text.AsSpan();
        if (s.IsEmpty || s.IsWhiteSpace())
        {
            error = new($"expected {Expectation}, found an empty value");
            return false;
        }

        if (!s.EndsWith("%"))
        {
            error = double.TryParse(s, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var bare)
                ? new($"'{text}' has no % sign; write {FormatNumber(bare)}%" + (bare is > 0 and < 1 ? $" (or {FormatNumber(bare * 100)}% if you meant a fraction)" : ""))
                : new($"'{text}' is not {Expectation}");
            return false;
        }

        var number = s[..^1];
        if (number.StartsWith("-"))
        {
            error = new($"'{text}' is negative; percentages are zero or more");
            return false;
        }

        if (number.IsEmpty || !char.IsAsciiDigit(number[0]) || !double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var percent) || !double.IsFinite(percent))
        {
            error = new($"'{text}' is not {Expectation}");
            return false;
        }

        value = new Percentage(percent);
        error = default;
        return true;
    }

    public int CompareTo(Percentage other) => Percent.CompareTo(other.Percent);

    public static bool operator <(Percentage left, Percentage right) => left.CompareTo(right) < 0;

    public static bool operator >(Percentage left, Percentage right) => left.CompareTo(right) > 0;

    public static bool operator <=(Percentage left, Percentage right) => left.CompareTo(right) <= 0;

    public static bool operator >=(Percentage left, Percentage right) => left.CompareTo(right) >= 0;

    public override string ToString() => FormatNumber(Percent) + "%";

    private static string FormatNumber(double n) => n.ToString("0.####", CultureInfo.InvariantCulture);
}
