using System.Globalization;

namespace Capstan.Observability.Metrics;

/// <summary>
/// Reads the few Linux <c>/proc</c> files the collectors need. CPU times there are in clock ticks (USER_HZ), which
/// the kernel fixes at 100 per second for user space on every architecture Capstan runs on (x86-64, arm64);
/// .NET offers no <c>sysconf(_SC_CLK_TCK)</c>, so the collectors take the rate as a parameter defaulting to 100.
/// </summary>
internal static class ProcFiles
{
    public const int DefaultClockTicksPerSecond = 100;

    /// <summary>Host CPU ticks from /proc/stat's <c>cpu</c> line: busy (user, nice, system, irq, softirq, steal) and idle (idle, iowait), and the number of <c>cpuN</c> lines.</summary>
    public static bool TryParseStat(string text, out long busyTicks, out long idleTicks, out int cpus)
    {
        busyTicks = idleTicks = 0;
        cpus = 0;
        var found = false;
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            if (line.StartsWith("cpu ") && !found)
            {
                // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
                var fields = Numbers(line[4..]);
                if (fields.Count < 4)
                {
                    return false;
                }

                long At(int i) => i < fields.Count ? fields[i] : 0;
                busyTicks = At(0) + At(1) + At(2) + At(5) + At(6) + At(7);
                idleTicks = At(3) + At(4);
                found = true;
            }
            else if (line.StartsWith("cpu") && line.Length > 3 && char.IsAsciiDigit(line[3]))
            {
                cpus++;
            }
        }

        return found;
    }

    /// <summary>utime + stime (fields 14 and 15) of /proc/PID/stat, in ticks. The command name in parentheses may hold spaces and parentheses, so fields are counted from the last ')'.</summary>
    public static bool TryParseProcessCpuTicks(string text, out long ticks)
    {
        ticks = 0;
        var close = text.LastIndexOf(')');
        if (close < 0)
        {
            return false;
        }

        var fields = text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // fields[0] is field 3 (state), so field N is fields[N - 3].
        if (fields.Length < 13
            || !long.TryParse(fields[11], NumberStyles.None, CultureInfo.InvariantCulture, out var user)
            || !long.TryParse(fields[12], NumberStyles.None, CultureInfo.InvariantCulture, out var system))
        {
            return false;
        }

        ticks = user + system;
        return true;
    }

    /// <summary>A <c>Name:   123 kB</c> line of /proc/PID/status or /proc/meminfo in bytes, or null when absent.</summary>
    public static long? FieldBytes(string text, string field)
    {
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            if (!line.StartsWith(field) || line.Length <= field.Length || line[field.Length] != ':')
            {
                continue;
            }

            var rest = line[(field.Length + 1)..].Trim();
            var unit = 1L;
            if (rest.EndsWith("kB"))
            {
                unit = 1024;
                rest = rest[..^2].TrimEnd();
            }

            return long.TryParse(rest, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value * unit : null;
        }

        return null;
    }

    private static List<long> Numbers(ReadOnlySpan<char> text)
    {
        var numbers = new List<long>(10);
        foreach (var range in text.Split(' '))
        {
            var part = text[range];
            if (part.Length > 0 && long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                numbers.Add(number);
            }
        }

        return numbers;
    }
}
