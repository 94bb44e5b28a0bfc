using Capstan.Manifest.Alerts;
using Capstan.Observability.Metrics;
using Capstan.Testing;

namespace Capstan.Observability.Tests.Metrics;

public sealed class MetricsConditionSourceTests
{
    private static readonly DateTimeOffset T = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly LabelSet Production = LabelSet.Of(("env", "production"), ("service", "api"));
    private static readonly LabelSet Staging = LabelSet.Of(("env", "staging"), ("service", "api"));

    private readonly SeriesStore _store = new(clock: new ManualClock(T));

    [Fact]
    public void ErrorRate_IsErrorsOverRequestsInPercent_PerEnvironment()
    {
        // Samples every 15 s up to T. Production: 300 + 100 requests and 6 + 0 errors → 1.5%. The extrapolation
        // stretches both counters alike, so the share is exact.
        Counter(SeriesNames.HttpRequests, Series("production", "1"), 1000, 1100, 1200, 1300);
        Counter(SeriesNames.HttpRequests, Series("production", "2"), 1000, 1030, 1060, 1100);
        Counter(SeriesNames.HttpRequestErrors, Series("production", "1"), 10, 12, 14, 16);
        Counter(SeriesNames.HttpRequestErrors, Series("production", "2"), 0, 0, 0, 0);
        // Staging has requests and no error series at all: 0%. Development has no requests in the minute: no value.
        Counter(SeriesNames.HttpRequests, Series("staging", "1"), 5, 10, 15, 20);
        Counter(SeriesNames.HttpRequests, Series("development", "1"), 7, 7, 7, 7);
        Counter(SeriesNames.HttpRequestErrors, Series("development", "1"), 1, 1, 1, 1);

        Evaluate("error_rate(api) > 1%").ShouldBe([(Production, 1.5), (Staging, 0)]);
    }

    [Fact]
    public void ErrorRate_CountsAcrossACounterReset()
    {
        // Requests 1000 → 1100, restart, 50 → 150: 250. Errors 100 → 105, restart, 5 → 10: 15. 15/250 = 6%.
        Counter(SeriesNames.HttpRequests, Series("production", "1"), 1000, 1100, 50, 150);
        Counter(SeriesNames.HttpRequestErrors, Series("production", "1"), 100, 105, 5, 10);

        Evaluate("error_rate(api) > 1%").ShouldBe([(Production, 6)]);
    }

    [Theory]
    [InlineData("latency_p50(api) > 100ms", 0.175)] // rank 50: in (0.1, 0.25] holding 40 → 60, 10 of 20 → 0.1 + 0.15 × 0.5
    [InlineData("latency_p95(api) > 1s", 1.0)] // rank 95: in (0.75, 1] holding 90 → 95, 5 of 5
    [InlineData("latency_p99(api) > 2s", 5.0)] // rank 99: in (2, 5] holding 98 → 99, 1 of 1
    public void Latency_IsTheHistogramQuantileOfTheLastMinutesRequests(string text, double seconds)
    {
        // From all-zero totals 30 s ago (counters starting at 0 are not extrapolated) to 100 requests now.
        HttpRequestSeries.Write(_store, Totals("production", 0, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), T.AddSeconds(-30));
        HttpRequestSeries.Write(_store, Totals("production", 100, [0, 0, 10, 20, 40, 60, 80, 90, 95, 98, 99, 100]), T);
        // Staging had no request in the last minute.
        HttpRequestSeries.Write(_store, Totals("staging", 5, [5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5]), T.AddSeconds(-30));
        HttpRequestSeries.Write(_store, Totals("staging", 5, [5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5]), T);

        Evaluate(text).ShouldBe([(Production, seconds)]);
    }

    [Fact]
    public void Rps_IsTheRequestRateOverTheLastMinute_OfAllVersions()
    {
        // 600 and 300 requests since counters at 0 thirty seconds ago: 900 in the minute, 15 a second.
        HttpRequestSeries.Write(_store, Totals("production", 0, [.. new long[12]]), T.AddSeconds(-30));
        HttpRequestSeries.Write(_store, Totals("production", 600, [.. new long[12]]), T);
        HttpRequestSeries.Write(_store, Totals("production", 0, [.. new long[12]]) with { Version = "2" }, T.AddSeconds(-30));
        HttpRequestSeries.Write(_store, Totals("production", 300, [.. new long[12]]) with { Version = "2" }, T);

        Evaluate("rps(api) > 100").ShouldBe([(Production, 15)]);
    }

