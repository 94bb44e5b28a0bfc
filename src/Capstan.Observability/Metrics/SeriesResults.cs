namespace Capstan.Observability.Metrics;

/// <summary>One value of one series of a query: its labels (the name is the query's), the value and its time.</summary>
public sealed record SeriesValue(LabelSet Labels, double Value, DateTimeOffset Timestamp);

/// <summary>One sample of a series.</summary>
public readonly record struct SamplePoint(DateTimeOffset Timestamp, double Value);

/// <summary>The samples of one series in a window, oldest first.</summary>
public sealed record SeriesSamples(LabelSet Labels, IReadOnlyList<SamplePoint> Samples);

/// <summary>
/// A metric family as <c>/metrics</c> exposes it: its name (for a histogram, without <c>_bucket</c>/<c>_sum</c>/<c>_count</c>),
/// type, help and the latest sample of each of its series. <see cref="MetricSample.Name"/> is the series name.
/// </summary>
public sealed record MetricFamilySnapshot(string Name, MetricType Type, string Help, IReadOnlyList<MetricSample> Series);
