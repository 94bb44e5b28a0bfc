using System.Globalization;

namespace Capstan.Observability.Metrics;

/// <summary>An instance to measure: who it is, its process (none when not running), readiness, restarts and declared limits.</summary>
public sealed record InstanceTarget
{
    public required string Env { get; init; }

    public required string Service { get; init; }

    public required string Version { get; init; }

    /// <summary>The instance id, the <c>instance</c> label.</summary>
    public required string Instance { get; init; }

    /// <summary>The instance's main process; null when it has none now.</summary>
    public required int? Pid { get; init; }

    /// <summary>Whether the instance passes its readiness check.</summary>
    public required bool Ready { get; init; }

    /// <summary>Restarts since the instance was created.</summary>
    public required long Restarts { get; init; }

    /// <summary>The service's CPU limit in cores, when it declares one.</summary>
    public double? CpuLimitCores { get; init; }

    /// <summary>The service's memory limit, when it declares one.</summary>
    public long? MemoryLimitBytes { get; init; }
}

/// <summary>
/// Measures instances: <c>capstan_instance_up</c> (ready and its process alive), restarts, the declared limits, and
/// from /proc/PID the process's CPU time (utime + stime of <c>stat</c>, in USER_HZ ticks, 100 a second) and resident
/// memory (VmRSS of <c>status</c>). Only the main process is measured; children it has not waited for are not in
/// its times.
/// </summary>
public sealed class InstanceCollector
{
    private readonly SeriesStore _store;
    private readonly string _procRoot;
    private readonly double _ticksPerSecond;

    /// <param name="store">Where the samples go.</param>
    /// <param name="procRoot">The proc file system, <c>/proc</c> but for tests.</param>
    /// <param name="clockTicksPerSecond">USER_HZ, the unit of /proc/PID/stat's CPU times: 100 on Linux.</param>
    public InstanceCollector(SeriesStore store, string procRoot = "/proc", int clockTicksPerSecond = ProcFiles.DefaultClockTicksPerSecond)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrEmpty(procRoot);
        ArgumentOutOfRangeException.ThrowIfLessThan(clockTicksPerSecond, 1);
        _store = store;
        _procRoot = procRoot;
        _ticksPerSecond = clockTicksPerSecond;
        SeriesNames.DescribeAll(store);
    }

    /// <summary>
    /// Writes the samples of every target at <paramref name="now"/>. An instance whose process cannot be read is
    /// written as down, without CPU or memory, and returned as a problem.
    /// </summary>
    public IReadOnlyList<CollectorProblem> Collect(IReadOnlyList<InstanceTarget> targets, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var problems = new List<CollectorProblem>();
        var samples = new List<MetricSample>();
        foreach (var target in targets)
        {
            var labels = LabelSet.Of(
                (SeriesLabels.Env, target.Env),
                (SeriesLabels.Service, target.Service),
                (SeriesLabels.Version, target.Version),
                (SeriesLabels.Instance, target.Instance));
            var alive = false;
            if (target.Pid is { } pid)
            {
                alive = MeasureProcess(target, pid, labels, now, samples, problems);
            }

            samples.Add(new(SeriesNames.InstanceUp, labels, target.Ready && alive ? 1 : 0, now));
            samples.Add(new(SeriesNames.InstanceRestarts, labels, target.Restarts, now));
            if (target.CpuLimitCores is { } cores)
            {
                samples.Add(new(SeriesNames.InstanceCpuLimit, labels, cores, now));
            }

            if (target.MemoryLimitBytes is { } memory)
            {
                samples.Add(new(SeriesNames.InstanceMemoryLimit, labels, memory, now));
            }
        }

        _store.Append(samples);
        return problems;
    }

    private bool MeasureProcess(InstanceTarget target, int pid, LabelSet labels, DateTimeOffset now, List<MetricSample> samples, List<CollectorProblem> problems)
    {
        var folder = Path.Combine(_procRoot, pid.ToString(CultureInfo.InvariantCulture));
        var subject = $"instance {target.Env}/{target.Service}/{target.Instance}";
        string stat, status;
        try
        {
            stat = File.ReadAllText(Path.Combine(folder, "stat"));
            status = File.ReadAllText(Path.Combine(folder, "status"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add(new(subject, $"process {pid} cannot be read ({e.Message}); counted as down"));
            return false;
        }

        if (!ProcFiles.TryParseProcessCpuTicks(stat, out var ticks))
        {
            problems.Add(new(subject, $"{Path.Combine(folder, "stat")} does not have the utime and stime fields"));
        }
        else
        {
            samples.Add(new(SeriesNames.InstanceCpuSeconds, labels, ticks / _ticksPerSecond, now));
        }

        // A zombie has no VmRSS: it holds no memory, and it is not alive either.
        if (ProcFiles.FieldBytes(status, "VmRSS") is not { } rss)
        {
            problems.Add(new(subject, $"process {pid} has no resident memory (exited, not yet reaped); counted as down"));
            return false;
        }

        samples.Add(new(SeriesNames.InstanceMemory, labels, rss, now));
        return true;
    }
}
