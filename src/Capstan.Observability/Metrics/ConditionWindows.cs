namespace Capstan.Observability.Metrics;

/// <summary>
/// The time windows of the alert functions, shared by <see cref="MetricsConditionSource"/> and the PromQL the rule
/// exporter writes, so both look at the same samples.
/// </summary>
public static class ConditionWindows
{
    /// <summary>Request functions (error_rate, latency_*, rps) and cpu: "over the last minute".</summary>
    public static readonly TimeSpan Requests = TimeSpan.FromMinutes(1);

    /// <summary>restarts: "over the last 15 minutes".</summary>
    public static readonly TimeSpan Restarts = TimeSpan.FromMinutes(15);

    /// <summary>
    /// A gauge (up, memory, limits, disk, scraped series) counts only when it has a sample this recent: an instance
    /// or series that stopped reporting drops out instead of keeping its last value. Collectors and scrapes must run
    /// at least every 15 s to stay current.
    /// </summary>
    public static readonly TimeSpan Current = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Timestamps (certificate expiry, secret update, backup success) are written less often and count for this long;
    /// as the store removes a series after 10 minutes without samples, they are to be written every few minutes.
    /// </summary>
    public static readonly TimeSpan Timestamps = TimeSpan.FromMinutes(10);
}
