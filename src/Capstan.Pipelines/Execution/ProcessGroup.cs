using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Capstan.Pipelines.Execution;

/// <summary>
/// Signals to a whole process group. A job's script is started by <c>setsid</c>, so its process id is also the id of a
/// new session and process group that every child it starts joins (unless a child calls <c>setsid</c> itself). Killing
/// the group kills the script and everything it left behind, including background children that outlived it.
/// </summary>
public static partial class ProcessGroup
{
    public const int SigKill = 9;
    public const int SigTerm = 15;

    private const int NoSuchProcess = 3; // ESRCH

    /// <summary>Sends <paramref name="signal"/> to every process in the group; false when the group has no process left.</summary>
    public static bool Signal(int groupId, int signal)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(groupId);
        if (Kill(-groupId, signal) == 0)
        {
            return true;
        }

        var error = Marshal.GetLastPInvokeError();
        return error == NoSuchProcess ? false : throw new Win32Exception(error, $"kill(-{groupId}, {signal}) failed");
    }

    /// <summary>Whether any process of the group is still alive (signal 0 checks without sending anything).</summary>
    public static bool IsAlive(int groupId) => Signal(groupId, 0);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
