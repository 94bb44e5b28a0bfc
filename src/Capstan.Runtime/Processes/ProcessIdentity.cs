namespace Capstan.Runtime.Processes;

/// <summary>
/// A process named by its id and its start time (field 22 of <c>/proc/PID/stat</c>, in clock ticks since boot). Ids are
/// reused, the pair is not: a record written before Capstan restarted is checked against what runs now, so that Capstan
/// never adopts or signals a stranger that happens to have the same id.
/// </summary>
internal sealed record ProcessIdentity
{
    public required int Pid { get; init; }

    public required long StartTicks { get; init; }

    /// <summary>The identity of <paramref name="pid"/> now; null when no live process has that id.</summary>
    public static ProcessIdentity? Of(int pid) =>
        ProcStat.Read(pid) is { IsAlive: true } stat ? new ProcessIdentity { Pid = pid, StartTicks = stat.StartTicks } : null;

    /// <summary>True when this very process still runs: alive, not a zombie, and started at the recorded time.</summary>
    public bool IsRunning() => ProcStat.Read(Pid) is { IsAlive: true } stat && stat.StartTicks == StartTicks;
}
