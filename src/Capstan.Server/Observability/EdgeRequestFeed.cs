using Capstan.Edge.Metrics;
using Capstan.Observability.Metrics;
using Capstan.Runtime.Instances;

namespace Capstan.Server.Observability;

/// <summary>
/// Turns the edge's per-server request counters into Capstan's per-version request series. Each server's counters
/// are read as deltas and added to its version's running totals, so the totals only grow: a server that goes away
/// (its instance stopped) keeps what it counted, and a server whose counters start again from zero adds what is new.
/// </summary>
internal sealed class EdgeRequestFeed
{
    private readonly Dictionary<(string Backend, string Server), RequestTotals> _last = [];
    private readonly Dictionary<string, (string Env, string Service, string Version)> _instances = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Env, string Service, string Version), Running> _totals = [];
    private readonly int[] _fineToCoarse;
    private DateTimeOffset? _lastFeed;

    /// <summary>A version with no new request for this long is no longer written (a release long replaced).</summary>
    private static readonly TimeSpan IdleAfter = TimeSpan.FromMinutes(15);

    public EdgeRequestFeed()
    {
        // Each of the edge's fine buckets goes to the first coarse bucket whose bound holds it.
        var fine = RequestTotals.BucketUpperBoundsMs;
        var coarse = SeriesNames.LatencyBuckets;
        _fineToCoarse = new int[fine.Count + 1];
        for (var i = 0; i <= fine.Count; i++)
        {
            var index = i == fine.Count ? coarse.Count : Enumerable.Range(0, coarse.Count).FirstOrDefault(c => fine[i] <= coarse[c] * 1000 + 1e-9, coarse.Count);
            _fineToCoarse[i] = index;
        }
    }

    /// <summary>Adds what the edge counted since the last call and writes every version's totals at <paramref name="now"/>.</summary>
    public void Feed(IReadOnlyList<RequestTotals> counters, IReadOnlyList<InstanceStatus> instances, SeriesStore store, DateTimeOffset now)
    {
        foreach (var instance in instances)
        {
            _instances[instance.Id] = (instance.Environment, instance.Service, instance.Version);
        }

        foreach (var counter in counters)
        {
            if (!_instances.TryGetValue(counter.Server, out var key))
            {
                continue; // Not an instance of this agent (yet): counted once it is known, from its first request.
            }

            _last.TryGetValue((counter.Backend, counter.Server), out var previous);
            var restarted = previous is null || counter.Requests < previous.Requests;
            if (!_totals.TryGetValue(key, out var running))
            {
                // A new version's counters were 0 at the last look: written so, its first requests count in increase().
                running = _totals[key] = new Running(SeriesNames.LatencyBuckets.Count) { ChangedAt = now };
                Write(store, key, running, _lastFeed ?? now - TimeSpan.FromSeconds(1));
            }

            running.Requests += counter.Requests - (restarted ? 0 : previous!.Requests);
            running.Errors += counter.ServerErrors - (restarted ? 0 : previous!.ServerErrors);
            running.Timed += counter.Timed - (restarted ? 0 : previous!.Timed);
            running.SumMs += counter.SumMs - (restarted ? 0 : previous!.SumMs);
            for (var i = 0; i < counter.Buckets.Count; i++)
            {
                var added = counter.Buckets[i] - (restarted ? 0 : previous!.Buckets[i]);
                var coarse = _fineToCoarse[i];
                if (coarse < running.Buckets.Length)
                {
                    running.Buckets[coarse] += added;
                }
            }

            if (counter.Requests != previous?.Requests)
            {
                running.ChangedAt = now;
            }

            _last[(counter.Backend, counter.Server)] = counter;
        }

        foreach (var (key, running) in _totals)
        {
            if (now - running.ChangedAt <= IdleAfter)
            {
                Write(store, key, running, now); // A version nobody requested for longer ages out of the store.
            }
        }

        _lastFeed = now;
    }

    private static void Write(SeriesStore store, (string Env, string Service, string Version) key, Running running, DateTimeOffset at)
    {
        // Cumulative buckets: each counts the requests at most its bound.
        var cumulative = new long[running.Buckets.Length];
        long sum = 0;
        for (var i = 0; i < cumulative.Length; i++)
        {
            sum += running.Buckets[i];
            cumulative[i] = sum;
        }

        HttpRequestSeries.Write(store, new HttpRequestTotals
        {
            Env = key.Env,
            Service = key.Service,
            Version = key.Version,
            Requests = running.Requests,
            Errors = running.Errors,
            DurationCount = running.Timed,
            DurationSumSeconds = running.SumMs / 1000.0,
            DurationBuckets = cumulative,
        }, at);
    }

    private sealed class Running(int buckets)
    {
        public long Requests;
        public long Errors;
        public long Timed;
        public long SumMs;
        public readonly long[] Buckets = new long[buckets];
        public DateTimeOffset ChangedAt;
    }
}
