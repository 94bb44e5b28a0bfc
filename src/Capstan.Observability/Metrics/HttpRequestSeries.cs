using System.Globalization;

namespace Capstan.Observability.Metrics;

/// <summary>
/// The edge's running totals for one version of one service in one environment, since the edge started counting:
/// requests, 5xx answers and the duration histogram over <see cref="SeriesNames.LatencyBuckets"/>.
/// </summary>
public sealed record HttpRequestTotals
{
    public required string Env { get; init; }

    public required string Service { get; init; }

    public required string Version { get; init; }

    public required long Requests { get; init; }

    /// <summary>Requests answered with a 5xx status.</summary>
    public required long Errors { get; init; }

    /// <summary>Requests whose duration is known (a request cut before its response may have none).</summary>
    public required long DurationCount { get; init; }

    public required double DurationSumSeconds { get; init; }

    /// <summary>Cumulative: element i counts the requests that took at most <c>LatencyBuckets[i]</c> seconds.</summary>
    public required IReadOnlyList<long> DurationBuckets { get; init; }
}

/// <summary>Writes the edge's request totals as Capstan's request series.</summary>
public static class HttpRequestSeries
{
    private static readonly string[] Bounds =
        [.. SeriesNames.LatencyBuckets.Select(b => b.ToString("R", CultureInfo.InvariantCulture)), "+Inf"];

    /// <summary>
    /// Appends <c>capstan_http_requests_total</c>, <c>capstan_http_request_errors_total</c> (also when 0, so the
    /// error rate has both sides) and the <c>capstan_http_request_duration_seconds</c> histogram at <paramref name="now"/>.
    /// </summary>
    public static void Write(SeriesStore store, HttpRequestTotals totals, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(totals);
        if (totals.DurationBuckets.Count != SeriesNames.LatencyBuckets.Count)
        {
            throw new ArgumentException(
                $"{totals.DurationBuckets.Count} duration buckets given; there are {SeriesNames.LatencyBuckets.Count} (SeriesNames.LatencyBuckets), +Inf being DurationCount.",
                nameof(totals));
        }

        var labels = LabelSet.Of((SeriesLabels.Env, totals.Env), (SeriesLabels.Service, totals.Service), (SeriesLabels.Version, totals.Version));
        var samples = new List<MetricSample>(Bounds.Length + 4)
        {
            new(SeriesNames.HttpRequests, labels, totals.Requests, now),
            new(SeriesNames.HttpRequestErrors, labels, totals.Errors, now),
        };
        for (var i = 0; i < Bounds.Length; i++)
        {
            var count = i < totals.DurationBuckets.Count ? totals.DurationBuckets[i] : totals.DurationCount;
            samples.Add(new(SeriesNames.HttpRequestDurationBucket, labels.With(SeriesLabels.Le, Bounds[i]), count, now));
        }

        samples.Add(new(SeriesNames.HttpRequestDurationSum, labels, totals.DurationSumSeconds, now));
        samples.Add(new(SeriesNames.HttpRequestDurationCount, labels, totals.DurationCount, now));
        store.Append(samples);
    }
}
