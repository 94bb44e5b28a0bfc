using System.Globalization;
using System.Text;
using Capstan.Runtime.Processes;

namespace Capstan.Runtime.Tests.Support;

/// <summary>What /proc says about processes, for assertions and for the clean-up sweep.</summary>
internal static class Procs
{
    /// <summary>True while the process exists and is not a zombie.</summary>
    public static bool IsAlive(int pid) => ProcStat.Read(pid) is { IsAlive: true };

    public static int SessionOf(int pid) => ProcStat.Read(pid)?.SessionId ?? -1;

    public static int ParentOf(int pid)
    {
        var text = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(text[(text.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
    }

    /// <summary>Live processes whose environment holds NAME=VALUE.</summary>
    public static List<int> WithEnvironment(string name, string value)
    {
        var needle = Encoding.UTF8.GetBytes($"{name}={value}\0");
        var found = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                var environ = File.ReadAllBytes(Path.Combine(directory, "environ"));
                if (environ.AsSpan().IndexOf(needle) >= 0 && IsAlive(pid))
                {
                    found.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // gone meanwhile
            }
        }

        return found;
    }

    /// <summary>Live processes in the session <paramref name="session"/> (a service's session is its pid).</summary>
    public static List<int> InSession(int session) =>
        [.. Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : 0)
            .Where(pid => pid > 0 && ProcStat.Read(pid) is { IsAlive: true } stat && stat.SessionId == session)];

    public static void Kill(int pid, int signal = 9)
    {
        try
        {
            Capstan.Pipelines.Execution.ProcessGroup.Signal(pid, signal);
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
    }
}
