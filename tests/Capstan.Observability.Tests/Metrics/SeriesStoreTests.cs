using Capstan.Observability.Metrics;
using Capstan.Testing;

namespace Capstan.Observability.Tests.Metrics;

public sealed class SeriesStoreTests
{
    private static readonly DateTimeOffset T = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly LabelSet Api = LabelSet.Of(("env", "production"), ("service", "api"), ("version", "1"));

    [Fact]
    public void Latest_GivesTheNewestSampleOfEachSeriesThatHasEveryMatcher()
    {
        var store = new SeriesStore(clock: new ManualClock(T));
        store.Append("queue_depth", LabelSet.Of(("queue", "mail"), ("env", "production")), 3, T.AddSeconds(-20));
        store.Append("queue_depth", LabelSet.Of(("queue", "mail"), ("env", "production")), 5, T.AddSeconds(-10));
        store.Append("queue_depth", LabelSet.Of(("queue", "mail"), ("env", "staging")), 7, T.AddSeconds(-10));
        store.Append("queue_depth", LabelSet.Of(("queue", "sms"), ("env", "production")), 9, T.AddSeconds(-10));

        var mail = store.Latest("queue_depth", LabelSet.Of(("queue", "mail"))).OrderBy(v => v.Value).ToList();

        mail.Select(v => v.Value).ShouldBe([5, 7]);
        mail[0].Labels.ShouldBe(LabelSet.Of(("queue", "mail"), ("env", "production")));
        mail[0].Timestamp.ShouldBe(T.AddSeconds(-10));
        store.Latest("queue_depth", LabelSet.Of(("queue", "none"))).ShouldBeEmpty();
        store.Latest("no_such_series", LabelSet.Empty).ShouldBeEmpty();
    }

    [Fact]
    public void Samples_AreThoseAfterTheWindowStartUpToAndIncludingItsEnd()
    {
        var store = new SeriesStore(clock: new ManualClock(T));
        for (var s = 0; s <= 60; s += 10)
        {
            store.Append("x", LabelSet.Empty, s, T.AddSeconds(s));
        }

        var window = store.Samples("x", LabelSet.Empty, T.AddSeconds(10), T.AddSeconds(40)).ShouldHaveSingleItem();

        window.Samples.Select(p => p.Value).ShouldBe([20, 30, 40]);
        window.Samples[0].Timestamp.ShouldBe(T.AddSeconds(20));
        store.LastOverTime("x", LabelSet.Empty, T.AddSeconds(45), TimeSpan.FromSeconds(10)).ShouldHaveSingleItem().Value.ShouldBe(40);
        store.LastOverTime("x", LabelSet.Empty, T.AddSeconds(200), TimeSpan.FromSeconds(30)).ShouldBeEmpty();
    }

    [Fact]
    public void ASampleOlderThanTheNewest_IsRefused_AndOneAtTheSameTimeReplacesIt()
    {
        var store = new SeriesStore(clock: new ManualClock(T));
        store.Append("x", LabelSet.Empty, 1, T).ShouldBeTrue();
        store.Append("x", LabelSet.Empty, 2, T.AddSeconds(-1)).ShouldBeFalse();
        store.Append("x", LabelSet.Empty, 3, T).ShouldBeTrue();

        store.Samples("x", LabelSet.Empty, T.AddDays(-1), T).ShouldHaveSingleItem().Samples.ShouldBe([new SamplePoint(T, 3)]);
        store.OutOfOrderSamples.ShouldBe(1);
    }

    [Fact]
    public void SamplesOlderThanTheRetention_AreDropped()
    {
        var clock = new ManualClock(T);
        var store = new SeriesStore(clock: clock);
        for (var m = 0; m <= 20; m++)
        {
            store.Append("x", LabelSet.Empty, m, T.AddMinutes(m));
        }

        // On append: 15 minutes behind the newest sample.
        store.Samples("x", LabelSet.Empty, T.AddDays(-1), T.AddDays(1)).ShouldHaveSingleItem()
            .Samples.Select(p => p.Value).ShouldBe(Enumerable.Range(5, 16).Select(m => (double)m));

        // On prune: 15 minutes behind the clock.
        clock.Set(T.AddMinutes(40));
        store.Append("y", LabelSet.Empty, 1, T.AddMinutes(40));
        store.Prune();
        store.Latest("x", LabelSet.Empty).ShouldBeEmpty();
        store.SampleCount.ShouldBe(1);
    }