    [Fact]
    public void Up_CountsCurrentInstancesThatAreUp_LeavingOutSilentOnes()
    {
        Gauge(SeriesNames.InstanceUp, Instance("production", "i-1"), 1, T.AddSeconds(-10));
        Gauge(SeriesNames.InstanceUp, Instance("production", "i-2"), 0, T.AddSeconds(-10));
        Gauge(SeriesNames.InstanceUp, Instance("production", "i-3"), 1, T.AddSeconds(-40)); // silent for 40 s
        Gauge(SeriesNames.InstanceUp, Instance("staging", "i-4"), 0, T.AddSeconds(-5));
        Gauge(SeriesNames.InstanceUp, Instance("development", "i-5"), 1, T.AddMinutes(-5));

        Evaluate("up(api) < 1").ShouldBe([(Production, 1), (Staging, 0)]);
    }

    [Fact]
    public void Cpu_IsTheAverageOfEachInstancesRateAgainstItsLimit_OrOneCore()
    {
        // i-1 uses 0.5 cores (7.5 s every 15 s) of its 0.5 limit: 100%. i-2 uses 0.2 cores, no limit: 20%. Average 60%.
        Counter(SeriesNames.InstanceCpuSeconds, Instance("production", "i-1"), 100, 107.5, 115, 122.5);
        Gauge(SeriesNames.InstanceCpuLimit, Instance("production", "i-1"), 0.5, T);
        Counter(SeriesNames.InstanceCpuSeconds, Instance("production", "i-2"), 50, 53, 56, 59);

        Evaluate("cpu(api) > 70%").ShouldBe([(Production, 60)]);
    }

    [Fact]
    public void Memory_InPercent_IsTheAverageShareOfTheLimit_OfInstancesThatHaveOne()
    {
        MemoryOf("production", "i-1", 300e6, limit: 600e6);
        MemoryOf("production", "i-2", 200e6, limit: null);
        MemoryOf("production", "i-3", 100e6, limit: 1000e6);
        MemoryOf("staging", "i-4", 100e6, limit: null);

        // (50% + 10%) / 2; staging has no limit, so no share.
        Evaluate("memory(api) > 80%").ShouldBe([(Production, 30)]);
        // Amounts: (300 + 200 + 100) / 3 MB and 100 MB.
        Evaluate("memory(api) > 2Gi").ShouldBe([(Production, 200e6), (Staging, 100e6)]);
    }

    [Fact]
    public void Restarts_IsTheIncreaseOverFifteenMinutes()
    {
        // i-1: 2, 3, 5 at 14, 9 and 4 minutes ago: 3 over 10 minutes, both edges within 1.1 intervals (5.5 min), so
        // stretched to 1 + 10 + 4 minutes: 4.5. i-2 never restarted.
        Gauge(SeriesNames.InstanceRestarts, Instance("production", "i-1"), 2, T.AddMinutes(-14));
        Gauge(SeriesNames.InstanceRestarts, Instance("production", "i-1"), 3, T.AddMinutes(-9));
        Gauge(SeriesNames.InstanceRestarts, Instance("production", "i-1"), 5, T.AddMinutes(-4));
        Counter(SeriesNames.InstanceRestarts, Instance("production", "i-2"), 0, 0, 0, 0);

        Evaluate("restarts(api) > 3").ShouldBe([(Production, 4.5)]);
    }

    [Fact]
    public void DiskFree_IsTheFreeShareOrAmount_OfEachMeasuredPath()
    {
        var data = LabelSet.Of(("path", "/var/lib/capstan"));
        Gauge(SeriesNames.HostDiskTotal, data, 100e9, T.AddSeconds(-5));
        Gauge(SeriesNames.HostDiskFree, data, 15e9, T.AddSeconds(-5));
        var gone = LabelSet.Of(("path", "/mnt/old"));
        Gauge(SeriesNames.HostDiskTotal, gone, 100e9, T.AddMinutes(-1));
        Gauge(SeriesNames.HostDiskFree, gone, 1e9, T.AddMinutes(-1));

        Evaluate("disk_free() < 20%").ShouldBe([(data, 15)]);
        Evaluate("disk_free() < 20Gi").ShouldBe([(data, 15e9)]);
    }

