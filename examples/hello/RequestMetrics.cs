using System.Globalization;
using System.Text;

namespace Hello;

/// <summary>
/// Request counters and a latency histogram, written in the Prometheus text format by hand
/// (a client library would be more than this app needs).
/// </summary>
public sealed class RequestMetrics
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    // Upper bounds in seconds; the last slot of the counts is +Inf.
    private static readonly double[] BucketBounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly long[] _requestsByCode = new long[600];
    private readonly long[] _bucketCounts = new long[BucketBounds.Length + 1];
    private long _durationSumTicks;
    private long _inFlight;

    /// <summary>Probes and scrapes are not the traffic a canary is judged on; they are left out.</summary>
    public static bool Counts(PathString path) =>
        !path.StartsWithSegments("/health") && !path.StartsWithSegments("/ready") && !path.StartsWithSegments("/metrics");

    public void RequestStarted() => Interlocked.Increment(ref _inFlight);

    public void RequestFinished(int statusCode, TimeSpan duration)
    {
        Interlocked.Decrement(ref _inFlight);
        if (statusCode is >= 100 and < 600)
        {
            Interlocked.Increment(ref _requestsByCode[statusCode]);
        }

        var bucket = 0;
        while (bucket < BucketBounds.Length && duration.TotalSeconds > BucketBounds[bucket])
        {
            bucket++;
        }

        Interlocked.Increment(ref _bucketCounts[bucket]);
        Interlocked.Add(ref _durationSumTicks, duration.Ticks);
    }

    /// <summary>Writes every metric; <paramref name="visits"/> is left out when the database could not be read.</summary>
    public string Render(long? visits)
    {
        var text = new StringBuilder();
        text.Append("# HELP hello_requests_total Requests answered, by HTTP status code (probes and scrapes left out).\n");
        text.Append("# TYPE hello_requests_total counter\n");
        for (var code = 100; code < _requestsByCode.Length; code++)
        {
            var count = Interlocked.Read(ref _requestsByCode[code]);
            // 200 and 500 always appear, so that an error rate can be computed from the first scrape on.
            if (count > 0 || code is 200 or 500)
            {
                Sample(text, $"hello_requests_total{{code=\"{code}\"}}", count);
            }
        }

        text.Append("# HELP hello_requests_in_flight Requests being answered now.\n");
        text.Append("# TYPE hello_requests_in_flight gauge\n");
        Sample(text, "hello_requests_in_flight", Interlocked.Read(ref _inFlight));

        text.Append("# HELP hello_request_duration_seconds Time taken to answer a request.\n");
        text.Append("# TYPE hello_request_duration_seconds histogram\n");
        long cumulative = 0;
        for (var bucket = 0; bucket < _bucketCounts.Length; bucket++)
        {
            cumulative += Interlocked.Read(ref _bucketCounts[bucket]);
            var bound = bucket < BucketBounds.Length ? Number(BucketBounds[bucket]) : "+Inf";
            Sample(text, $"hello_request_duration_seconds_bucket{{le=\"{bound}\"}}", cumulative);
        }

        var sum = TimeSpan.FromTicks(Interlocked.Read(ref _durationSumTicks)).TotalSeconds;
        text.Append(CultureInfo.InvariantCulture, $"hello_request_duration_seconds_sum {Number(sum)}\n");
        Sample(text, "hello_request_duration_seconds_count", cumulative);

        if (visits is { } visitCount)
        {
            text.Append("# HELP hello_visits Visits counted in the database, by every instance that shares it.\n");
            text.Append("# TYPE hello_visits gauge\n");
            Sample(text, "hello_visits", visitCount);
        }

        return text.ToString();
    }

    private static void Sample(StringBuilder text, string series, long value) =>
        text.Append(CultureInfo.InvariantCulture, $"{series} {value}\n");

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
