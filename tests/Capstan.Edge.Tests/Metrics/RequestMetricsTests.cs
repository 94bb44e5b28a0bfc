using Capstan.Edge.Metrics;
using Capstan.Testing;

namespace Capstan.Edge.Tests.Metrics;

/// <summary>The one-second ring and the histogram maths, on a clock that moves only when told.</summary>
public sealed class RequestMetricsTests
{
    private readonly ManualClock _clock = new();

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(7, 6)]
    [InlineData(8, 6)]
    [InlineData(9, 7)]
    [InlineData(1000, 27)]
    [InlineData(30_000, 42)]
    [InlineData(30_001, 43)]
    [InlineData(int.MaxValue, 43)]
    public void IndexOf_PutsALatencyInTheFirstBucketWhoseBoundHoldsIt(int milliseconds, int bucket)
    {
        LatencyBuckets.IndexOf(milliseconds).ShouldBe(bucket);
        LatencyBuckets.Count.ShouldBe(44);
    }

    [Fact]
    public void Percentiles_OfOneLatency_AreThatLatency()
    {
        var metrics = new RequestMetrics(_clock);
        for (var i = 0; i < 100; i++)
        {
            metrics.Record("web", "s1", 200, 7);
        }

        var stats = metrics.Snapshot("web", "s1", TimeSpan.FromSeconds(1));

        // Bucket (6, 8]: the median interpolates to 7; higher ranks would reach 7.98 but never exceed the largest seen.
        stats.P50.ShouldBe(TimeSpan.FromMilliseconds(7));
        stats.P99.ShouldBe(TimeSpan.FromMilliseconds(7));
        stats.Mean.ShouldBe(TimeSpan.FromMilliseconds(7));
    }

    [Fact]
    public void Percentiles_InterpolateInsideTheBucketThatHoldsTheRank()
    {
        var metrics = new RequestMetrics(_clock);
        for (var i = 0; i < 90; i++)
        {
            metrics.Record("web", "s1", 200, 10);
        }

        for (var i = 0; i < 10; i++)
        {
            metrics.Record("web", "s1", 200, 1000);
        }

        var stats = metrics.Snapshot("web", "s1", TimeSpan.FromSeconds(1));

        stats.P50!.Value.TotalMilliseconds.ShouldBe(8 + (2 * 50 / 90.0), 1e-3); // rank 50 of 90 in (8, 10]
        stats.P95!.Value.TotalMilliseconds.ShouldBe(800 + (200 * 5 / 10.0), 1e-3); // rank 95: 5th of 10 in (800, 1000]
        stats.P99!.Value.TotalMilliseconds.ShouldBe(800 + (200 * 9 / 10.0), 1e-3);
        stats.Mean!.Value.TotalMilliseconds.ShouldBe(109, 1e-3);
    }

    [Fact]
    public void LatenciesAboveTheLastBucket_ReadAsTheLargestSeen()
    {
        var metrics = new RequestMetrics(_clock);
        metrics.Record("web", "s1", 504, 45_000);

        metrics.Snapshot("web", "s1", TimeSpan.FromSeconds(1)).P50.ShouldBe(TimeSpan.FromSeconds(45));
    }

    [Fact]
    public void ServerErrors_AreThe5xxOnly_AndUnknownTimesAreCountedButNotTimed()
    {
        var metrics = new RequestMetrics(_clock);
        foreach (var status in new[] { 200, 302, 404, 499, 500, 502, 503, 599, -1 })
        {
            metrics.Record("web", "s1", status, status == -1 ? -1 : 5);
        }

        var stats = metrics.Snapshot("web", "s1", TimeSpan.FromSeconds(1));

        stats.Requests.ShouldBe(9);
        stats.ServerErrors.ShouldBe(4);
        stats.Mean.ShouldBe(TimeSpan.FromMilliseconds(5));
    }

    [Fact]
    public void Snapshot_CountsOnlyTheSecondsOfTheWindow_AndGivesTheRate()
    {
        var metrics = new RequestMetrics(_clock);
        for (var i = 0; i < 5; i++)
        {
            metrics.Record("web", "s1", 200, 1);
        }

        _clock.Advance(TimeSpan.FromSeconds(30));
        for (var i = 0; i < 3; i++)
        {
            metrics.Record("web", "s1", 500, 1);
        }

        var recent = metrics.Snapshot("web", "s1", TimeSpan.FromSeconds(10));
        var minute = metrics.Snapshot("web", "s1", TimeSpan.FromMinutes(1));

        recent.Requests.ShouldBe(3);
        recent.ServerErrors.ShouldBe(3);
        recent.RequestsPerSecond.ShouldBe(0.3);
        minute.Requests.ShouldBe(8);
        minute.RequestsPerSecond.ShouldBe(8 / 60.0);
        minute.Window.ShouldBe(TimeSpan.FromMinutes(1));
        metrics.Snapshot("web", "s1", TimeSpan.FromHours(1)).Window.ShouldBe(TimeSpan.FromMinutes(5), "the ring holds five minutes");
        metrics.Snapshot("web", "s1", TimeSpan.FromMilliseconds(1)).Window.ShouldBe(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void ASlotReusedAfterFiveMinutes_StartsFromZero()
    {
        var metrics = new RequestMetrics(_clock);
        metrics.Record("web", "s1", 500, 1_000);

        _clock.Advance(TimeSpan.FromSeconds(300)); // the same slot of the ring
        metrics.Record("web", "s1", 200, 2);
        var stats = metrics.Snapshot("web", "s1", TimeSpan.FromMinutes(5));

        stats.Requests.ShouldBe(1);
        stats.ServerErrors.ShouldBe(0);
        stats.P99.ShouldBe(TimeSpan.FromMilliseconds(2));
    }

    [Fact]
    public void Snapshot_WithoutServer_AddsUpTheBackendsServers_AndNoOtherBackend()
    {
        var metrics = new RequestMetrics(_clock);
        metrics.Record("web", "s1", 200, 1);
        metrics.Record("web", "s2", 200, 1);
        metrics.Record("web", "s2", 500, 1);
        metrics.Record("api", "s1", 200, 1);

        metrics.Snapshot("web", null, TimeSpan.FromSeconds(5)).Requests.ShouldBe(3);
        metrics.Snapshot("web", "s2", TimeSpan.FromSeconds(5)).ServerErrors.ShouldBe(1);
        var nothing = metrics.Snapshot("nope", null, TimeSpan.FromSeconds(5));
        nothing.Requests.ShouldBe(0);
        nothing.P50.ShouldBeNull();
        nothing.Mean.ShouldBeNull();
        nothing.ServerErrorRate.ShouldBe(0);
    }

    [Fact]
    public void AServerSilentForTheWholeRetention_IsForgotten()
    {
        var metrics = new RequestMetrics(_clock);
        metrics.Record("web", "gone", 200, 1);
        metrics.Record("web", "stays", 200, 1);

        _clock.Advance(TimeSpan.FromSeconds(200));
        metrics.Record("web", "stays", 200, 1);
        _clock.Advance(TimeSpan.FromSeconds(101));
        metrics.Record("web", "stays", 200, 1); // recording sweeps

        metrics.ActiveServers().ShouldBe([("web", "stays")]);
        metrics.Snapshot("web", "gone", TimeSpan.FromMinutes(5)).Requests.ShouldBe(0);
    }

    [Fact]
    public void BeyondTheMostSeries_RequestsAreDroppedAndCounted_NotKept()
    {
        var metrics = new RequestMetrics(_clock);
        for (var i = 0; i < RequestMetrics.MaxSeries + 10; i++)
        {
            metrics.Record("web", $"s{i}", 200, 1);
        }

        metrics.ActiveServers().Count.ShouldBe(RequestMetrics.MaxSeries);
        metrics.DroppedRequests.ShouldBe(10);
    }

    [Fact]
    public void Counters_CountEverythingSinceTheSeriesBegan_BeyondTheWindows()
    {
        var metrics = new RequestMetrics(_clock);
        metrics.Record("shop-prod-web", "i1", 200, 3);
        metrics.Record("shop-prod-web", "i1", 503, 40);
        _clock.Advance(TimeSpan.FromSeconds(299));
        metrics.Record("shop-prod-web", "i1", 200, -1);
        metrics.Record("shop-prod-web", "i2", 500, 2);
        _clock.Advance(TimeSpan.FromSeconds(2));

        metrics.Snapshot("shop-prod-web", "i1", RequestMetrics.Retention).Requests.ShouldBe(1, "the first two left the ring");
        var totals = metrics.Counters();
        totals.Select(t => t.Server).ShouldBe(["i1", "i2"]);
        var i1 = totals[0];
        (i1.Requests, i1.ServerErrors, i1.Timed, i1.SumMs).ShouldBe((3L, 1L, 2L, 43L));
        i1.Buckets.Count.ShouldBe(RequestTotals.BucketUpperBoundsMs.Count + 1);
        i1.Buckets[LatencyBuckets.IndexOf(3)].ShouldBe(1);
        i1.Buckets[LatencyBuckets.IndexOf(40)].ShouldBe(1);
        i1.Buckets.Sum().ShouldBe(2);
        (totals[1].Requests, totals[1].ServerErrors).ShouldBe((1L, 1L));
    }
}
