using System.Globalization;

namespace Capstan.Runtime.Processes;

/// <summary>
/// What <c>/proc/PID/stat</c> says about a process (proc(5)): its state, group, session and start time. Linux only,
/// like the rest of the runtime.
/// </summary>
internal readonly record struct ProcStat(char State, int GroupId, int SessionId, long StartTicks)
{
    /// <summary>False for a zombie (exited, not yet reaped by its parent) or a dead process.</summary>
    public bool IsAlive => State is not ('Z' or 'X' or 'x');

    /// <summary>The process's stat line, parsed; null when there is no such process.</summary>
    public static ProcStat? Read(int pid)
    {
        if (pid <= 0)
        {
            return null;
        }

        string text;
        try
        {
            text = File.ReadAllText(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/stat"));
        }
        catch (IOException)
        {
            // Gone (no file), or gone while being read (ESRCH).
            return null;
        }

        return Parse(text);
    }

    /// <summary>
    /// Parses a stat line. Field 2, the command name in parentheses, may itself hold spaces and parentheses, so the
    /// fields are counted from the last ')'.
    /// </summary>
    public static ProcStat? Parse(string text)
    {
        var close = text.LastIndexOf(')');
        if (close < 0 || close + 2 >= text.Length)
        {
            return null;
        }

        // fields[0] is field 3 of proc(5) (state), so field N is fields[N - 3].
        var fields = text[(close + 2)..].Split(' ');
        if (fields.Length < 20 || fields[0].Length != 1
            || !int.TryParse(fields[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var group)
            || !int.TryParse(fields[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var session)
            || !long.TryParse(fields[19], NumberStyles.Integer, CultureInfo.InvariantCulture, out var startTicks))
        {
            return null;
        }

        return new ProcStat(fields[0][0], group, session, startTicks);
    }

    /// <summary>
    /// The environment a process was started with (<c>/proc/PID/environ</c>), restricted to <paramref name="names"/>;
    /// empty when it cannot be read (gone, or another user's).
    /// </summary>
    public static Dictionary<string, string> ReadEnvironment(int pid, IReadOnlyCollection<string> names)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        if (names.Count == 0)
        {
            return found;
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/environ"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return found;
        }

        foreach (var entry in System.Text.Encoding.UTF8.GetString(bytes).Split('\0'))
        {
            var equals = entry.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && names.Contains(entry[..equals]))
            {
                found[entry[..equals]] = entry[(equals + 1)..];
            }
        }

        return found;
    }
}
