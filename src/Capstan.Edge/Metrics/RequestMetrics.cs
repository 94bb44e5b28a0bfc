using System.Collections.Concurrent;
using System.Text;

namespace Capstan.Edge.Metrics;

/// <summary>
/// Request counts, 5xx counts and latency histograms per backend and server, kept as a ring of one-second slots over
/// the last five minutes, so that a caller (a canary analysis, a dashboard) can ask about any window up to that.
/// </summary>
/// <remarks>
/// Memory is bounded: each series has <see cref="SlotCount"/> fixed slots of <see cref="LatencyBuckets.Count"/>
/// buckets (about 65 KB), there are at most <see cref="MaxSeries"/> series, and a series that has seen no request
/// for the whole retention is forgotten (an instance that was removed). Recording takes a lock per series only,
/// the listener being the one writer.
/// </remarks>
public sealed class RequestMetrics
{
    /// <summary>How far back a window can reach.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromSeconds(SlotCount);

    /// <summary>The most series kept; requests of further servers are not counted (<see cref="DroppedRequests"/>).</summary>
    public const int MaxSeries = 1024;

    internal const int SlotCount = 300;

    private const int MaxKeyLength = 256;

    private readonly TimeProvider _timeProvider;
    private readonly ConcurrentDictionary<string, Series> _series = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Series>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private long _lastSweep;
    private long _dropped;

    public RequestMetrics(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
        _lookup = _series.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Requests not counted because <see cref="MaxSeries"/> series were already kept.</summary>
    public long DroppedRequests => Interlocked.Read(ref _dropped);

    /// <summary>The (backend, server) pairs that have requests in the retention, in order.</summary>
    public IReadOnlyList<(string Backend, string Server)> ActiveServers()
    {
        var now = CurrentSecond();
        return _series.Values.Where(s => s.LastSecond > now - SlotCount)
            .Select(s => (s.Backend, s.Server))
            .Order()
            .ToList();
    }

    /// <summary>Counts one request that ended now.</summary>
    /// <param name="totalMs">Ta in milliseconds; negative when unknown (counted, but not in the latencies).</param>
    public void Record(string backend, string server, int status, int totalMs)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(server);
        if (backend.Length + 1 + server.Length > MaxKeyLength)
        {
            Interlocked.Increment(ref _dropped);
            return;
        }

        Span<byte> key = stackalloc byte[MaxKeyLength * 3];
        var backendBytes = Encoding.UTF8.GetBytes(backend, key);
        var serverBytes = Encoding.UTF8.GetBytes(server, key[backendBytes..]);
        Record(key[..backendBytes], key.Slice(backendBytes, serverBytes), status, totalMs);
    }

    /// <summary>
    /// The requests of <paramref name="backend"/>'s server <paramref name="server"/> (every server of the backend when
    /// null) over the last <paramref name="window"/>, rounded up to whole seconds, one to 300.
    /// </summary>
    public RequestStats Snapshot(string backend, string? server, TimeSpan window) =>
        SnapshotOf(backend, server is null ? null : [server], window);

    /// <summary>
    /// The requests of the servers <paramref name="servers"/> of <paramref name="backend"/> together (every server of
    /// the backend when null) over the last <paramref name="window"/>, rounded up to whole seconds, one to 300: the
    /// instances of one release, for canary analysis.
    /// </summary>
    public RequestStats SnapshotOf(string backend, IReadOnlyCollection<string>? servers, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var seconds = (int)Math.Clamp(Math.Ceiling(window.TotalSeconds), 1, SlotCount);
        var now = CurrentSecond();
        var total = new Totals();
        foreach (var series in _series.Values)
        {
            if (series.Backend == backend && (servers is null || servers.Contains(series.Server)))
            {
                series.AddTo(total, now - seconds, now);
            }
        }

        TimeSpan? Quantile(double q) =>
            LatencyBuckets.Percentile(total.Buckets, q, total.MaxMs) is { } ms ? TimeSpan.FromMilliseconds(ms) : null;
        return new RequestStats
        {
            Window = TimeSpan.FromSeconds(seconds),
            Requests = total.Requests,
            ServerErrors = total.ServerErrors,
            RequestsPerSecond = (double)total.Requests / seconds,
            P50 = Quantile(0.50),
            P95 = Quantile(0.95),
            P99 = Quantile(0.99),
            Mean = total.Timed == 0 ? null : TimeSpan.FromMilliseconds((double)total.SumMs / total.Timed),
            Timed = total.Timed,
            Buckets = total.Buckets,
            MaxMs = total.MaxMs,
        };
    }

    /// <summary>
    /// The counts of every series since it began, in order: counters for a metrics engine to sample. A series that
    /// was forgotten (silent for the whole retention) starts again from zero, as a restarted process's counters do.
    /// </summary>
    public IReadOnlyList<RequestTotals> Counters() =>
        [.. _series.Values.Select(s => s.Counters()).OrderBy(t => t.Backend, StringComparer.Ordinal).ThenBy(t => t.Server, StringComparer.Ordinal)];