    [Fact]
    public void ASeriesWithoutSamplesForTenMinutes_IsRemoved()
    {
        var clock = new ManualClock(T);
        var store = new SeriesStore(clock: clock);
        store.Append("x", LabelSet.Of(("a", "quiet")), 1, T);
        store.Append("x", LabelSet.Of(("a", "busy")), 1, T);

        clock.Advance(TimeSpan.FromMinutes(9));
        store.Append("x", LabelSet.Of(("a", "busy")), 2, clock.GetUtcNow());
        store.Prune().ShouldBe(0);
        clock.Advance(TimeSpan.FromMinutes(1.5));

        store.Prune().ShouldBe(1);
        store.SeriesCount.ShouldBe(1);
        store.Latest("x", LabelSet.Empty).ShouldHaveSingleItem().Labels.ShouldBe(LabelSet.Of(("a", "busy")));
    }

    [Fact]
    public void AppendsPrune_OnceThePruneIntervalHasPassed()
    {
        var clock = new ManualClock(T);
        var store = new SeriesStore(clock: clock);
        store.Append("x", LabelSet.Of(("a", "old")), 1, T);
        clock.Advance(TimeSpan.FromMinutes(11));

        store.Append("x", LabelSet.Of(("a", "new")), 1, clock.GetUtcNow());

        store.SeriesCount.ShouldBe(1);
    }

    [Fact]
    public void ANewSeriesBeyondTheMaximum_IsRefusedAndCounted_WhileKnownSeriesStillAppend()
    {
        var clock = new ManualClock(T);
        var store = new SeriesStore(new SeriesStoreOptions { MaxSeries = 2 }, clock);
        store.Append("x", LabelSet.Of(("n", "1")), 1, T).ShouldBeTrue();
        store.Append("x", LabelSet.Of(("n", "2")), 1, T).ShouldBeTrue();

        store.Append("x", LabelSet.Of(("n", "3")), 1, T).ShouldBeFalse();
        store.Append([new MetricSample("y", LabelSet.Empty, 1, T), new MetricSample("x", LabelSet.Of(("n", "1")), 2, T.AddSeconds(1))]).ShouldBe(1);

        store.SeriesCount.ShouldBe(2);
        store.RefusedSeries.ShouldBe(2);
        store.Latest("y", LabelSet.Empty).ShouldBeEmpty();
        var refused = store.Snapshot().Single(f => f.Name == SeriesNames.SeriesRefused);
        refused.Type.ShouldBe(MetricType.Counter);
        refused.Series.ShouldHaveSingleItem().Value.ShouldBe(2);

        // Once the stale ones are gone there is room again.
        clock.Advance(TimeSpan.FromMinutes(11));
        store.Append("x", LabelSet.Of(("n", "3")), 1, clock.GetUtcNow()).ShouldBeTrue();
    }

    [Fact]
    public void AnInvalidMetricName_IsABug()
    {
        var store = new SeriesStore();
        Should.Throw<ArgumentException>(() => store.Append("1x", LabelSet.Empty, 1, T));
        Should.Throw<ArgumentException>(() => store.Append("a-b", LabelSet.Empty, 1, T));
        store.Append("job:errors:rate5m", LabelSet.Empty, 1, T).ShouldBeTrue();
    }

    [Fact]
    public void Increase_StretchesTheSampledSpanToTheWindowEdges()
    {
        // Samples 15 s apart, the first 10 s after the window start and the last 5 s before its end: both edges are
        // within 1.1 intervals, so 30 over 45 s becomes 30 × 60/45 = 40 over the minute.
        var store = Counter((-50, 100), (-35, 110), (-20, 120), (-5, 130));

        store.Increase("c", LabelSet.Empty, T, TimeSpan.FromMinutes(1)).ShouldHaveSingleItem().Value.ShouldBe(40, 1e-9);
        store.Rate("c", LabelSet.Empty, T, TimeSpan.FromMinutes(1)).ShouldHaveSingleItem().Value.ShouldBe(40.0 / 60, 1e-9);
    }

