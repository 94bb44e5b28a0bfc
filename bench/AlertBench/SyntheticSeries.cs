using Capstan.Observability;
using Capstan.Observability.Metrics;

namespace AlertBench;

/// <summary>
/// The series of the evaluation benchmark, as a server watching three services would hold them: a scraped family of
/// <see cref="QueueSeries"/> label sets (queue depth per queue and worker instance, with the labels Capstan's scraper
/// adds), the edge's request series of each service (written by <see cref="HttpRequestSeries"/>, as the server does),
/// each instance's series, and the host's disk and a backup timestamp, so that every starter rule has data. Values are
/// functions of time, so the store and a live endpoint hold the same numbers.
/// </summary>
internal sealed class SyntheticSeries
{
    public const string QueueFamily = "app_queue_jobs";
    public const int QueueSeries = 10_000;
    public const string Env = "production";

    /// <summary>Services with their request rate (per second) and share of 5xx answers.</summary>
    public static readonly (string Name, double Rate, double Errors)[] Services = [("web", 50, 0.02), ("api", 20, 0.002), ("worker", 5, 0)];

    public const int InstancesPerService = 2;

    /// <summary>Cumulative share of requests at most each of <see cref="SeriesNames.LatencyBuckets"/>.</summary>
    private static readonly double[] BucketShares = [0.2, 0.4, 0.6, 0.75, 0.85, 0.92, 0.96, 0.98, 0.99, 0.995, 0.999, 1.0];

    private readonly LabelSet[] _queues;
    private readonly DateTimeOffset _origin;

    public SyntheticSeries(DateTimeOffset origin)
    {
        _origin = origin;
        _queues = new LabelSet[QueueSeries];
        for (var i = 0; i < QueueSeries; i++)
        {
            var instance = i % InstancesPerService + 1;
            _queues[i] = LabelSet.Of(
                (SeriesLabels.Env, Env),
                (SeriesLabels.Service, "worker"),
                (SeriesLabels.Version, "v7"),
                (SeriesLabels.Instance, $"worker-{instance}"),
                ("queue", $"queue-{i / InstancesPerService:0000}"));
        }
    }

    /// <summary>One scrape of the queue family at <paramref name="at"/>: 1 queue in 100 is above 1000 jobs.</summary>
    public IEnumerable<MetricSample> Queues(DateTimeOffset at)
    {
        var step = (long)(at - _origin).TotalSeconds / 15;
        for (var i = 0; i < _queues.Length; i++)
        {
            var value = i % 100 == 0 ? 1500 + (step % 10) : (i * 7919 + step) % 900;
            yield return new MetricSample(QueueFamily, _queues[i], value, at);
        }
    }

    /// <summary>What the edge counted for every service by <paramref name="at"/>, written as the server writes it each second.</summary>
    public void Requests(SeriesStore store, DateTimeOffset at)
    {
        var seconds = Math.Max(0, (at - _origin).TotalSeconds);
        foreach (var (name, rate, errors) in Services)
        {
            var requests = (long)(rate * seconds);
            HttpRequestSeries.Write(store, new HttpRequestTotals
            {
                Env = Env,
                Service = name,
                Version = "v7",
                Requests = requests,
                Errors = (long)(requests * errors),
                DurationCount = requests,
                DurationSumSeconds = requests * 0.04,
                DurationBuckets = [.. BucketShares.Select(s => (long)(requests * s))],
            }, at);
        }
    }

    /// <summary>Each instance's series (as <c>InstanceCollector</c> writes them every 5 s), the host's disk and a backup.</summary>
    public void Instances(SeriesStore store, DateTimeOffset at)
    {
        var seconds = Math.Max(0, (at - _origin).TotalSeconds);
        foreach (var (name, _, _) in Services)
        {
            for (var i = 1; i <= InstancesPerService; i++)
            {
                var labels = LabelSet.Of((SeriesLabels.Env, Env), (SeriesLabels.Service, name), (SeriesLabels.Version, "v7"), (SeriesLabels.Instance, $"{name}-{i}"));
                store.Append(SeriesNames.InstanceUp, labels, 1, at);
                store.Append(SeriesNames.InstanceCpuSeconds, labels, 0.05 * seconds, at);
                store.Append(SeriesNames.InstanceCpuLimit, labels, 0.5, at);
                store.Append(SeriesNames.InstanceMemory, labels, (120 + i) * 1024.0 * 1024, at);
                store.Append(SeriesNames.InstanceMemoryLimit, labels, 256 * 1024.0 * 1024, at);
                store.Append(SeriesNames.InstanceRestarts, labels, 0, at);
            }
        }

        var disk = LabelSet.Of((SeriesLabels.Path, "/var/lib/capstan"));
        store.Append(SeriesNames.HostDiskTotal, disk, 100e9, at);
        store.Append(SeriesNames.HostDiskFree, disk, 42e9, at);
        store.Append(SeriesNames.BackupLastSuccess, LabelSet.Of((SeriesLabels.Backup, "visits")), at.ToUnixTimeSeconds() - 1800, at);
    }

    /// <summary>
    /// The alert rules evaluated: the starter rules of examples/hello (for web), a few per service for the others,
    /// and two over the scraped family: one matching every series of it (100 of them fire) and one matching one queue.
    /// </summary>
    public const string Manifest = """
        version: 1
        app: shop
        services:
          web: { run: "dotnet Web.dll" }
          api: { run: "dotnet Api.dll" }
          worker: { run: "dotnet Worker.dll" }
        environments:
          production: {}
        backups:
          visits: { service: web, sqlite: visits.db, schedule: "0 * * * *", rpo: 1h }
        alerts:
          - { name: HighErrorRate, when: "error_rate(web) > 1%", for: 5m, severity: critical }
          - { name: SlowResponses, when: "latency_p95(web) > 1s", for: 5m, severity: warning }
          - { name: VerySlowResponses, when: "latency_p99(web) > 2s", for: 5m, severity: critical }
          - { name: InstancesDown, when: "up(web) < 1", for: 1m, severity: critical }
          - { name: HighMemory, when: "memory(web) > 80%", for: 10m, severity: warning }
          - { name: DiskAlmostFull, when: "disk_free() < 20%", for: 10m, severity: warning }
          - { name: BackupStale, when: "backup_age(visits) > 2h", severity: critical }
          - { name: ApiErrors, when: "error_rate(api) > 1%", for: 5m, severity: critical }
          - { name: ApiSlow, when: "latency_p95(api) > 500ms", for: 5m, severity: warning }
          - { name: WorkerCpu, when: "cpu(worker) > 90%", for: 10m, severity: warning }
          - { name: WorkerIdle, when: "rps(worker) < 1", for: 10m, severity: warning }
          - { name: QueueBacklog, when: "app_queue_jobs > 1000", for: 0s, severity: warning }
          - { name: MailQueueBacklog, when: "app_queue_jobs{queue=\"queue-0042\"} > 100", for: 0s, severity: warning }
        """;
}
