namespace Capstan.Manifest.Alerts;

/// <summary>What a function's argument names.</summary>
public enum AlertArgumentKind
{
    None,
    Service,
    Host,
    Secret,
    Backup,
}

/// <summary>A built-in alert function: its argument and the units its threshold may use.</summary>
public sealed record AlertFunction(string Name, AlertArgumentKind Argument, IReadOnlyList<ThresholdKind> Units, string Description)
{
    public string Signature => Argument switch
    {
        AlertArgumentKind.None => $"{Name}()",
        AlertArgumentKind.Service => $"{Name}(service)",
        AlertArgumentKind.Host => $"{Name}(host)",
        AlertArgumentKind.Secret => $"{Name}(secret)",
        _ => $"{Name}(backup)",
    };
}

/// <summary>The functions alert conditions may use (docs/manifest.md lists them).</summary>
public static class AlertFunctions
{
    public static IReadOnlyList<AlertFunction> All { get; } =
    [
        new("error_rate", AlertArgumentKind.Service, [ThresholdKind.Percentage], "share of requests answered 5xx over the last minute"),
        new("latency_p50", AlertArgumentKind.Service, [ThresholdKind.Duration], "median request latency over the last minute"),
        new("latency_p95", AlertArgumentKind.Service, [ThresholdKind.Duration], "95th percentile request latency over the last minute"),
        new("latency_p99", AlertArgumentKind.Service, [ThresholdKind.Duration], "99th percentile request latency over the last minute"),
        new("rps", AlertArgumentKind.Service, [ThresholdKind.Number], "requests per second over the last minute"),
        new("up", AlertArgumentKind.Service, [ThresholdKind.Number], "instances passing their readiness check"),
        new("cpu", AlertArgumentKind.Service, [ThresholdKind.Percentage], "average CPU use of the service's instances, against their limit (or one core)"),
        new("memory", AlertArgumentKind.Service, [ThresholdKind.Percentage, ThresholdKind.Size], "average memory of the service's instances: share of their limit, or an amount"),
        new("restarts", AlertArgumentKind.Service, [ThresholdKind.Number], "instance restarts over the last 15 minutes"),
        new("disk_free", AlertArgumentKind.None, [ThresholdKind.Percentage, ThresholdKind.Size], "free space on the disk holding Capstan's data"),
        new("cert_expiry_days", AlertArgumentKind.Host, [ThresholdKind.Number], "days until the TLS certificate of a host expires"),
        new("secret_age", AlertArgumentKind.Secret, [ThresholdKind.Duration], "time since a secret's current version was set"),
        new("backup_age", AlertArgumentKind.Backup, [ThresholdKind.Duration], "time since a backup last succeeded"),
    ];

    public static AlertFunction? Find(string name) => All.FirstOrDefault(f => f.Name == name);
}
