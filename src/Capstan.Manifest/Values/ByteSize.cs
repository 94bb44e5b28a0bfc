using System.Globalization;

namespace Capstan.Manifest.Values;

/// <summary>
/// An amount of memory or disk, written as Kubernetes does: binary <c>512Mi</c>, <c>2Gi</c> (Ki, Mi, Gi, Ti),
/// decimal <c>100M</c>, <c>1G</c> (k, K, M, G, T), or a plain number of bytes.
/// </summary>
public readonly record struct ByteSize : IComparable<ByteSize>
{
    public const string Expectation = "a size like 512Mi, 2Gi or 100M";

    private static readonly (string Suffix, decimal Factor)[] Suffixes =
    [
        ("Ki", 1024m), ("Mi", 1024m * 1024), ("Gi", 1024m * 1024 * 1024), ("Ti", 1024m * 1024 * 1024 * 1024),
        ("k", 1000m), ("K", 1000m), ("M", 1000_000m), ("G", 1000_000_000m), ("T", 1000_000_000_000m),
    ];

    public ByteSize(long bytes) => Bytes = bytes;

    public long Bytes { get; }

    public static ByteSize Parse(string text) =>
        TryParse(text, out var value, out var error) ? value : throw new FormatException(error.Message);

    public static bool TryParse(string text, out ByteSize value, out ValueError error)
    {
        value = default;
        var s = text.AsSpan();
        if (s.IsEmpty || s.IsWhiteSpace())
        {
            error = new($"expected {Expectation}, found an empty value");
            return false;
        }

        var end = 0;
        while (end < s.Length && (char.IsAsciiDigit(s[end]) || s[end] == '.'))
        {
            end++;
        }

        var suffix = s[end..];
        if (end == 0 || !decimal.TryParse(s[..end], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            error = new(s.StartsWith("-") ? $"'{text}' is negative; sizes are zero or more" : $"'{text}' is not {Expectation}");
            return false;
        }

        var factor = 1m;
        if (!suffix.IsEmpty)
        {
            factor = 0m;
            foreach (var (name, size) in Suffixes)
            {
                if (suffix.SequenceEqual(name))
                {
                    factor = size;
                }
            }

            if (factor == 0m)
            {
                error = new(Hint(text, s[..end].ToString(), suffix.ToString()), end);
                return false;
            }
        }

        if (number > long.MaxValue / 2 / factor)
        {
            error = new($"'{text}' is too large");
            return false;
        }

        var bytes = number * factor;

        if (bytes != decimal.Truncate(bytes))
        {
            error = new($"'{text}' is not a whole number of bytes");
            return false;
        }

        value = new ByteSize((long)bytes);
        error = default;
        return true;
    }

    private static string Hint(string text, string number, string suffix) =>
        suffix.ToUpperInvariant() switch
        {
            "KB" or "MB" or "GB" or "TB" => $"'{text}' is ambiguous; write {number}{char.ToUpperInvariant(suffix[0])}i for binary units ({number}{char.ToUpperInvariant(suffix[0])}iB) or {number}{char.ToUpperInvariant(suffix[0])} for decimal ones",
            "B" => $"'{text}' needs no B; write {number} for bytes",
            _ => $"'{suffix}' in '{text}' is not a size unit; use Ki, Mi, Gi, Ti (binary) or k, M, G, T (decimal)",
        };

    public int CompareTo(ByteSize other) => Bytes.CompareTo(other.Bytes);

    public static bool operator <(ByteSize left, ByteSize right) => left.CompareTo(right) < 0;

    public static bool operator >(ByteSize left, ByteSize right) => left.CompareTo(right) > 0;

    public static bool operator <=(ByteSize left, ByteSize right) => left.CompareTo(right) <= 0;

    public static bool operator >=(ByteSize left, ByteSize right) => left.CompareTo(right) >= 0;

    /// <summary>The largest binary unit that divides the size exactly: <c>512Mi</c>, <c>2Gi</c>, or bytes.</summary>
    public override string ToString()
    {
        foreach (var (suffix, factor) in Suffixes.Take(4).Reverse())
        {
            if (Bytes >= factor && Bytes % factor == 0)
            {
                return (Bytes / factor).ToString(CultureInfo.InvariantCulture) + suffix;
            }
        }

        return Bytes.ToString(CultureInfo.InvariantCulture);
    }
}
