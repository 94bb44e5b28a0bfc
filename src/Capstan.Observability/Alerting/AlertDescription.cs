using System.Globalization;
using Capstan.Manifest.Alerts;

namespace Capstan.Observability.Alerting;

/// <summary>
/// The <c>description</c> annotation: the subject, its value and the threshold in the units people read, as in
/// <c>error_rate(api) is 4.2%, above 1%</c> or <c>latency_p95(api) is 1.25s, above 500ms</c>.
/// </summary>
public static class AlertDescription
{
    public static string Describe(AlertCondition condition, LabelSet subjectLabels, double value)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(subjectLabels);
        return $"{Subject(condition, subjectLabels)} is {FormatValue(condition.Threshold.Kind, value)}, {Relation(condition.Operator)} {condition.Threshold.Text}";
    }

    /// <summary><c>error_rate(api)</c> for a function; the series name and the series' own labels for a scraped series.</summary>
    public static string Subject(AlertCondition condition, LabelSet subjectLabels)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(subjectLabels);
        return condition.IsSeries
            ? condition.Function + subjectLabels
            : $"{condition.Function}({string.Join(", ", condition.Arguments.Select(a => a.Value))})";
    }

    /// <summary>A value in the threshold's unit, written for people: <c>4.2%</c>, <c>350ms</c>, <c>3h 5m</c>, <c>1.5Gi</c>.</summary>
    public static string FormatValue(ThresholdKind kind, double value) => kind switch
    {
        _ when !double.IsFinite(value) => value.ToString(CultureInfo.InvariantCulture),
        ThresholdKind.Percentage => FormatNumber(value) + "%",
        ThresholdKind.Duration => FormatDuration(value),
        ThresholdKind.Size => FormatSize(value),
        _ => FormatNumber(value),
    };

    private static string Relation(ComparisonOperator op) => op switch
    {
        ComparisonOperator.GreaterThan => "above",
        ComparisonOperator.GreaterOrEqual => "at or above",
        ComparisonOperator.LessThan => "below",
        ComparisonOperator.LessOrEqual => "at or below",
        ComparisonOperator.Equal => "equal to",
        _ => "not equal to",
    };

    /// <summary>Two decimals at most, three significant digits for small values: <c>4.2</c>, <c>0.0123</c>, <c>1234</c>.</summary>
    internal static string FormatNumber(double value)
    {
        var magnitude = Math.Abs(value);
        if (magnitude >= 100 || value == 0)
        {
            return Math.Round(value).ToString("0", CultureInfo.InvariantCulture);
        }

        var decimals = magnitude >= 1 ? 2 : Math.Min(10, 2 - (int)Math.Floor(Math.Log10(magnitude)));
        return value.ToString("0." + new string('#', decimals), CultureInfo.InvariantCulture);
    }

    private static string FormatDuration(double seconds)
    {
        var sign = seconds < 0 ? "-" : "";
        seconds = Math.Abs(seconds);
        if (seconds < 1)
        {
            return sign + FormatNumber(seconds * 1000) + "ms";
        }

        if (seconds < 60)
        {
            return sign + FormatNumber(seconds) + "s";
        }

        var time = TimeSpan.FromSeconds(Math.Round(seconds));
        var (big, bigUnit, small, smallUnit) = time.TotalHours < 1 ? (time.Minutes, "m", time.Seconds, "s")
            : time.TotalDays < 1 ? (time.Hours, "h", time.Minutes, "m")
            : ((int)time.TotalDays, "d", time.Hours, "h");
        return sign + big.ToString(CultureInfo.InvariantCulture) + bigUnit
            + (small == 0 ? "" : " " + small.ToString(CultureInfo.InvariantCulture) + smallUnit);
    }

    private static string FormatSize(double bytes)
    {
        string[] units = ["Ki", "Mi", "Gi", "Ti", "Pi"];
        var magnitude = Math.Abs(bytes);
        if (magnitude < 1024)
        {
            return FormatNumber(bytes);
        }

        var unit = -1;
        while (magnitude >= 1024 && unit < units.Length - 1)
        {
            magnitude /= 1024;
            bytes /= 1024;
            unit++;
        }

        return FormatNumber(bytes) + units[unit];
    }
}
