namespace Capstan.Observability.Metrics;

/// <summary>Prometheus's <c>histogram_quantile</c> over classic (<c>le</c>) buckets.</summary>
public static class HistogramMath
{
    /// <summary>
    /// The <paramref name="quantile"/> of the observations counted in cumulative <paramref name="buckets"/> (upper
    /// bound, count of observations at or below it), as Prometheus computes it: buckets with the same bound are
    /// added, counts made monotonic, the bucket holding rank <c>quantile × total</c> found, and the value
    /// interpolated linearly between its lower bound (0 for the first bucket) and its upper bound. A rank in the
    /// +Inf bucket gives the largest finite bound. NaN without a +Inf bucket, with fewer than two buckets or with no
    /// observations; -Inf/+Inf for a quantile below 0/above 1.
    /// </summary>
    public static double Quantile(double quantile, IEnumerable<(double UpperBound, double Count)> buckets)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        if (double.IsNaN(quantile))
        {
            return double.NaN;
        }

        if (quantile < 0)
        {
            return double.NegativeInfinity;
        }

        if (quantile > 1)
        {
            return double.PositiveInfinity;
        }

        var merged = new SortedDictionary<double, double>();
        foreach (var (bound, count) in buckets)
        {
            merged[bound] = merged.GetValueOrDefault(bound) + count;
        }

        if (merged.Count < 2 || !double.IsPositiveInfinity(merged.Keys.Last()))
        {
            return double.NaN;
        }

        var bounds = merged.Keys.ToArray();
        var counts = merged.Values.ToArray();
        var max = double.NegativeInfinity;
        for (var i = 0; i < counts.Length; i++)
        {
            if (counts[i] > max)
            {
                max = counts[i];
            }
            else if (counts[i] < max)
            {
                counts[i] = max;
            }
        }

        var observations = counts[^1];
        if (observations == 0 || double.IsNaN(observations))
        {
            return double.NaN;
        }

        var rank = quantile * observations;
        var b = 0;
        while (b < counts.Length - 1 && counts[b] < rank)
        {
            b++;
        }

        if (b == counts.Length - 1)
        {
            return bounds[^2];
        }

        if (b == 0 && bounds[0] <= 0)
        {
            return bounds[0];
        }

        var bucketStart = 0.0;
        var bucketEnd = bounds[b];
        var bucketCount = counts[b];
        if (b > 0)
        {
            bucketStart = bounds[b - 1];
            bucketCount -= counts[b - 1];
            rank -= counts[b - 1];
        }

        return bucketStart + ((bucketEnd - bucketStart) * (rank / bucketCount));
    }
}