    [Fact]
    public void Increase_TakesADropAsACounterReset()
    {
        // 100 → 110 (+10), reset to 5 (+5 since the restart), → 15 (+10): 25 over 45 s, stretched to 60 s.
        var store = Counter((-50, 100), (-35, 110), (-20, 5), (-5, 15));

        store.Increase("c", LabelSet.Empty, T, TimeSpan.FromMinutes(1)).ShouldHaveSingleItem().Value.ShouldBe(25 * 60.0 / 45, 1e-9);
    }

    [Fact]
    public void Increase_IsNotExtrapolatedBackPastTheCountersZero()
    {
        // 1 → 31 over 45 s: at that slope the counter was 0 just 1.5 s before the first sample, closer than the
        // window start (10 s), so the span is 1.5 + 45 + 5.
        var store = Counter((-50, 1), (-35, 11), (-20, 21), (-5, 31));

        store.Increase("c", LabelSet.Empty, T, TimeSpan.FromMinutes(1)).ShouldHaveSingleItem().Value.ShouldBe(30 * 51.5 / 45, 1e-9);
    }

    [Fact]
    public void Increase_FarFromTheEdges_ExtendsHalfAnIntervalEachWay()
    {
        // Two samples 10 s apart, 20 s and 30 s from the edges (beyond 1.1 × 10 s): 10 over 10 + 5 + 5 s.
        var store = Counter((-40, 10), (-30, 20));

        store.Increase("c", LabelSet.Empty, T, TimeSpan.FromMinutes(1)).ShouldHaveSingleItem().Value.ShouldBe(20, 1e-9);
    }

    [Fact]
    public void Increase_NeedsTwoSamplesInTheWindow()
    {
        var store = Counter((-90, 10), (-5, 20));

        store.Increase("c", LabelSet.Empty, T, TimeSpan.FromMinutes(1)).ShouldBeEmpty();
        store.Increase("c", LabelSet.Empty, T, TimeSpan.FromMinutes(2)).ShouldHaveSingleItem();
    }

    [Fact]
    public void HistogramQuantile_AddsTheBucketIncreasesPerGroup_AndInterpolatesInsideTheBucket()
    {
        var store = new SeriesStore(clock: new ManualClock(T));
        // Increases over the window: version 1 has 10 ≤ 0.1 s, 30 ≤ 0.5 s, 40 ≤ 1 s, 40 in all; version 2 has 0, 10, 20, 40.
        Buckets(store, "1", (0.1, 10), (0.5, 30), (1, 40), (double.PositiveInfinity, 40));
        Buckets(store, "2", (0.1, 0), (0.5, 10), (1, 20), (double.PositiveInfinity, 40));
        var window = TimeSpan.FromMinutes(1);
        string[] byEnv = ["env", "service"];

        // Together: 10, 40, 60, 80 (each doubled by the extrapolation, which leaves quantiles alone).
        // p50: rank 40 of 80 is in (0.1, 0.5], 30 of its 30 → 0.5. p25: rank 20 → 0.1 + 0.4 × 10/30.
        // p95: rank 76 is in +Inf → the largest finite bound, 1.
        var p50 = store.HistogramQuantile(0.5, "h", LabelSet.Of(("service", "api")), T, window, byEnv).ShouldHaveSingleItem();
        p50.Labels.ShouldBe(LabelSet.Of(("env", "production"), ("service", "api")));
        p50.Value.ShouldBe(0.5, 1e-9);
        store.HistogramQuantile(0.25, "h", LabelSet.Empty, T, window, byEnv).ShouldHaveSingleItem().Value.ShouldBe(0.1 + (0.4 * 10 / 30), 1e-9);
        store.HistogramQuantile(0.95, "h", LabelSet.Empty, T, window, byEnv).ShouldHaveSingleItem().Value.ShouldBe(1, 1e-9);

        // Per version.
        store.HistogramQuantile(0.5, "h", LabelSet.Empty, T, window, ["version"]).OrderBy(v => v.Labels["version"])
            .Select(v => Math.Round(v.Value, 9)).ShouldBe([0.3, 1]); // 0.1 + 0.4 × 20/40; rank 40 of 80 at the top of (0.5, 1]
    }

