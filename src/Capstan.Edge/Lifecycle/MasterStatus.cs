using System.Globalization;

namespace Capstan.Edge.Lifecycle;

/// <summary>The master's <c>show proc</c>: its reload counters and its workers.</summary>
public sealed record MasterStatus
{
    public required int MasterPid { get; init; }

    /// <summary>Reloads since the master started.</summary>
    public required int Reloads { get; init; }

    /// <summary>Reloads that failed (the new configuration did not load; the previous workers kept serving).</summary>
    public required int FailedReloads { get; init; }

    /// <summary>Every worker, current and still finishing after a reload.</summary>
    public required IReadOnlyList<WorkerProcess> Workers { get; init; }

    /// <summary>The workers of the latest configuration (those that have seen no reload).</summary>
    public IEnumerable<WorkerProcess> CurrentWorkers => Workers.Where(w => w.Reloads == 0);

    /// <summary>
    /// Parses <c>show proc</c> (HAProxy 2.6):
    /// <code>
    /// #&lt;PID&gt;          &lt;type&gt;          &lt;reloads&gt;       &lt;uptime&gt;        &lt;version&gt;
    /// 18167           master          1 [failed: 0]   0d00h00m19s     2.6.12-1+deb12u4
    /// # workers
    /// 18447           worker          0               0d00h00m01s     2.6.12-1+deb12u4
    /// # programs
    /// </code>
    /// </summary>
    /// <returns>Null when the answer is not that.</returns>
    internal static MasterStatus? TryParse(string answer)
    {
        int? masterPid = null;
        int reloads = 0, failed = 0;
        var workers = new List<WorkerProcess>();
        foreach (var line in answer.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith('#'))
            {
                continue;
            }

            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 3
                || !int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                || !int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                continue;
            }

            if (fields[1] == "master")
            {
                masterPid = pid;
                reloads = count;
                var failedAt = Array.IndexOf(fields, "[failed:");
                if (failedAt >= 0 && failedAt + 1 < fields.Length)
                {
                    _ = int.TryParse(fields[failedAt + 1].TrimEnd(']'), NumberStyles.None, CultureInfo.InvariantCulture, out failed);
                }
            }
            else if (fields[1] == "worker")
            {
                workers.Add(new WorkerProcess { Pid = pid, Reloads = count });
            }
        }

        return masterPid is { } master
            ? new MasterStatus { MasterPid = master, Reloads = reloads, FailedReloads = failed, Workers = workers }
            : null;
    }
}

/// <summary>A worker of the master.</summary>
public sealed record WorkerProcess
{
    public required int Pid { get; init; }

    /// <summary>How many reloads ago it was started: 0 for the current workers.</summary>
    public required int Reloads { get; init; }
}
