using Capstan.Manifest.Alerts;

namespace Capstan.Observability.Metrics;

/// <summary>
/// Evaluates alert conditions over a <see cref="SeriesStore"/>, each function as docs/manifest.md defines it and
/// docs/metrics.md details it. Service functions give one value per environment (labels <c>env</c> and
/// <c>service</c>); disk_free one per measured path, cert_expiry_days/secret_age/backup_age and scraped series one
/// per series (its labels). Every computation is the one the PromQL of <c>PrometheusRuleExporter</c> performs, over
/// the same windows (<see cref="ConditionWindows"/>). No data gives no value; a NaN is no value either.
/// </summary>
public sealed class MetricsConditionSource : IConditionSource
{
    private readonly SeriesStore _store;

    public MetricsConditionSource(SeriesStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    public IReadOnlyList<ConditionValue> Evaluate(AlertCondition condition, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var values = condition.IsSeries ? Scraped(condition, now) : Function(condition, now);
        return [.. values.Where(v => !double.IsNaN(v.Value))];
    }

    private IEnumerable<ConditionValue> Function(AlertCondition condition, DateTimeOffset now)
    {
        var argument = condition.Arguments.Count > 0 ? condition.Arguments[0].Value : "";
        var kind = condition.Threshold.Kind;
        return condition.Function switch
        {
            "error_rate" => ErrorRate(argument, now),
            "latency_p50" => Latency(0.5, argument, now),
            "latency_p95" => Latency(0.95, argument, now),
            "latency_p99" => Latency(0.99, argument, now),
            "rps" => SumByEnv(argument, _store.Rate(SeriesNames.HttpRequests, Service(argument), now, ConditionWindows.Requests)),
            "up" => Up(argument, now),
            "cpu" => Cpu(argument, now),
            "memory" => Memory(argument, kind == ThresholdKind.Percentage, now),
            "restarts" => SumByEnv(argument, _store.Increase(SeriesNames.InstanceRestarts, Service(argument), now, ConditionWindows.Restarts)),
            "disk_free" => DiskFree(kind == ThresholdKind.Percentage, now),
            "cert_expiry_days" => Timestamps(SeriesNames.CertificateExpiry, SeriesLabels.Host, argument, now, (at, nowSeconds) => (at - nowSeconds) / 86400),
            "secret_age" => Timestamps(SeriesNames.SecretUpdated, SeriesLabels.Secret, argument, now, (at, nowSeconds) => nowSeconds - at),
            "backup_age" => Timestamps(SeriesNames.BackupLastSuccess, SeriesLabels.Backup, argument, now, (at, nowSeconds) => nowSeconds - at),
            _ => throw new ArgumentException($"'{condition.Function}' is not an alert function; known: {string.Join(", ", AlertFunctions.All.Select(f => f.Name))}", nameof(condition)),
        };
    }

    /// <summary>increase(errors) / increase(requests) × 100 per environment; no errors series counts as 0, no requests as no value.</summary>
    private IEnumerable<ConditionValue> ErrorRate(string service, DateTimeOffset now)
    {
        var requests = SumByEnv(service, _store.Increase(SeriesNames.HttpRequests, Service(service), now, ConditionWindows.Requests));
        var errors = SumByEnv(service, _store.Increase(SeriesNames.HttpRequestErrors, Service(service), now, ConditionWindows.Requests))
            .ToDictionary(v => v.Labels, v => v.Value);
        foreach (var (group, count) in requests)
        {
            if (count > 0)
            {
                yield return new(group, errors.GetValueOrDefault(group) / count * 100);
            }
        }
    }

    /// <summary>The quantile of the duration buckets' increases added up per environment, where the +Inf bucket grew.</summary>
    private IEnumerable<ConditionValue> Latency(double quantile, string service, DateTimeOffset now)
    {
        var observed = SumByEnv(service, _store.Increase(
                SeriesNames.HttpRequestDurationBucket, Service(service).With(SeriesLabels.Le, "+Inf"), now, ConditionWindows.Requests))
            .Where(v => v.Value > 0)
            .Select(v => v.Labels)
            .ToHashSet();
        return _store.HistogramQuantile(quantile, SeriesNames.HttpRequestDuration, Service(service), now, ConditionWindows.Requests, [SeriesLabels.Env, SeriesLabels.Service])
            .Where(v => observed.Contains(v.Labels))
            .Select(v => new ConditionValue(v.Labels, v.Value));
    }

    /// <summary>How many current instance_up series are 1, per environment (0 when all are down, no value when none is current).</summary>
    private IEnumerable<ConditionValue> Up(string service, DateTimeOffset now)
    {
        var ups = _store.LastOverTime(SeriesNames.InstanceUp, Service(service), now, ConditionWindows.Current)
            .Select(v => v with { Value = v.Value == 1 ? 1 : 0 });
        return SumByEnv(service, ups);
    }

    /// <summary>avg per environment of rate(cpu seconds) / limit cores (1 without a limit), × 100.</summary>
    private IEnumerable<ConditionValue> Cpu(string service, DateTimeOffset now)
    {
        var limits = Positive(_store.LastOverTime(SeriesNames.InstanceCpuLimit, Service(service), now, ConditionWindows.Current));
        var shares = _store.Rate(SeriesNames.InstanceCpuSeconds, Service(service), now, ConditionWindows.Requests)
            .Select(v => v with { Value = v.Value / limits.GetValueOrDefault(v.Labels, 1) });
        return AverageByEnv(service, shares).Select(v => v with { Value = v.Value * 100 });
    }

    /// <summary>avg per environment of memory / limit × 100 (instances without a limit left out), or of memory in bytes.</summary>
    private IEnumerable<ConditionValue> Memory(string service, bool percentage, DateTimeOffset now)
    {
        var memory = _store.LastOverTime(SeriesNames.InstanceMemory, Service(service), now, ConditionWindows.Current);
        if (!percentage)
        {
            return AverageByEnv(service, memory);
        }

        var limits = Positive(_store.LastOverTime(SeriesNames.InstanceMemoryLimit, Service(service), now, ConditionWindows.Current));
        var shares = memory
            .Where(v => limits.ContainsKey(v.Labels))
            .Select(v => v with { Value = v.Value / limits[v.Labels] });
        return AverageByEnv(service, shares).Select(v => v with { Value = v.Value * 100 });
    }

    /// <summary>Free bytes, or free / total × 100, of each measured path.</summary>
    private IEnumerable<ConditionValue> DiskFree(bool percentage, DateTimeOffset now)
    {
        var free = _store.LastOverTime(SeriesNames.HostDiskFree, LabelSet.Empty, now, ConditionWindows.Current);
        if (!percentage)
        {
            return free.Select(v => new ConditionValue(v.Labels, v.Value));
        }

        var totals = Positive(_store.LastOverTime(SeriesNames.HostDiskTotal, LabelSet.Empty, now, ConditionWindows.Current));
        return free
            .Where(v => totals.ContainsKey(v.Labels))
            .Select(v => new ConditionValue(v.Labels, v.Value / totals[v.Labels] * 100));
    }

    private IEnumerable<ConditionValue> Timestamps(string series, string label, string argument, DateTimeOffset now, Func<double, double, double> compute)
    {
        var nowSeconds = now.ToUnixTimeMilliseconds() / 1000.0;
        return _store.LastOverTime(series, LabelSet.Of((label, argument)), now, ConditionWindows.Timestamps)
            .Select(v => new ConditionValue(v.Labels, compute(v.Value, nowSeconds)));
    }

    /// <summary>The latest value of each current series with the name and every label of the condition; a label given as "" must be absent.</summary>
    private IEnumerable<ConditionValue> Scraped(AlertCondition condition, DateTimeOffset now)
    {
        var matchers = LabelSet.From(condition.Labels);
        var absent = condition.Labels.Where(l => l.Value.Length == 0).Select(l => l.Key).ToList();
        return _store.LastOverTime(condition.Function, matchers, now, ConditionWindows.Current)
            .Where(v => absent.All(name => v.Labels[name] is null))
            .Select(v => new ConditionValue(v.Labels, v.Value));
    }

    private static LabelSet Service(string service) => LabelSet.Of((SeriesLabels.Service, service));

    private static LabelSet EnvGroup(LabelSet labels, string service) =>
        LabelSet.Of((SeriesLabels.Env, labels[SeriesLabels.Env] ?? ""), (SeriesLabels.Service, service));

    private static Dictionary<LabelSet, double> Positive(IEnumerable<SeriesValue> values) =>
        values.Where(v => v.Value > 0).ToDictionary(v => v.Labels, v => v.Value);

    private static List<ConditionValue> SumByEnv(string service, IEnumerable<SeriesValue> values) =>
        [.. values.GroupBy(v => EnvGroup(v.Labels, service)).Select(g => new ConditionValue(g.Key, g.Sum(v => v.Value)))];

    private static IEnumerable<ConditionValue> AverageByEnv(string service, IEnumerable<SeriesValue> values) =>
        values.GroupBy(v => EnvGroup(v.Labels, service)).Select(g => new ConditionValue(g.Key, g.Average(v => v.Value)));
}
