namespace Capstan.Observability.Metrics;

/// <summary>
/// Measures the host: CPU time busy and idle over all CPUs and the number of CPUs (/proc/stat), memory total and
/// available (/proc/meminfo), and the size and free space of the file system holding each given path (statvfs).
/// </summary>
public sealed class HostCollector
{
    private readonly SeriesStore _store;
    private readonly IReadOnlyList<string> _diskPaths;
    private readonly string _procRoot;
    private readonly double _ticksPerSecond;

    /// <param name="store">Where the samples go.</param>
    /// <param name="diskPaths">Paths whose file systems are measured, such as Capstan's data folder; the <c>path</c> label is the path as given.</param>
    /// <param name="procRoot">The proc file system, <c>/proc</c> but for tests.</param>
    /// <param name="clockTicksPerSecond">USER_HZ, the unit of /proc/stat's CPU times: 100 on Linux.</param>
    public HostCollector(SeriesStore store, IReadOnlyList<string> diskPaths, string procRoot = "/proc", int clockTicksPerSecond = ProcFiles.DefaultClockTicksPerSecond)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(diskPaths);
        ArgumentException.ThrowIfNullOrEmpty(procRoot);
        ArgumentOutOfRangeException.ThrowIfLessThan(clockTicksPerSecond, 1);
        _store = store;
        _diskPaths = diskPaths;
        _procRoot = procRoot;
        _ticksPerSecond = clockTicksPerSecond;
        SeriesNames.DescribeAll(store);
    }

    /// <summary>Writes one sample of each host series at <paramref name="now"/>; what could not be read is returned, not thrown.</summary>
    public IReadOnlyList<CollectorProblem> Collect(DateTimeOffset now)
    {
        var problems = new List<CollectorProblem>();
        var samples = new List<MetricSample>();

        if (TryRead("stat", problems) is { } stat)
        {
            if (ProcFiles.TryParseStat(stat, out var busy, out var idle, out var cpus))
            {
                samples.Add(new(SeriesNames.HostCpuSeconds, LabelSet.Of((SeriesLabels.Mode, "busy")), busy / _ticksPerSecond, now));
                samples.Add(new(SeriesNames.HostCpuSeconds, LabelSet.Of((SeriesLabels.Mode, "idle")), idle / _ticksPerSecond, now));
                samples.Add(new(SeriesNames.HostCpus, LabelSet.Empty, cpus, now));
            }
            else
            {
                problems.Add(new("host", $"{Path.Combine(_procRoot, "stat")} has no 'cpu' line with at least 4 numbers"));
            }
        }

        if (TryRead("meminfo", problems) is { } meminfo)
        {
            var total = ProcFiles.FieldBytes(meminfo, "MemTotal");
            var available = ProcFiles.FieldBytes(meminfo, "MemAvailable");
            if (total is { } t)
            {
                samples.Add(new(SeriesNames.HostMemoryTotal, LabelSet.Empty, t, now));
            }

            if (available is { } a)
            {
                samples.Add(new(SeriesNames.HostMemoryAvailable, LabelSet.Empty, a, now));
            }

            if (total is null || available is null)
            {
                problems.Add(new("host", $"{Path.Combine(_procRoot, "meminfo")} lacks MemTotal or MemAvailable (Linux 3.14 or later has both)"));
            }
        }

        foreach (var path in _diskPaths)
        {
            try
            {
                // On Linux DriveInfo takes any path and asks statvfs about the file system holding it.
                var drive = new DriveInfo(path);
                var labels = LabelSet.Of((SeriesLabels.Path, path));
                samples.Add(new(SeriesNames.HostDiskTotal, labels, drive.TotalSize, now));
                samples.Add(new(SeriesNames.HostDiskFree, labels, drive.AvailableFreeSpace, now));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                problems.Add(new("host", $"cannot measure the disk of '{path}': {e.Message}"));
            }
        }

        _store.Append(samples);
        return problems;
    }

    private string? TryRead(string file, List<CollectorProblem> problems)
    {
        var path = Path.Combine(_procRoot, file);
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add(new("host", $"cannot read {path}: {e.Message}"));
            return null;
        }
    }
}