    [Fact]
    public void Timestamps_GiveDaysUntilExpiry_AndSecondsSince()
    {
        Gauge(SeriesNames.CertificateExpiry, LabelSet.Of(("host", "shop.example")), Unix(T.AddDays(12.5)), T.AddMinutes(-1));
        Gauge(SeriesNames.CertificateExpiry, LabelSet.Of(("host", "old.example")), Unix(T.AddDays(1)), T.AddMinutes(-11));
        Gauge(SeriesNames.SecretUpdated, LabelSet.Of(("secret", "DB_PASSWORD")), Unix(T.AddDays(-3)), T.AddSeconds(-30));
        Gauge(SeriesNames.BackupLastSuccess, LabelSet.Of(("backup", "visits")), Unix(T.AddHours(-2)), T.AddSeconds(-30));

        Evaluate("cert_expiry_days(shop.example) < 14").ShouldBe([(LabelSet.Of(("host", "shop.example")), 12.5)]);
        Evaluate("cert_expiry_days(old.example) < 14").ShouldBeEmpty("probed 11 minutes ago: too long");
        Evaluate("secret_age(DB_PASSWORD) > 90d").ShouldBe([(LabelSet.Of(("secret", "DB_PASSWORD")), 3 * 86400)]);
        Evaluate("backup_age(visits) > 2h").ShouldBe([(LabelSet.Of(("backup", "visits")), 7200)]);
        Evaluate("backup_age(other) > 2h").ShouldBeEmpty();
    }

    [Fact]
    public void AScrapedSeries_IsTheLatestValueOfEachCurrentSeriesWithTheLabels()
    {
        Gauge("queue_depth", LabelSet.Of(("queue", "mail"), ("env", "production")), 7, T.AddSeconds(-5));
        Gauge("queue_depth", LabelSet.Of(("queue", "mail"), ("env", "staging")), 9, T.AddSeconds(-50));
        Gauge("queue_depth", LabelSet.Of(("queue", "sms")), 3, T.AddSeconds(-5));

        Evaluate("queue_depth{queue=\"mail\"} > 5").ShouldBe([(LabelSet.Of(("queue", "mail"), ("env", "production")), 7)]);
        Evaluate("queue_depth > 5").Count.ShouldBe(2);
        // As in PromQL, an empty value matches series without the label.
        Evaluate("queue_depth{env=\"\"} > 5").ShouldBe([(LabelSet.Of(("queue", "sms")), 3)]);
    }

    [Fact]
    public void EveryFunction_WithoutData_HasNoValue()
    {
        var source = new MetricsConditionSource(_store);
        foreach (var function in AlertFunctions.All)
        {
            foreach (var unit in function.Units)
            {
                var threshold = unit switch
                {
                    ThresholdKind.Percentage => "1%",
                    ThresholdKind.Duration => "1s",
                    ThresholdKind.Size => "1Gi",
                    _ => "1",
                };
                var text = $"{function.Name}({(function.Argument == AlertArgumentKind.None ? "" : "x")}) > {threshold}";
                source.Evaluate(Parse(text), T).ShouldBeEmpty(text);
            }
        }
    }

    private List<(LabelSet, double)> Evaluate(string text) =>
        [.. new MetricsConditionSource(_store).Evaluate(Parse(text), T)
            .OrderBy(v => v.Labels.ToString(), StringComparer.Ordinal)
            .Select(v => (v.Labels, Math.Round(v.Value, 9)))];

    private static AlertCondition Parse(string text) =>
        AlertConditionParser.Parse(text, out var error) ?? throw new ArgumentException(error.Message, nameof(text));

    private static LabelSet Series(string env, string version) => LabelSet.Of(("env", env), ("service", "api"), ("version", version));

    private static LabelSet Instance(string env, string instance) => Series(env, "1").With("instance", instance);

    private static double Unix(DateTimeOffset at) => at.ToUnixTimeMilliseconds() / 1000.0;

    /// <summary>Samples 45, 30, 15 and 0 seconds before T.</summary>
    private void Counter(string name, LabelSet labels, params double[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            _store.Append(name, labels, values[i], T.AddSeconds(-15 * (values.Length - 1 - i)));
        }
    }

    private void Gauge(string name, LabelSet labels, double value, DateTimeOffset at) => _store.Append(name, labels, value, at);

    private void MemoryOf(string env, string instance, double bytes, double? limit)
    {
        Gauge(SeriesNames.InstanceMemory, Instance(env, instance), bytes, T.AddSeconds(-10));
        if (limit is { } l)
        {
            Gauge(SeriesNames.InstanceMemoryLimit, Instance(env, instance), l, T.AddSeconds(-10));
        }
    }

    private static HttpRequestTotals Totals(string env, long requests, long[] buckets) => new()
    {
        Env = env,
        Service = "api",
        Version = "1",
        Requests = requests,
        Errors = 0,
        DurationCount = requests,
        DurationSumSeconds = 0,
        DurationBuckets = buckets,
    };
}
