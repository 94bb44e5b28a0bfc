using System.Globalization;
using System.Text;

namespace Capstan.Observability.Exposition;

/// <summary>Sample values and timestamps of the text format, read and written as Prometheus does.</summary>
internal static class ExpositionNumbers
{
    private const NumberStyles FloatStyle = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;

    /// <summary>
    /// Reads a value as Go's <c>strconv.ParseFloat</c> does, less the hexadecimal and underscore forms that
    /// Prometheus itself refuses: <c>1</c>, <c>-1.5e-3</c>, <c>.5</c>, <c>NaN</c>, <c>Inf</c>, <c>+Inf</c>, <c>-Infinity</c>
    /// (the words in any case). A finite number too large for a double is refused, as Go reports it out of range.
    /// </summary>
    public static bool TryParseValue(ReadOnlySpan<char> text, out double value)
    {
        value = 0;
        if (text.IsEmpty)
        {
            return false;
        }

        if (TryParseSpecial(text, out value))
        {
            return true;
        }

        if (!IsDecimal(text))
        {
            return false;
        }

        return double.TryParse(text, FloatStyle, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
    }

    /// <summary>Reads a timestamp as Go's <c>strconv.ParseInt(s, 10, 64)</c> does: an optional sign and decimal digits.</summary>
    public static bool TryParseTimestamp(ReadOnlySpan<char> text, out long value)
    {
        value = 0;
        var digits = text.Length > 0 && (text[0] == '+' || text[0] == '-') ? text[1..] : text;
        return !digits.IsEmpty
            && !digits.ContainsAnyExceptInRange('0', '9')
            && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>
    /// Writes a value the way Prometheus's client libraries do: <c>NaN</c>, <c>+Inf</c>, <c>-Inf</c>, whole numbers
    /// without a fraction (<c>12</c>), others in the shortest form that reads back to the same double (<c>0.1</c>,
    /// <c>1e-07</c>).
    /// </summary>
    public static void AppendValue(StringBuilder text, double value)
    {
        if (double.IsNaN(value))
        {
            text.Append("NaN");
            return;
        }

        if (double.IsInfinity(value))
        {
            text.Append(value > 0 ? "+Inf" : "-Inf");
            return;
        }

        Span<char> buffer = stackalloc char[32];
        value.TryFormat(buffer, out var written, "R", CultureInfo.InvariantCulture);
        var start = text.Length;
        text.Append(buffer[..written]);

        // .NET writes 1E+21 where Go writes 1e+21; both read back the same, the lower case matches other exporters.
        for (var i = start; i < text.Length; i++)
        {
            if (text[i] == 'E')
            {
                text[i] = 'e';
            }
        }
    }

    public static string FormatValue(double value)
    {
        var text = new StringBuilder(24);
        AppendValue(text, value);
        return text.ToString();
    }

    private static bool TryParseSpecial(ReadOnlySpan<char> text, out double value)
    {
        value = 0;
        if (text.Equals("NaN", StringComparison.OrdinalIgnoreCase))
        {
            value = double.NaN;
            return true;
        }

        var sign = 1.0;
        var word = text;
        if (word[0] == '+' || word[0] == '-')
        {
            sign = word[0] == '-' ? -1 : 1;
            word = word[1..];
        }

        if (word.Equals("Inf", StringComparison.OrdinalIgnoreCase) || word.Equals("Infinity", StringComparison.OrdinalIgnoreCase))
        {
            value = sign * double.PositiveInfinity;
            return true;
        }

        return false;
    }

    /// <summary>True for the decimal form <c>[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?</c>.</summary>
    public static bool IsDecimal(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return false;
        }

        var i = 0;
        if (text[i] == '+' || text[i] == '-')
        {
            i++;
        }

        var mantissaDigits = 0;
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
            mantissaDigits++;
        }

        if (i < text.Length && text[i] == '.')
        {
            i++;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
                mantissaDigits++;
            }
        }

        if (mantissaDigits == 0)
        {
            return false;
        }

        if (i < text.Length && (text[i] == 'e' || text[i] == 'E'))
        {
            i++;
            if (i < text.Length && (text[i] == '+' || text[i] == '-'))
            {
                i++;
            }

            var exponentDigits = 0;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
                exponentDigits++;
            }

            if (exponentDigits == 0)
            {
                return false;
            }
        }

        return i == text.Length;
    }
}
