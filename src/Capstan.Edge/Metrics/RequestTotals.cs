namespace Capstan.Edge.Metrics;

/// <summary>
/// The requests one server of one backend answered since Capstan started counting them: all of them, the 5xx ones,
/// the timed ones with their summed latency, and the timed ones per latency bucket (not cumulative:
/// <see cref="Buckets"/>[i] counts the requests of bucket i alone, the last one those above the last bound).
/// </summary>
public sealed record RequestTotals(string Backend, string Server, long Requests, long ServerErrors, long Timed, long SumMs, IReadOnlyList<long> Buckets)
{
    /// <summary>The buckets' inclusive upper bounds in milliseconds, one fewer than <see cref="Buckets"/> (the last is unbounded).</summary>
    public static IReadOnlyList<int> BucketUpperBoundsMs { get; } = LatencyBuckets.UpperBounds.ToArray();
}
