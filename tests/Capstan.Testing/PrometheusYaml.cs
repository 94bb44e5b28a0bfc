using System.Globalization;
using System.Text.Json;

namespace Capstan.Testing;

/// <summary>Values as the YAML configuration of Prometheus and Alertmanager wants them.</summary>
internal static class PrometheusYaml
{
    /// <summary>A duration in Prometheus's form, in the largest unit that holds it whole: <c>1m</c>, <c>90s</c>, <c>250ms</c>, <c>0s</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative, or finer than a millisecond, which the format cannot say.</exception>
    public static string Duration(TimeSpan duration)
    {
        if (duration < TimeSpan.Zero || duration.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(duration), duration, "Prometheus durations are whole milliseconds, zero or more.");
        }

        var ms = duration.Ticks / TimeSpan.TicksPerMillisecond;
        var (amount, unit) = ms switch
        {
            0 => (0L, "s"),
            _ when ms % 3_600_000 == 0 => (ms / 3_600_000, "h"),
            _ when ms % 60_000 == 0 => (ms / 60_000, "m"),
            _ when ms % 1000 == 0 => (ms / 1000, "s"),
            _ => (ms, "ms"),
        };
        return string.Create(CultureInfo.InvariantCulture, $"{amount}{unit}");
    }

    /// <summary>
    /// A YAML double-quoted scalar: a JSON string is one, so any text (quotes, backslashes, newlines, <c>#</c>) stays
    /// the same text when read back.
    /// </summary>
    public static string Quote(string text) => JsonSerializer.Serialize(text);
}
