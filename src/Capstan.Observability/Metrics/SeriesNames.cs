namespace Capstan.Observability.Metrics;

/// <summary>
/// The names of the series Capstan itself writes, in one place: the alert functions read them and the exported
/// Prometheus rules (<c>PrometheusRuleExporter</c>) query them, so a name changed here changes both. docs/metrics.md
/// lists them.
/// </summary>
public static class SeriesNames
{
    /// <summary>Requests through the edge, counter, labels env, service, version.</summary>
    public const string HttpRequests = "capstan_http_requests_total";

    /// <summary>Requests the edge answered 5xx, counter, labels env, service, version.</summary>
    public const string HttpRequestErrors = "capstan_http_request_errors_total";

    /// <summary>Request duration histogram family (seconds): <c>_bucket{le}</c>, <c>_sum</c>, <c>_count</c>.</summary>
    public const string HttpRequestDuration = "capstan_http_request_duration_seconds";

    public const string HttpRequestDurationBucket = HttpRequestDuration + "_bucket";

    public const string HttpRequestDurationSum = HttpRequestDuration + "_sum";

    public const string HttpRequestDurationCount = HttpRequestDuration + "_count";

    /// <summary>1 when the instance passes its readiness check, else 0; labels env, service, version, instance.</summary>
    public const string InstanceUp = "capstan_instance_up";

    /// <summary>CPU time (user + system) of the instance's process, counter.</summary>
    public const string InstanceCpuSeconds = "capstan_instance_cpu_seconds_total";

    /// <summary>Resident memory of the instance's process, gauge.</summary>
    public const string InstanceMemory = "capstan_instance_memory_bytes";

    /// <summary>Restarts of the instance, counter.</summary>
    public const string InstanceRestarts = "capstan_instance_restarts_total";

    /// <summary>The instance's CPU limit in cores; only when the service declares one.</summary>
    public const string InstanceCpuLimit = "capstan_instance_cpu_limit_cores";

    /// <summary>The instance's memory limit; only when the service declares one.</summary>
    public const string InstanceMemoryLimit = "capstan_instance_memory_limit_bytes";

    /// <summary>CPU time of the host over all CPUs, counter, label mode: <c>busy</c> or <c>idle</c>.</summary>
    public const string HostCpuSeconds = "capstan_host_cpu_seconds_total";

    public const string HostCpus = "capstan_host_cpus";

    public const string HostMemoryTotal = "capstan_host_memory_total_bytes";

    public const string HostMemoryAvailable = "capstan_host_memory_available_bytes";

    /// <summary>Size of the file system holding a path, label path.</summary>
    public const string HostDiskTotal = "capstan_host_disk_total_bytes";

    /// <summary>Space an unprivileged user may still write on the file system holding a path, label path.</summary>
    public const string HostDiskFree = "capstan_host_disk_free_bytes";

    /// <summary>NotAfter of the leaf certificate a host serves, in Unix seconds, label host.</summary>
    public const string CertificateExpiry = "capstan_cert_expiry_timestamp_seconds";

    /// <summary>When a secret's current version was set, Unix seconds, label secret.</summary>
    public const string SecretUpdated = "capstan_secret_updated_timestamp_seconds";

    /// <summary>When a backup last succeeded, Unix seconds, label backup.</summary>
    public const string BackupLastSuccess = "capstan_backup_last_success_timestamp_seconds";

    /// <summary>New series the <see cref="SeriesStore"/> refused because it held its maximum number of series.</summary>
    public const string SeriesRefused = "capstan_series_refused_total";

    /// <summary>
    /// Upper bounds (seconds) of <see cref="HttpRequestDurationBucket"/>, from 5 ms to 10 s, +Inf not included. The
    /// thresholds the starter alerts use (750 ms, 1 s, 2 s) are bounds, so they are read exactly, not interpolated.
    /// </summary>
    public static IReadOnlyList<double> LatencyBuckets { get; } = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 2, 5, 10];

    /// <summary>Every family above, with its type, help text and labels.</summary>
    public static IReadOnlyList<SeriesFamily> Families { get; } =
    [
        new(HttpRequests, MetricType.Counter, "Requests through the edge.", [SeriesLabels.Env, SeriesLabels.Service, SeriesLabels.Version]),
        new(HttpRequestErrors, MetricType.Counter, "Requests the edge answered with a 5xx status.", [SeriesLabels.Env, SeriesLabels.Service, SeriesLabels.Version]),
        new(HttpRequestDuration, MetricType.Histogram, "Request duration through the edge, first byte in to last byte out.", [SeriesLabels.Env, SeriesLabels.Service, SeriesLabels.Version, SeriesLabels.Le]),
        new(InstanceUp, MetricType.Gauge, "1 when the instance passes its readiness check, else 0.", InstanceLabels),
        new(InstanceCpuSeconds, MetricType.Counter, "CPU time (user and system) of the instance's process.", InstanceLabels),
        new(InstanceMemory, MetricType.Gauge, "Resident memory of the instance's process.", InstanceLabels),
        new(InstanceRestarts, MetricType.Counter, "Restarts of the instance.", InstanceLabels),
        new(InstanceCpuLimit, MetricType.Gauge, "CPU limit of the instance in cores.", InstanceLabels),
        new(InstanceMemoryLimit, MetricType.Gauge, "Memory limit of the instance.", InstanceLabels),
        new(HostCpuSeconds, MetricType.Counter, "CPU time of the host, all CPUs together, busy or idle.", [SeriesLabels.Mode]),
        new(HostCpus, MetricType.Gauge, "CPUs of the host.", []),
        new(HostMemoryTotal, MetricType.Gauge, "Memory of the host.", []),
        new(HostMemoryAvailable, MetricType.Gauge, "Memory available for new work without swapping (MemAvailable).", []),
        new(HostDiskTotal, MetricType.Gauge, "Size of the file system holding the path.", [SeriesLabels.Path]),
        new(HostDiskFree, MetricType.Gauge, "Free space an unprivileged user may use on the file system holding the path.", [SeriesLabels.Path]),
        new(CertificateExpiry, MetricType.Gauge, "When the TLS certificate a host serves expires, Unix seconds.", [SeriesLabels.Host]),
        new(SecretUpdated, MetricType.Gauge, "When the secret's current version was set, Unix seconds.", [SeriesLabels.Secret]),
        new(BackupLastSuccess, MetricType.Gauge, "When the backup last succeeded, Unix seconds.", [SeriesLabels.Backup]),
        new(SeriesRefused, MetricType.Counter, "New series refused because the store held its maximum number of series.", []),
    ];

    private static string[] InstanceLabels => [SeriesLabels.Env, SeriesLabels.Service, SeriesLabels.Version, SeriesLabels.Instance];

    /// <summary>Gives the store the type and help of every family above, for exposition.</summary>
    public static void DescribeAll(SeriesStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        foreach (var family in Families)
        {
            store.Describe(family.Name, family.Type, family.Help);
        }
    }
}

/// <summary>The label names of Capstan's own series.</summary>
public static class SeriesLabels
{
    public const string Env = "env";
    public const string Service = "service";
    public const string Version = "version";
    public const string Instance = "instance";
    public const string Mode = "mode";
    public const string Path = "path";
    public const string Host = "host";
    public const string Secret = "secret";
    public const string Backup = "backup";

    /// <summary>A histogram bucket's upper bound, <c>+Inf</c> for the last.</summary>
    public const string Le = "le";
}

/// <summary>A family of series Capstan writes: its name (without histogram suffixes), type, help and labels.</summary>
public sealed record SeriesFamily(string Name, MetricType Type, string Help, IReadOnlyList<string> Labels);
