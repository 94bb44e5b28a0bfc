namespace Capstan.Observability;

/// <summary>The type of a metric family, as the Prometheus text format's <c># TYPE</c> line names it.</summary>
public enum MetricType
{
    /// <summary><c>untyped</c>: no TYPE line, or one Capstan does not know.</summary>
    Untyped,

    /// <summary><c>counter</c>: only goes up, except when the process restarts.</summary>
    Counter,

    /// <summary><c>gauge</c></summary>
    Gauge,

    /// <summary><c>histogram</c>: <c>_bucket{le}</c>, <c>_sum</c> and <c>_count</c> series.</summary>
    Histogram,

    /// <summary><c>summary</c>: <c>{quantile}</c>, <c>_sum</c> and <c>_count</c> series.</summary>
    Summary,
}

/// <summary>One value of one series at one time. <see cref="Name"/> is the series name, suffix included (<c>x_bucket</c>).</summary>
public sealed record MetricSample(string Name, LabelSet Labels, double Value, DateTimeOffset Timestamp);
