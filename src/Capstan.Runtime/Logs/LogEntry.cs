using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Capstan.Runtime.Logs;

/// <summary>One line of an instance's log: <c>2026-11-22T10:00:00.123Z stdout text</c> in the file.</summary>
public sealed record LogEntry
{
    /// <summary>The stream of lines the shim writes about the process itself (started, exited).</summary>
    public const string CapstanStream = "capstan";

    /// <summary>When the shim read the line, to the millisecond, UTC.</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary><c>stdout</c>, <c>stderr</c>, or <see cref="CapstanStream"/>.</summary>
    public required string Stream { get; init; }

    /// <summary>The line without its line break, secrets already masked.</summary>
    public required string Text { get; init; }

    /// <summary>The instance it came from, when lines of several instances are merged; null otherwise.</summary>
    public string? InstanceId { get; init; }

    /// <summary>The line as in the file, prefixed with the instance id when there is one.</summary>
    public override string ToString()
    {
        var line = $"{LogFormat.Timestamp(Time)} {Stream} {Text}";
        return InstanceId is null ? line : $"{InstanceId} {line}";
    }
}

/// <summary>The line format of instance logs.</summary>
internal static class LogFormat
{
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    /// <summary>Parses a line of a log file; false for a line that is not in the format (it is skipped).</summary>
    public static bool TryParse(string line, string? instanceId, [NotNullWhen(true)] out LogEntry? entry)
    {
        entry = null;
        var firstSpace = line.IndexOf(' ', StringComparison.Ordinal);
        if (firstSpace < 0)
        {
            return false;
        }

        var secondSpace = line.IndexOf(' ', firstSpace + 1);
        if (secondSpace < 0
            || !DateTimeOffset.TryParseExact(
                line.AsSpan(0, firstSpace), TimeFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return false;
        }

        entry = new LogEntry
        {
            Time = time,
            Stream = line[(firstSpace + 1)..secondSpace],
            Text = line[(secondSpace + 1)..],
            InstanceId = instanceId,
        };
        return true;
    }
}