    [Fact]
    public void HistogramQuantile_WithoutObservationsInTheWindow_HasNoValue()
    {
        var store = new SeriesStore(clock: new ManualClock(T));
        Buckets(store, "1", (0.1, 0), (double.PositiveInfinity, 0));

        store.HistogramQuantile(0.5, "h", LabelSet.Empty, T, TimeSpan.FromMinutes(1), ["env"]).ShouldBeEmpty();
    }

    [Theory]
    [InlineData(0.5, 1.5)]
    [InlineData(0.1, 0.5)]
    [InlineData(0.9, 2)]
    [InlineData(1, 2)]
    [InlineData(-0.1, double.NegativeInfinity)]
    [InlineData(1.1, double.PositiveInfinity)]
    public void Quantile_FollowsPrometheusHistogramQuantile(double quantile, double expected)
    {
        // Cumulative 2 ≤ 1, 8 ≤ 2, 10 in all (2 above 2).
        // 0.5: rank 5 lies in (1, 2] holding 6, 3 into it → 1 + 3/6 = 1.5. 0.1: rank 1 in [0, 1] holding 2 → 0.5.
        // 0.9: rank 9 is in +Inf → 2, the largest finite bound.
        var value = HistogramMath.Quantile(quantile, [(1, 2), (2, 8), (double.PositiveInfinity, 10)]);
        if (double.IsInfinity(expected))
        {
            value.ShouldBe(expected);
        }
        else
        {
            value.ShouldBe(expected, 1e-12);
        }
    }

    [Fact]
    public void Quantile_MergesEqualBounds_RepairsNonMonotonicCounts_AndNeedsPlusInf()
    {
        // (1, 2) twice → 4 ≤ 1; the 3 ≤ 2 is raised to 4; rank 4 of 8 → in [0, 1] → 1.
        HistogramMath.Quantile(0.5, [(1, 2), (2, 3), (1, 2), (double.PositiveInfinity, 8)]).ShouldBe(1, 1e-12);
        HistogramMath.Quantile(0.5, [(1, 2), (2, 3)]).ShouldBe(double.NaN);
        HistogramMath.Quantile(0.5, [(double.PositiveInfinity, 3)]).ShouldBe(double.NaN);
        HistogramMath.Quantile(0.5, [(1, 0), (double.PositiveInfinity, 0)]).ShouldBe(double.NaN);
    }

    [Fact]
    public void Snapshot_GroupsAHistogramsSeriesInItsFamily_WithTypeAndHelp()
    {
        var store = new SeriesStore(clock: new ManualClock(T));
        SeriesNames.DescribeAll(store);
        HttpRequestSeries.Write(store, Totals(requests: 10, errors: 1), T);
        store.Append("queue_depth", LabelSet.Empty, 4, T);

        var families = store.Snapshot();

        families.Select(f => f.Name).ShouldBe(
            [SeriesNames.HttpRequestDuration, SeriesNames.HttpRequestErrors, SeriesNames.HttpRequests, SeriesNames.SeriesRefused, "queue_depth"]);
        var histogram = families.Single(f => f.Name == SeriesNames.HttpRequestDuration);
        histogram.Type.ShouldBe(MetricType.Histogram);
        histogram.Help.ShouldNotBeNullOrEmpty();
        histogram.Series.Select(s => s.Name + (s.Labels["le"] is { } le ? $"{{le={le}}}" : "")).ShouldBe(
            [.. SeriesNames.LatencyBuckets.Select(b => $"{SeriesNames.HttpRequestDurationBucket}{{le={b.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}"),
             $"{SeriesNames.HttpRequestDurationBucket}{{le=+Inf}}", SeriesNames.HttpRequestDurationSum, SeriesNames.HttpRequestDurationCount]);
        families.Single(f => f.Name == "queue_depth").Type.ShouldBe(MetricType.Untyped);
        families.Single(f => f.Name == SeriesNames.HttpRequests).Series.ShouldHaveSingleItem().ShouldBe(new MetricSample(SeriesNames.HttpRequests, Api, 10, T));
    }

