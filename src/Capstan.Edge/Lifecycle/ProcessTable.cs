using System.ComponentModel;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Capstan.Edge.Lifecycle;

/// <summary>
/// What Linux says about a process that is not our child: the HAProxy master daemonizes, so it belongs to init (or to
/// whatever reaps orphans), and <see cref="System.Diagnostics.Process"/> cannot wait for it.
/// </summary>
internal static partial class ProcessTable
{
    public const int SigKill = 9;
    public const int SigUsr1 = 10;
    public const int SigTerm = 15;

    private const int NoSuchProcess = 3; // ESRCH

    /// <summary>
    /// Whether the process runs. A zombie does not: where PID 1 does not reap orphans (as in some containers), a stopped
    /// HAProxy master stays in the table as a zombie forever.
    /// </summary>
    public static bool IsRunning(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/stat"));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return false;
        }

        // "PID (comm) STATE ...": comm may hold spaces and parentheses, the state follows the last ')'.
        var end = stat.LastIndexOf(')');
        return end >= 0 && end + 2 < stat.Length && stat[end + 2] is not ('Z' or 'X');
    }

    /// <summary>The process's arguments, argv[0] first; empty when it is gone or unreadable.</summary>
    public static IReadOnlyList<string> CommandLine(int pid)
    {
        try
        {
            var raw = File.ReadAllText(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/cmdline"));
            return raw.Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>Sends <paramref name="signal"/>; false when the process no longer exists.</summary>
    public static bool Signal(int pid, int signal)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pid);
        if (Kill(pid, signal) == 0)
        {
            return true;
        }

        var error = Marshal.GetLastPInvokeError();
        return error == NoSuchProcess ? false : throw new Win32Exception(error, $"kill({pid}, {signal}) failed");
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
