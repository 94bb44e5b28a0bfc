namespace Capstan.Edge.Metrics;

/// <summary>The requests of a server (or of a whole backend) over a recent window, from HAProxy's request log.</summary>
public sealed record RequestStats
{
    /// <summary>The window the numbers cover, in whole seconds up to now.</summary>
    public required TimeSpan Window { get; init; }

    public required long Requests { get; init; }

    /// <summary>Responses with a 5xx status, HAProxy's own 502/503/504 included.</summary>
    public required long ServerErrors { get; init; }

    public required double RequestsPerSecond { get; init; }

    /// <summary>Percentiles and mean of Ta (request received to response sent); null when no request had a time.</summary>
    public TimeSpan? P50 { get; init; }

    public TimeSpan? P95 { get; init; }

    public TimeSpan? P99 { get; init; }

    public TimeSpan? Mean { get; init; }

    /// <summary><see cref="ServerErrors"/> over <see cref="Requests"/>; 0 without requests.</summary>
    public double ServerErrorRate => Requests == 0 ? 0 : (double)ServerErrors / Requests;

    /// <summary>Requests with a time (Ta), which the latency figures count.</summary>
    public long Timed { get; init; }

    /// <summary>The latency histogram behind the percentiles: counts per <c>LatencyBuckets</c> bucket.</summary>
    internal long[] Buckets { get; init; } = [];

    internal long MaxMs { get; init; }

    /// <summary>
    /// About how many timed requests took longer than <paramref name="latency"/>: whole buckets above it, and the part
    /// of its own bucket above it, read linearly (as the percentiles are).
    /// </summary>
    public double CountSlowerThan(TimeSpan latency) => LatencyBuckets.CountAbove(Buckets, latency.TotalMilliseconds, MaxMs);
}