    [Fact]
    public void TheRing_GrowsToTheMaximum_OverwritesItsOldest_AndShrinksWhenRetentionEmptiesIt()
    {
        var series = new Series("x", LabelSet.Empty);
        for (var i = 0; i < 100; i++)
        {
            series.Append(i, i, maxSamples: 64).ShouldBeTrue();
        }

        series.Capacity.ShouldBe(64);
        series.Count.ShouldBe(64);
        series.TicksAt(0).ShouldBe(36);
        series.LastValue.ShouldBe(99);

        series.DropBefore(95);

        series.Count.ShouldBe(5);
        series.Capacity.ShouldBe(32);
        Enumerable.Range(0, 5).Select(series.ValueAt).ShouldBe([95, 96, 97, 98, 99]);
        series.Window(95, 98).ShouldBe((1, 3));
    }

    [Fact]
    public void AppendingToASeriesWhoseRingIsFull_AllocatesNothing()
    {
        var store = new SeriesStore(clock: new ManualClock(T));
        for (var i = 0; i < 600; i++)
        {
            store.Append("x", Api, i, T.AddSeconds(i));
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 600; i < 10_600; i++)
        {
            store.Append("x", Api, i, T.AddSeconds(i));
        }

        (GC.GetAllocatedBytesForCurrentThread() - before).ShouldBeLessThan(1024);
        store.SampleCount.ShouldBe(512);
    }

    [Fact]
    public async Task ConcurrentAppendsAndQueries_LoseNothing()
    {
        var store = new SeriesStore(clock: new ManualClock(T));
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < 2_000; i++)
            {
                store.Append("c", LabelSet.Of(("writer", w.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("n", (i % 50).ToString(System.Globalization.CultureInfo.InvariantCulture))), i, T.AddMilliseconds(i));
            }
        }, TestContext.Current.CancellationToken));
        var reader = Task.Run(() =>
        {
            for (var i = 0; i < 200; i++)
            {
                store.Increase("c", LabelSet.Empty, T.AddSeconds(2), TimeSpan.FromMinutes(1));
                store.Snapshot();
            }
        }, TestContext.Current.CancellationToken);

        await Task.WhenAll([.. writers, reader]).DefaultTimeout();

        store.SeriesCount.ShouldBe(200);
        store.SampleCount.ShouldBe(8_000);
        store.Latest("c", LabelSet.Of(("writer", "3"), ("n", "49"))).ShouldHaveSingleItem().Value.ShouldBe(1_999);
    }

    internal static HttpRequestTotals Totals(long requests, long errors, string version = "1", long[]? buckets = null) => new()
    {
        Env = "production",
        Service = "api",
        Version = version,
        Requests = requests,
        Errors = errors,
        DurationCount = requests,
        DurationSumSeconds = requests * 0.1,
        DurationBuckets = buckets ?? [.. SeriesNames.LatencyBuckets.Select(_ => requests)],
    };

    private static SeriesStore Counter(params (int Seconds, double Value)[] samples)
    {
        var store = new SeriesStore(clock: new ManualClock(T));
        foreach (var (seconds, value) in samples)
        {
            store.Append("c", LabelSet.Empty, value, T.AddSeconds(seconds));
        }

        return store;
    }

    private static void Buckets(SeriesStore store, string version, params (double Le, double Increase)[] buckets)
    {
        foreach (var (le, increase) in buckets)
        {
            var labels = Api.With("version", version).With("le", double.IsPositiveInfinity(le) ? "+Inf" : le.ToString(System.Globalization.CultureInfo.InvariantCulture));
            // Two samples 30 s apart ending at T; the large base keeps the counter's zero point out of the way.
            store.Append("h_bucket", labels, 1000, T.AddSeconds(-30));
            store.Append("h_bucket", labels, 1000 + increase, T);
        }
    }
}
