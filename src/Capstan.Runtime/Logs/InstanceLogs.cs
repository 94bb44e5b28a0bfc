using System.Runtime.CompilerServices;

namespace Capstan.Runtime.Logs;

/// <summary>What to read of instance logs.</summary>
public sealed record LogQuery
{
    /// <summary>Only lines written at or after this time; null for all that are kept.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>After the lines written so far, wait for new ones, across rotations, until cancelled.</summary>
    public bool Follow { get; init; }

    /// <summary>How often a follow looks for new lines.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

/// <summary>An instance whose log is read: its id (which prefixes merged lines) and its folder.</summary>
public sealed record LogSource
{
    public required string InstanceId { get; init; }

    /// <summary>The instance's folder, <c>.capstan/instances/&lt;id&gt;</c>.</summary>
    public required string InstanceDirectory { get; init; }
}

/// <summary>
/// Reads the logs the shims write (<c>logs/current.log</c> and its rotated files <c>1.log</c>, <c>2.log</c>…): of one
/// instance, or of several merged by time (the instances of a service in an environment), for <c>capstan logs</c>.
/// Lines that are not in the log format are skipped.
/// </summary>
public static class InstanceLogs
{
    /// <summary>One instance's lines, oldest first; with <see cref="LogQuery.Follow"/>, then new lines as they come.</summary>
    /// <remarks>A follow ends when <paramref name="cancellationToken"/> is cancelled (without an exception) or the instance's folder is removed.</remarks>
    public static IAsyncEnumerable<LogEntry> ReadAsync(string instanceDirectory, LogQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instanceDirectory);
        return ReadCoreAsync([(instanceDirectory, null)], query, cancellationToken);
    }

    /// <summary>
    /// The lines of several instances, each with its <see cref="LogEntry.InstanceId"/>, in time order (lines of the same
    /// time keep the order of <paramref name="sources"/>); with <see cref="LogQuery.Follow"/>, then new lines as they come,
    /// each poll's lines in time order.
    /// </summary>
    /// <remarks>A follow ends when <paramref name="cancellationToken"/> is cancelled (without an exception) or every instance's folder is removed.</remarks>
    public static IAsyncEnumerable<LogEntry> MergeAsync(IReadOnlyList<LogSource> sources, LogQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sources);
        return ReadCoreAsync([.. sources.Select(s => (s.InstanceDirectory, (string?)s.InstanceId))], query, cancellationToken);
    }

    /// <summary>
    /// The instances of a service in an environment found under the supervisor's folder (<c>.capstan/instances</c>),
    /// read from their records: what <c>capstan logs</c> merges, with or without a running server.
    /// </summary>
    public static IReadOnlyList<LogSource> SourcesOf(string instancesRoot, string service, string environment)
    {
        if (!Directory.Exists(instancesRoot))
        {
            return [];
        }

        return [.. Directory.EnumerateDirectories(instancesRoot)
            .Select(directory => (Directory: directory, Record: new Supervision.InstanceFiles(directory).ReadRecord()))
            .Where(i => i.Record is { } r && r.Spec.Service == service && r.Spec.Environment == environment)
            .OrderBy(i => i.Record!.StartedAt)
            .Select(i => new LogSource { InstanceId = i.Record!.Spec.Id, InstanceDirectory = i.Directory })];
    }

    private static async IAsyncEnumerable<LogEntry> ReadCoreAsync(
        (string Directory, string? InstanceId)[] sources, LogQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var followers = new List<LogFollower>();
        try
        {
            foreach (var (directory, instanceId) in sources)
            {
                followers.Add(new LogFollower(directory, instanceId));
            }

            foreach (var entry in Merge(followers.Select(f => f.Backlog().Where(e => Wanted(e, query))).ToList()))
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return entry;
            }

            if (!query.Follow)
            {
                yield break;
            }

            while (followers.Any(f => !f.IsGone))
            {
                if (!await DelayAsync(query, cancellationToken).ConfigureAwait(false))
                {
                    yield break;
                }

                var batch = followers.SelectMany(f => f.Poll()).Where(e => Wanted(e, query)).OrderBy(e => e.Time).ToList();
                foreach (var entry in batch)
                {
                    yield return entry;
                }
            }
        }
        finally
        {
            foreach (var follower in followers)
            {
                follower.Dispose();
            }
        }
    }

    private static bool Wanted(LogEntry entry, LogQuery query) => query.Since is not { } since || entry.Time >= since;

    private static async Task<bool> DelayAsync(LogQuery query, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(query.PollInterval, query.TimeProvider, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>A k-way merge by time of sequences each already in time order; ties go to the earlier sequence.</summary>
    private static IEnumerable<LogEntry> Merge(List<IEnumerable<LogEntry>> sequences)
    {
        var enumerators = sequences.Select(s => s.GetEnumerator()).ToList();
        try
        {
            var queue = new PriorityQueue<int, (DateTimeOffset Time, int Index)>();
            for (var i = 0; i < enumerators.Count; i++)
            {
                if (enumerators[i].MoveNext())
                {
                    queue.Enqueue(i, (enumerators[i].Current.Time, i));
                }
            }

            while (queue.TryDequeue(out var index, out _))
            {
                yield return enumerators[index].Current;
                if (enumerators[index].MoveNext())
                {
                    queue.Enqueue(index, (enumerators[index].Current.Time, index));
                }
            }
        }
        finally
        {
            foreach (var enumerator in enumerators)
            {
                enumerator.Dispose();
            }
        }
    }
}