    /// <summary>Counts one request from its log line's names, without allocating once the series exists.</summary>
    internal void Record(ReadOnlySpan<byte> backend, ReadOnlySpan<byte> server, int status, int totalMs)
    {
        var now = CurrentSecond();
        SweepIfDue(now);
        var length = backend.Length + 1 + server.Length;
        if (length > MaxKeyLength)
        {
            Interlocked.Increment(ref _dropped);
            return;
        }

        // The key is "backend/server": HAProxy names cannot hold '/'.
        Span<char> key = stackalloc char[MaxKeyLength];
        var written = Encoding.UTF8.GetChars(backend, key);
        key[written++] = '/';
        written += Encoding.UTF8.GetChars(server, key[written..]);
        if (!_lookup.TryGetValue(key[..written], out var series))
        {
            if (_series.Count >= MaxSeries)
            {
                Interlocked.Increment(ref _dropped);
                return;
            }

            var name = key[..written].ToString();
            var slash = name.IndexOf('/', StringComparison.Ordinal);
            series = _series.GetOrAdd(name, static (k, s) => new Series(k[..s], k[(s + 1)..]), slash);
        }

        series.Record(now, status, totalMs);
    }

    private long CurrentSecond() => _timeProvider.GetUtcNow().ToUnixTimeSeconds();

    // Forget the series of servers that have been silent for the whole retention, at most once every ten seconds.
    private void SweepIfDue(long now)
    {
        var last = Interlocked.Read(ref _lastSweep);
        if (now - last < 10 || Interlocked.CompareExchange(ref _lastSweep, now, last) != last)
        {
            return;
        }

        foreach (var (key, series) in _series)
        {
            if (series.LastSecond <= now - SlotCount)
            {
                _series.TryRemove(key, out _);
            }
        }
    }

    private sealed class Totals
    {
        public long Requests;
        public long ServerErrors;
        public long Timed;
        public long SumMs;
        public long MaxMs;
        public readonly long[] Buckets = new long[LatencyBuckets.Count];
    }

    private sealed class Series
    {
        private readonly Lock _lock = new();
        private readonly long[] _second = new long[SlotCount];
        private readonly int[] _requests = new int[SlotCount];
        private readonly int[] _serverErrors = new int[SlotCount];
        private readonly int[] _timed = new int[SlotCount];
        private readonly long[] _sumMs = new long[SlotCount];
        private readonly int[] _maxMs = new int[SlotCount];
        private readonly int[] _buckets = new int[SlotCount * LatencyBuckets.Count];
        private long _lastSecond = long.MinValue;
        private long _allRequests;
        private long _allServerErrors;
        private long _allTimed;
        private long _allSumMs;
        private readonly long[] _allBuckets = new long[LatencyBuckets.Count];

        public Series(string backend, string server)
        {
            Backend = backend;
            Server = server;
            Array.Fill(_second, long.MinValue);
        }

        public string Backend { get; }

        public string Server { get; }

        public long LastSecond => Interlocked.Read(ref _lastSecond);

        public void Record(long second, int status, int totalMs)
        {
            var slot = (int)(((second % SlotCount) + SlotCount) % SlotCount);
            lock (_lock)
            {
                if (_second[slot] != second)
                {
                    // The slot held a second that has left the ring: start it again.
                    _second[slot] = second;
                    _requests[slot] = 0;
                    _serverErrors[slot] = 0;
                    _timed[slot] = 0;
                    _sumMs[slot] = 0;
                    _maxMs[slot] = 0;
                    Array.Clear(_buckets, slot * LatencyBuckets.Count, LatencyBuckets.Count);
                }

                _requests[slot]++;
                _allRequests++;
                if (status is >= 500 and <= 599)
                {
                    _serverErrors[slot]++;
                    _allServerErrors++;
                }

                if (totalMs >= 0)
                {
                    var bucket = LatencyBuckets.IndexOf(totalMs);
                    _timed[slot]++;
                    _sumMs[slot] += totalMs;
                    _maxMs[slot] = Math.Max(_maxMs[slot], totalMs);
                    _buckets[(slot * LatencyBuckets.Count) + bucket]++;
                    _allTimed++;
                    _allSumMs += totalMs;
                    _allBuckets[bucket]++;
                }

                if (second > _lastSecond)
                {
                    Interlocked.Exchange(ref _lastSecond, second);
                }
            }
        }

        public RequestTotals Counters()
        {
            lock (_lock)
            {
                return new RequestTotals(Backend, Server, _allRequests, _allServerErrors, _allTimed, _allSumMs, [.. _allBuckets]);
            }
        }

        /// <summary>Adds the slots of the seconds after <paramref name="after"/> up to <paramref name="upTo"/>.</summary>
        public void AddTo(Totals totals, long after, long upTo)
        {
            lock (_lock)
            {
                for (var slot = 0; slot < SlotCount; slot++)
                {
                    var second = _second[slot];
                    if (second <= after || second > upTo)
                    {
                        continue;
                    }

                    totals.Requests += _requests[slot];
                    totals.ServerErrors += _serverErrors[slot];
                    totals.Timed += _timed[slot];
                    totals.SumMs += _sumMs[slot];
                    totals.MaxMs = Math.Max(totals.MaxMs, _maxMs[slot]);
                    for (var b = 0; b < LatencyBuckets.Count; b++)
                    {
                        totals.Buckets[b] += _buckets[(slot * LatencyBuckets.Count) + b];
                    }
                }
            }
        }
    }
}
