using System.Diagnostics;
using System.Globalization;
using System.Text;
using Capstan.Manifest;
using Capstan.Manifest.Model;
using Capstan.Observability;
using Capstan.Observability.Alerting;
using Capstan.Observability.Metrics;
using Capstan.Testing;

namespace AlertBench;

/// <summary>
/// 2. Evaluation time and memory with 10,000 series (issue #7): a <see cref="SeriesStore"/> filled with 15 minutes of
/// <see cref="SyntheticSeries"/>, the rules evaluated over it as the server's loop does every second, and its memory;
/// beside a real Prometheus scraping the same series every 15 s from a local endpoint, with the same rules exported.
/// </summary>
internal static class SeriesBench
{
    private static readonly TimeSpan History = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan ScrapeEvery = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan InstancesEvery = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RequestsEvery = TimeSpan.FromSeconds(1);

    /// <summary>How long Prometheus scrapes before its evaluations are read: its rules' windows (1m at most with data) are then full.</summary>
    private static readonly TimeSpan PrometheusWarmUp = TimeSpan.FromSeconds(75);

    private const int PrometheusEvaluations = 4;

    public static async Task<string> RunAsync(int evaluations, Action<string> progress, CancellationToken token)
    {
        var loaded = ManifestLoader.Parse(SyntheticSeries.Manifest);
        var rules = loaded.Manifest?.Alerts ?? throw new InvalidOperationException("the series benchmark's rules do not load: " + string.Join("; ", loaded.Errors));

        progress("series: filling a SeriesStore with 15 minutes of 10,000 scraped series and the request and instance series");
        var end = DateTimeOffset.UtcNow;
        var clock = new ManualClock(end - History);
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var fill = Stopwatch.StartNew();
        var series = new SyntheticSeries(end - History);
        var store = new SeriesStore(clock: clock);
        SeriesNames.DescribeAll(store);
        for (var at = end - History + RequestsEvery; at <= end; at += RequestsEvery)
        {
            clock.Set(at);
            series.Requests(store, at);
            if ((at - end).Ticks % InstancesEvery.Ticks == 0)
            {
                series.Instances(store, at);
            }

            if ((at - end).Ticks % ScrapeEvery.Ticks == 0)
            {
                store.Append(series.Queues(at));
            }
        }

        fill.Stop();
        var after = GC.GetTotalMemory(forceFullCollection: true);
        var seriesCount = store.SeriesCount;
        var samples = store.SampleCount;
        var queueSeries = store.Latest(SyntheticSeries.QueueFamily, LabelSet.Empty).Count;

        progress($"series: {seriesCount} series, {samples} samples; evaluating {rules.Count} rules {evaluations} times");
        var source = new MetricsConditionSource(store);
        var evaluator = new RuleEvaluator(rules, source);
        var failures = 0;
        evaluator.RuleFailed += _ => failures++;
        for (var i = 0; i < 20; i++)
        {
            evaluator.Evaluate(end); // warm-up: JIT and tiered compilation
        }

        // Each evaluation is followed by the same conditions in a pass of their own, so that both see the same
        // machine: what the evaluator adds to the conditions (its alerts' labels, descriptions, states) is the difference.
        var times = new List<double>(evaluations);
        var passes = new List<double>(evaluations);
        var allocated = new List<double>(evaluations);
        IReadOnlyList<Alert> alerts = [];
        for (var i = 0; i < evaluations; i++)
        {
            var bytes = GC.GetAllocatedBytesForCurrentThread();
            var started = Stopwatch.GetTimestamp();
            alerts = evaluator.Evaluate(end);
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            allocated.Add(GC.GetAllocatedBytesForCurrentThread() - bytes);

            started = Stopwatch.GetTimestamp();
            foreach (var rule in rules)
            {
                source.Evaluate(rule.When, end);
            }

            passes.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        var perRule = new StringBuilder();
        foreach (var rule in rules)
        {
            var ruleTimes = new List<double>();
            var values = 0;
            for (var i = 0; i < Math.Max(20, evaluations / 4); i++)
            {
                var started = Stopwatch.GetTimestamp();
                values = source.Evaluate(rule.When, end).Count;
                ruleTimes.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            perRule.AppendLine(CultureInfo.InvariantCulture, $"| `{rule.When.Text}` | {values} | {Stats.Median(ruleTimes):0.000} ms |");
        }

        var firing = alerts.Count(a => a.IsFiring);
        var pending = alerts.Count(a => a.State == AlertState.Pending);
        GC.KeepAlive(store);
        var capstan = new CapstanFigures(seriesCount, queueSeries, samples, after - before, fill.Elapsed, times, passes, allocated, firing, pending, failures);

        var prometheus = await PrometheusBaselineAsync(rules, progress, token);
        return Report(rules, capstan, prometheus, perRule.ToString());
    }

    private sealed record CapstanFigures(
        int Series, int QueueSeries, long Samples, long HeapBytes, TimeSpan Fill, List<double> Times, List<double> Conditions, List<double> Allocated, int Firing, int Pending, int Failures);

    private sealed record PrometheusFigures(
        string Version, double RssEmpty, double RssFull, double HeapEmpty, double HeapFull, double HeadSeries, double HeadSamples, List<double> GroupSeconds, int Scrapes, double ScrapeSeconds, int Firing);

    /// <summary>A real Prometheus scraping the same series every 15 s from a local endpoint, evaluating the exported rules every 15 s.</summary>
    private static async Task<PrometheusFigures> PrometheusBaselineAsync(IReadOnlyList<AlertRule> rules, Action<string> progress, CancellationToken token)
    {
        var origin = DateTimeOffset.UtcNow - History;
        var series = new SyntheticSeries(origin);
        var live = new SeriesStore();
        SeriesNames.DescribeAll(live);
        await using var endpoint = MetricsEndpoint.Start(live, at =>
        {
            series.Requests(live, at);
            series.Instances(live, at);
            live.Append(series.Queues(at));
        });
        progress($"series: starting Prometheus, scraping {endpoint.Target} every {ScrapeEvery.TotalSeconds:0} s");
        await using var prometheus = await PrometheusServer.StartAsync(new PrometheusOptions
        {
            ScrapeInterval = ScrapeEvery,
            EvaluationInterval = ScrapeEvery,
            RuleFiles = new Dictionary<string, string> { ["capstan.yml"] = PrometheusRuleExporter.Write(rules, "shop") },
            ScrapeJobs = [new PrometheusScrapeJob { JobName = "capstan", Targets = [endpoint.Target], HonorLabels = true }],
        }, token);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        async Task<string> OwnMetricsAsync() => await http.GetStringAsync(new Uri(prometheus.Url, "metrics"), token);

        var empty = await OwnMetricsAsync();
        await prometheus.WaitForTargetUpAsync("capstan", TimeSpan.FromSeconds(60), token);
        progress($"series: Prometheus scraped; reading its rule group's evaluations after {PrometheusWarmUp.TotalSeconds:0} s");
        await Task.Delay(PrometheusWarmUp, token);

        var durations = new List<double>();
        var last = double.NaN;
        string full = "";
        await Poll.UntilAsync(
            async ct =>
            {
                full = await OwnMetricsAsync();
                var at = Exposition.Value(full, "prometheus_rule_group_last_evaluation_timestamp_seconds");
                if (!double.IsNaN(at) && at != last)
                {
                    if (!double.IsNaN(last))
                    {
                        durations.Add(Exposition.Value(full, "prometheus_rule_group_last_duration_seconds"));
                    }

                    last = at;
                }

                return durations.Count >= PrometheusEvaluations;
            },
            $"Prometheus evaluates its rule group {PrometheusEvaluations} more times",
            ScrapeEvery * (PrometheusEvaluations + 2),
            token);

        var firing = (await prometheus.AlertsAsync(token)).Count(a => a.State == "firing");
        var version = (await ProcessRunner.RunAsync(InstalledTool.Find("Prometheus", "prometheus", "prometheus"), ["--version"], TimeSpan.FromSeconds(10), token)).StandardOutput.Split('\n')[0];
        return new PrometheusFigures(
            version,
            Exposition.Value(empty, "process_resident_memory_bytes"),
            Exposition.Value(full, "process_resident_memory_bytes"),
            Exposition.Value(empty, "go_memstats_heap_inuse_bytes"),
            Exposition.Value(full, "go_memstats_heap_inuse_bytes"),
            Exposition.Value(full, "prometheus_tsdb_head_series"),
            Exposition.Value(full, "prometheus_tsdb_head_samples_appended_total"),
            durations,
            endpoint.Scrapes,
            (await prometheus.QueryAsync("scrape_duration_seconds{job=\"capstan\"}", token)).FirstOrDefault()?.Value ?? double.NaN,
            firing);
    }

    private static string Report(IReadOnlyList<AlertRule> rules, CapstanFigures c, PrometheusFigures p, string perRule)
    {
        var median = Stats.Median(c.Times);
        var promMedian = Stats.Median(p.GroupSeconds) * 1000;
        return $"""
            **2. Evaluation time and memory with 10,000 series.** A `SeriesStore` (default options: 15 min retention, rings of
            up to 512 samples) filled as the server fills it over {History.TotalMinutes:0} minutes: a scraped family `{SyntheticSeries.QueueFamily}` with
            {SyntheticSeries.QueueSeries:N0} label sets (queue × worker instance, plus the env/service/version/instance labels Capstan's scraper adds)
            every {ScrapeEvery.TotalSeconds:0} s, the edge's request series of {SyntheticSeries.Services.Length} services (requests, errors, 13 duration buckets, sum and count)
            every second, each service's {SyntheticSeries.InstancesPerService} instances' series every 5 s, the host's disk and a backup timestamp: {c.Series:N0} series and
            {c.Samples:N0} samples. {rules.Count} rules: the starter rules of examples/hello, four over the other services, one over every
            series of the scraped family (1 queue in 100 is above its threshold) and one over one queue. Time: `RuleEvaluator.Evaluate`
            (which calls `MetricsConditionSource.Evaluate` for each rule) at a fixed time, {c.Times.Count} evaluations after 20 for warm-up, one thread,
            Release build; each rule alone below. Memory: `GC.GetTotalMemory(true)` before creating the store and after filling
            it (label sets included). Baseline in the same run: a real Prometheus {p.Version.Replace("prometheus, version ", "", StringComparison.Ordinal).Split(" (")[0]} scraping the same series
            (from a local endpoint writing the newest samples with `PrometheusTextWriter`, as Capstan's `/metrics` does) every
            {ScrapeEvery.TotalSeconds:0} s, `honor_labels: true`, with the same rules exported by `PrometheusRuleExporter`, evaluated every {ScrapeEvery.TotalSeconds:0} s; its
            figures are its own metrics: `prometheus_rule_group_last_duration_seconds` over {p.GroupSeconds.Count} evaluations after {PrometheusWarmUp.TotalSeconds:0} s of scraping
            (every window of the rules with data is 1 minute or shorter, so it evaluates over as much data as after 15 minutes),
            `process_resident_memory_bytes` and `go_memstats_heap_inuse_bytes` at start (nothing scraped) and at the end, and `prometheus_tsdb_head_series`.

            | | Capstan (`SeriesStore`, in-process) | Prometheus (separate process) |
            |---|---:|---:|
            | series held | {c.Series:N0} ({c.QueueSeries:N0} of `{SyntheticSeries.QueueFamily}`) | {p.HeadSeries:N0} (head, with its own `up`, `scrape_*` and `ALERTS` series) |
            | samples held | {c.Samples:N0} (15 min) | {p.HeadSamples:N0} appended ({p.Scrapes} scrapes) |
            | **one evaluation of the {rules.Count} rules** (median) | **{median:0.00} ms** | **{promMedian:0.00} ms** |
            | evaluation, p95 / max | {Stats.Percentile(c.Times, 0.95):0.00} / {c.Times.Max():0.00} ms | max {p.GroupSeconds.Max() * 1000:0.00} ms |
            | of which the {rules.Count} conditions alone (`MetricsConditionSource.Evaluate`, one pass, median) | {Stats.Median(c.Conditions):0.00} ms | |
            | evaluations per second that fit in one core | {1000 / median:0} | {1000 / promMedian:0} |
            | allocated per evaluation (median) | {Stats.Median(c.Allocated) / 1024:0} KiB | |
            | alerts firing / pending after evaluating | {c.Firing} / {c.Pending} | {p.Firing} firing |
            | **memory of the series** | **{Exposition.Mib(c.HeapBytes)}** (GC heap, after − before) | heap in use {Exposition.Mib(p.HeapFull)} (from {Exposition.Mib(p.HeapEmpty)} at start) |
            | process memory | (inside the server's process) | **RSS {Exposition.Mib(p.RssFull)}** (from {Exposition.Mib(p.RssEmpty)} at start) |
            | bytes per sample / per series | {(double)c.HeapBytes / c.Samples:0.0} B / {(double)c.HeapBytes / c.Series:0} B | |
            | filling 15 min of samples / one scrape | {c.Fill.TotalMilliseconds:0} ms | scrape of the endpoint {p.ScrapeSeconds * 1000:0} ms |

            {(c.Failures > 0 ? $"**{c.Failures} rule evaluations failed.**\n\n" : "")}| rule (`MetricsConditionSource.Evaluate` alone) | values | median |
            |---|---:|---:|
            {perRule.TrimEnd()}

            """;
    }
}
