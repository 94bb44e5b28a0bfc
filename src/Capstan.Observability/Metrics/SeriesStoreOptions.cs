namespace Capstan.Observability.Metrics;

/// <summary>How much a <see cref="SeriesStore"/> keeps. docs/metrics.md works out the memory these limits allow.</summary>
public sealed record SeriesStoreOptions
{
    /// <summary>Samples older than this (behind the series' newest sample, or the clock when pruning) are dropped.</summary>
    public TimeSpan Retention { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>The most series held; a new series beyond it is refused and counted in <c>capstan_series_refused_total</c>.</summary>
    public int MaxSeries { get; init; } = 50_000;

    /// <summary>A series without a sample for this long is removed when the store prunes.</summary>
    public TimeSpan StaleAfter { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The most samples one series keeps, whatever the retention: 512 covers 15 minutes at one sample every 1.8 s.
    /// A series sampled faster keeps less than the retention.
    /// </summary>
    public int MaxSamplesPerSeries { get; init; } = 512;

    /// <summary>How often appends prune (drop old samples, remove stale series) by the store's clock.</summary>
    public TimeSpan PruneInterval { get; init; } = TimeSpan.FromSeconds(30);
}
