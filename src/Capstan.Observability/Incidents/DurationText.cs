using System.Globalization;
using System.Text;

namespace Capstan.Observability.Incidents;

/// <summary>Durations as people write them in incident notes: <c>47m</c>, <c>4m 30s</c>, <c>1h 5m</c>, <c>2d 3h</c>; seconds at most.</summary>
internal static class DurationText
{
    public static string Format(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero)
        {
            return "-" + Format(duration.Negate());
        }

        var seconds = (long)Math.Floor(duration.TotalSeconds);
        if (seconds == 0)
        {
            return "0s";
        }

        var text = new StringBuilder();
        Append(text, seconds / 86_400, 'd');
        Append(text, seconds / 3_600 % 24, 'h');
        Append(text, seconds / 60 % 60, 'm');
        Append(text, seconds % 60, 's');
        return text.ToString();
    }

    private static void Append(StringBuilder text, long value, char unit)
    {
        if (value == 0)
        {
            return;
        }

        if (text.Length > 0)
        {
            text.Append(' ');
        }

        text.Append(value.ToString(CultureInfo.InvariantCulture)).Append(unit);
    }
}
