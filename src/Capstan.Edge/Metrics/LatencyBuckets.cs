namespace Capstan.Edge.Metrics;

/// <summary>
/// Fixed, roughly log-spaced latency buckets from 1 ms to 30 s (about ten per decade, 1-1.2-1.5-2-2.5-3-4-5-6-8, coarser
/// below 10 ms where HAProxy's millisecond resolution is the limit), plus one bucket above 30 s. Percentiles read from
/// them are within a bucket's width (at most 25% above 10 ms) of the exact value, in constant memory.
/// </summary>
internal static class LatencyBuckets
{
    // An array rather than a span of constants: a debug build allocates for the latter on every read.
    private static readonly int[] Bounds =
    [
        1, 2, 3, 4, 5, 6, 8,
        10, 12, 15, 20, 25, 30, 40, 50, 60, 80,
        100, 120, 150, 200, 250, 300, 400, 500, 600, 800,
        1_000, 1_200, 1_500, 2_000, 2_500, 3_000, 4_000, 5_000, 6_000, 8_000,
        10_000, 12_000, 15_000, 20_000, 25_000, 30_000,
    ];

    /// <summary>Inclusive upper bounds in milliseconds; the last bucket (index <see cref="Count"/> - 1) has none.</summary>
    public static ReadOnlySpan<int> UpperBounds => Bounds;

    /// <summary>The number of buckets, the overflow bucket included.</summary>
    public static int Count { get; } = Bounds.Length + 1;

    /// <summary>The bucket of a latency: the first whose upper bound is at least <paramref name="milliseconds"/>.</summary>
    public static int IndexOf(int milliseconds)
    {
        var bounds = UpperBounds;
        var index = bounds.BinarySearch(milliseconds);
        return index >= 0 ? index : ~index; // ~index is the first bound above, or Count - 1 past the last
    }

    /// <summary>
    /// The <paramref name="quantile"/> (0 to 1) of the latencies counted in <paramref name="counts"/>: the bucket that
    /// holds the rank, interpolated linearly inside it, and never above <paramref name="maximumMs"/>, the largest
    /// latency seen (which also stands for the overflow bucket). Null when nothing was counted.
    /// </summary>
    public static double? Percentile(ReadOnlySpan<long> counts, double quantile, long maximumMs)
    {
        long total = 0;
        foreach (var count in counts)
        {
            total += count;
        }

        if (total == 0)
        {
            return null;
        }

        var rank = Math.Max(1.0, Math.Ceiling(quantile * total));
        long before = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            if (counts[i] == 0 || before + counts[i] < rank)
            {
                before += counts[i];
                continue;
            }

            if (i == UpperBounds.Length)
            {
                return maximumMs;
            }

            double lower = i == 0 ? 0 : UpperBounds[i - 1];
            double upper = UpperBounds[i];
            var value = lower + ((upper - lower) * (rank - before) / counts[i]);
            return Math.Min(value, maximumMs);
        }

        return maximumMs;
    }

    /// <summary>
    /// How many of the latencies counted in <paramref name="counts"/> are above <paramref name="milliseconds"/>: the
    /// buckets above it, and the share of its own bucket above it (linear inside the bucket, the overflow bucket read
    /// as ending at <paramref name="maximumMs"/>).
    /// </summary>
    public static double CountAbove(ReadOnlySpan<long> counts, double milliseconds, long maximumMs)
    {
        double above = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            if (counts[i] == 0)
            {
                continue;
            }

            double lower = i == 0 ? 0 : UpperBounds[i - 1];
            double upper = i < UpperBounds.Length ? Math.Min(UpperBounds[i], Math.Max(maximumMs, lower)) : Math.Max(maximumMs, lower);
            if (milliseconds < lower)
            {
                above += counts[i];
            }
            else if (milliseconds < upper)
            {
                above += counts[i] * (upper - milliseconds) / (upper - lower);
            }
        }

        return above;
    }
}
