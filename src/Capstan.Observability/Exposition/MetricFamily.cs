namespace Capstan.Observability.Exposition;

/// <summary>
/// One metric family of a text exposition: its name, its <c># TYPE</c> (untyped when it had none), its <c># HELP</c>
/// text and its samples in the order they came. Compared by value, samples included.
/// </summary>
/// <remarks>
/// A histogram's samples are its <c>NAME_bucket{le="..."}</c>, <c>NAME_sum</c> and <c>NAME_count</c> series; a
/// summary's are <c>NAME{quantile="..."}</c>, <c>NAME_sum</c> and <c>NAME_count</c>. Every sample keeps its own series
/// name, suffix included, and the <c>le</c> and <c>quantile</c> labels stay in its labels.
/// </remarks>
public sealed record MetricFamily(string Name, MetricType Type, string? Help, IReadOnlyList<ParsedSample> Samples)
{
    public bool Equals(MetricFamily? other) =>
        other is not null
        && string.Equals(Name, other.Name, StringComparison.Ordinal)
        && Type == other.Type
        && string.Equals(Help, other.Help, StringComparison.Ordinal)
        && Samples.SequenceEqual(other.Samples);

    public override int GetHashCode() => HashCode.Combine(Name, Type, Help, Samples.Count);
}

/// <summary>
/// One sample line: the series name as written (<c>x_bucket</c>, <c>x_sum</c>, <c>x_count</c> or the family's own
/// name), its labels, its value (NaN and infinities included) and its timestamp in milliseconds since the Unix epoch
/// when the line had one.
/// </summary>
public sealed record ParsedSample(string Name, LabelSet Labels, double Value, long? TimestampMs)
{
    /// <summary>The timestamp as a point in time, or null when the line had none.</summary>
    public DateTimeOffset? Timestamp => TimestampMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
}
