using System.Globalization;

namespace Capstan.Observability.Metrics;

/// <summary>
/// Series in memory: each is a metric name and a <see cref="LabelSet"/> with a ring of (time, value) samples, 16 bytes
/// a sample. Families carry a type and help text (<see cref="Describe"/>) for exposition. Samples older than the
/// retention are dropped; series without a sample for <see cref="SeriesStoreOptions.StaleAfter"/> are removed; a new
/// series beyond <see cref="SeriesStoreOptions.MaxSeries"/> is refused and counted. Thread-safe: one lock guards
/// everything, and queries copy what they return.
/// </summary>
public sealed class SeriesStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Dictionary<LabelSet, Series>> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (MetricType Type, string Help)> _families = new(StringComparer.Ordinal);
    private readonly TimeProvider _clock;
    private readonly long _retentionTicks;
    private int _seriesCount;
    private long _refused;
    private long _outOfOrder;
    private DateTimeOffset _lastPrune;

    public SeriesStore(SeriesStoreOptions? options = null, TimeProvider? clock = null)
    {
        Options = options ?? new SeriesStoreOptions();
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Options.Retention, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.MaxSeries, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.MaxSamplesPerSeries, 2, nameof(options));
        _clock = clock ?? TimeProvider.System;
        _retentionTicks = Options.Retention.Ticks;
        _lastPrune = _clock.GetUtcNow();
        var refused = SeriesNames.Families.Single(f => f.Name == SeriesNames.SeriesRefused);
        _families[refused.Name] = (refused.Type, refused.Help);
    }

    public SeriesStoreOptions Options { get; }

    /// <summary>Series held now.</summary>
    public int SeriesCount
    {
        get
        {
            lock (_gate)
            {
                return _seriesCount;
            }
        }
    }

    /// <summary>Samples held now, over all series.</summary>
    public long SampleCount
    {
        get
        {
            lock (_gate)
            {
                return _byName.Values.SelectMany(s => s.Values).Sum(s => (long)s.Count);
            }
        }
    }

    /// <summary>Appends refused because they would have created a series beyond the maximum (each attempt counts).</summary>
    public long RefusedSeries => Interlocked.Read(ref _refused);

    /// <summary>Samples dropped because they were older than their series' newest sample.</summary>
    public long OutOfOrderSamples => Interlocked.Read(ref _outOfOrder);

    /// <summary>
    /// Sets the type and help of a family. A histogram or summary is described by its base name; its <c>_bucket</c>,
    /// <c>_sum</c> and <c>_count</c> series are then exposed in it.
    /// </summary>
    public void Describe(string name, MetricType type, string help)
    {
        ValidateName(name);
        ArgumentNullException.ThrowIfNull(help);
        lock (_gate)
        {
            if (_families.Count >= Options.MaxSeries && !_families.ContainsKey(name))
            {
                return; // scraped garbage must not grow the metadata without bound either
            }

            _families[name] = (type, help);
        }
    }

    /// <summary>
    /// Appends one sample. False when it was refused: a new series beyond the maximum, or a sample older than its
    /// series' newest (a sample at the newest one's time replaces its value).
    /// </summary>
    public bool Append(string name, LabelSet labels, double value, DateTimeOffset timestamp)
    {
        ValidateName(name);
        ArgumentNullException.ThrowIfNull(labels);
        lock (_gate)
        {
            PruneIfDue();
            return AppendLocked(name, labels, value, timestamp.UtcTicks);
        }
    }

    /// <summary>Appends many samples under one lock; returns how many were accepted.</summary>
    public int Append(IEnumerable<MetricSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var accepted = 0;
        lock (_gate)
        {
            PruneIfDue();
            foreach (var sample in samples)
            {
                ValidateName(sample.Name);
                if (AppendLocked(sample.Name, sample.Labels, sample.Value, sample.Timestamp.UtcTicks))
                {
                    accepted++;
                }
            }
        }

        return accepted;
    }

    /// <summary>
    /// Drops samples older than the retention and removes series without a sample for
    /// <see cref="SeriesStoreOptions.StaleAfter"/>, both by the store's clock. Returns the number of series removed.
    /// Appends call it every <see cref="SeriesStoreOptions.PruneInterval"/>.
    /// </summary>
    public int Prune()
    {
        lock (_gate)
        {
            return PruneLocked();
        }
    }

    /// <summary>The newest sample of each series named <paramref name="name"/> that has every label of <paramref name="matchers"/>.</summary>
    public IReadOnlyList<SeriesValue> Latest(string name, LabelSet matchers)
    {
        ArgumentNullException.ThrowIfNull(matchers);
        var result = new List<SeriesValue>();
        lock (_gate)
        {
            foreach (var series in Matching(name, matchers))
            {
                result.Add(new(series.Labels, series.LastValue, FromTicks(series.LastTicks)));
            }
        }

        return result;
    }

    /// <summary>
    /// PromQL's <c>last_over_time(name{matchers}[window])</c>: the newest sample of each matching series, for series
    /// with a sample in (<paramref name="now"/> − <paramref name="window"/>, <paramref name="now"/>].
    /// </summary>
    public IReadOnlyList<SeriesValue> LastOverTime(string name, LabelSet matchers, DateTimeOffset now, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(matchers);
        var result = new List<SeriesValue>();
        var end = now.UtcTicks;
        lock (_gate)
        {
            foreach (var series in Matching(name, matchers))
            {
                var (start, count) = series.Window(end - window.Ticks, end);
                if (count > 0)
                {
                    var last = start + count - 1;
                    result.Add(new(series.Labels, series.ValueAt(last), FromTicks(series.TicksAt(last))));
                }
            }
        }

        return result;
    }

    /// <summary>The samples in (<paramref name="from"/>, <paramref name="to"/>] of each matching series that has any.</summary>
    public IReadOnlyList<SeriesSamples> Samples(string name, LabelSet matchers, DateTimeOffset from, DateTimeOffset to)
    {
        ArgumentNullException.ThrowIfNull(matchers);
        var result = new List<SeriesSamples>();
        lock (_gate)
        {
            foreach (var series in Matching(name, matchers))
            {
                var (start, count) = series.Window(from.UtcTicks, to.UtcTicks);
                if (count == 0)
                {
                    continue;
                }

                var points = new SamplePoint[count];
                for (var i = 0; i < count; i++)
                {
                    points[i] = new(FromTicks(series.TicksAt(start + i)), series.ValueAt(start + i));
                }

                result.Add(new(series.Labels, points));
            }
        }

        return result;
    }

    /// <summary>
    /// PromQL's <c>increase(name{matchers}[window])</c> at <paramref name="now"/>, per series: counter resets handled
    /// and the result extrapolated to the window's edges as Prometheus does. A series with fewer than two samples in
    /// the window has no value. <see cref="SeriesValue.Timestamp"/> is <paramref name="now"/>.
    /// </summary>
    public IReadOnlyList<SeriesValue> Increase(string name, LabelSet matchers, DateTimeOffset now, TimeSpan window) =>
        Extrapolated(name, matchers, now, window, perSecond: false);

    /// <summary>PromQL's <c>rate(name{matchers}[window])</c>: <see cref="Increase"/> divided by the window in seconds.</summary>
    public IReadOnlyList<SeriesValue> Rate(string name, LabelSet matchers, DateTimeOffset now, TimeSpan window) =>
        Extrapolated(name, matchers, now, window, perSecond: true);

    /// <summary>
    /// PromQL's <c>histogram_quantile(q, sum by (by…, le) (increase(histogram_bucket{matchers}[window])))</c>: the
    /// bucket counters of <paramref name="histogram"/> (base name, without <c>_bucket</c>) increased over the window,
    /// added up per group of the <paramref name="by"/> labels and <c>le</c>, and the quantile of each group
    /// (<see cref="HistogramMath.Quantile"/>). A group without observations in the window has no value. Buckets
    /// whose <c>le</c> is missing or not a number are ignored.
    /// </summary>
    public IReadOnlyList<SeriesValue> HistogramQuantile(
        double quantile, string histogram, LabelSet matchers, DateTimeOffset now, TimeSpan window, IReadOnlyCollection<string> by)
    {
        ArgumentNullException.ThrowIfNull(by);
        var groups = new Dictionary<LabelSet, List<(double, double)>>();
        foreach (var bucket in Increase(histogram + "_bucket", matchers, now, window))
        {
            if (!TryParseBound(bucket.Labels[SeriesLabels.Le], out var bound))
            {
                continue;
            }

            var group = LabelSet.From(by.Select(l => new KeyValuePair<string, string>(l, bucket.Labels[l] ?? "")));
            if (!groups.TryGetValue(group, out var buckets))
            {
                groups[group] = buckets = [];
            }

            buckets.Add((bound, bucket.Value));
        }

        var result = new List<SeriesValue>();
        foreach (var (group, buckets) in groups)
        {
            var value = HistogramMath.Quantile(quantile, buckets);
            if (!double.IsNaN(value))
            {
                result.Add(new(group, value, now));
            }
        }

        return result;
    }

    /// <summary>
    /// <see cref="Snapshot"/> in the Prometheus text format (<see cref="Exposition.PrometheusTextWriter"/>), with each
    /// sample's time: what Capstan's <c>/metrics</c> serves.
    /// </summary>
    public string Exposition() => Capstan.Observability.Exposition.PrometheusTextWriter.Write(Snapshot().Select(f => new Capstan.Observability.Exposition.MetricFamily(
        f.Name, f.Type, f.Help, [.. f.Series.Select(s => new Capstan.Observability.Exposition.ParsedSample(s.Name, s.Labels, s.Value, s.Timestamp.ToUnixTimeMilliseconds()))])));

    /// <summary>
    /// Every family with at least one series, by name, each series' newest sample, for <c>/metrics</c>; the store's own
    /// <c>capstan_series_refused_total</c> is among them. Histogram series come grouped by labels, buckets by bound.
    /// </summary>
    public IReadOnlyList<MetricFamilySnapshot> Snapshot()
    {
        var families = new SortedDictionary<string, List<MetricSample>>(StringComparer.Ordinal);
        var now = _clock.GetUtcNow();
        lock (_gate)
        {
            foreach (var (name, byLabels) in _byName)
            {
                if (byLabels.Count == 0)
                {
                    continue;
                }

                var family = FamilyOf(name);
                if (!families.TryGetValue(family, out var samples))
                {
                    families[family] = samples = [];
                }

                foreach (var series in byLabels.Values)
                {
                    samples.Add(new(name, series.Labels, series.LastValue, FromTicks(series.LastTicks)));
                }
            }

            if (!families.ContainsKey(SeriesNames.SeriesRefused))
            {
                families[SeriesNames.SeriesRefused] = [new(SeriesNames.SeriesRefused, LabelSet.Empty, RefusedSeries, now)];
            }

            return [.. families.Select(f =>
            {
                var (type, help) = _families.GetValueOrDefault(f.Key, (MetricType.Untyped, ""));
                f.Value.Sort(CompareForExposition);
                return new MetricFamilySnapshot(f.Key, type, help, f.Value);
            })];
        }
    }

    internal static bool TryParseBound(string? text, out double bound)
    {
        bound = 0;
        if (text is null)
        {
            return false;
        }

        if (text is "+Inf" or "Inf" or "+inf" or "inf")
        {
            bound = double.PositiveInfinity;
            return true;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out bound) && !double.IsNaN(bound);
    }

    private static void ValidateName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (!(char.IsAsciiLetter(c) || c is '_' or ':' || (i > 0 && char.IsAsciiDigit(c))))
            {
                throw new ArgumentException($"'{name}' is not a metric name: letters, digits, '_' and ':', not starting with a digit.", nameof(name));
            }
        }
    }

    private static DateTimeOffset FromTicks(long ticks) => new(ticks, TimeSpan.Zero);

    private static int CompareForExposition(MetricSample a, MetricSample b)
    {
        var byLabels = string.CompareOrdinal(a.Labels.With(SeriesLabels.Le, "").ToString(), b.Labels.With(SeriesLabels.Le, "").ToString());
        if (byLabels != 0)
        {
            return byLabels;
        }

        var byName = SuffixRank(a.Name).CompareTo(SuffixRank(b.Name));
        if (byName != 0)
        {
            return byName;
        }

        byName = string.CompareOrdinal(a.Name, b.Name);
        if (byName != 0)
        {
            return byName;
        }

        TryParseBound(a.Labels[SeriesLabels.Le], out var boundA);
        TryParseBound(b.Labels[SeriesLabels.Le], out var boundB);
        return boundA.CompareTo(boundB);
    }

    private static int SuffixRank(string name) =>
        name.EndsWith("_bucket", StringComparison.Ordinal) ? 1
        : name.EndsWith("_sum", StringComparison.Ordinal) ? 2
        : name.EndsWith("_count", StringComparison.Ordinal) ? 3
        : 0;

    private IReadOnlyList<SeriesValue> Extrapolated(string name, LabelSet matchers, DateTimeOffset now, TimeSpan window, bool perSecond)
    {
        ArgumentNullException.ThrowIfNull(matchers);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        var result = new List<SeriesValue>();
        var end = now.UtcTicks;
        lock (_gate)
        {
            foreach (var series in Matching(name, matchers))
            {
                if (CounterMath.Increase(series, end - window.Ticks, end) is { } increase)
                {
                    result.Add(new(series.Labels, perSecond ? increase / window.TotalSeconds : increase, now));
                }
            }
        }

        return result;
    }

    private IEnumerable<Series> Matching(string name, LabelSet matchers)
    {
        if (!_byName.TryGetValue(name, out var byLabels))
        {
            yield break;
        }

        foreach (var series in byLabels.Values)
        {
            if (series.Count > 0 && series.Labels.Contains(matchers))
            {
                yield return series;
            }
        }
    }

    private string FamilyOf(string seriesName)
    {
        if (_families.ContainsKey(seriesName))
        {
            return seriesName;
        }

        foreach (var suffix in (ReadOnlySpan<string>)["_bucket", "_sum", "_count"])
        {
            if (seriesName.EndsWith(suffix, StringComparison.Ordinal)
                && _families.TryGetValue(seriesName[..^suffix.Length], out var family)
                && (family.Type == MetricType.Histogram || (family.Type == MetricType.Summary && suffix != "_bucket")))
            {
                return seriesName[..^suffix.Length];
            }
        }

        return seriesName;
    }

    private bool AppendLocked(string name, LabelSet labels, double value, long ticks)
    {
        if (!_byName.TryGetValue(name, out var byLabels))
        {
            byLabels = new Dictionary<LabelSet, Series>();
            _byName[name] = byLabels;
        }

        if (!byLabels.TryGetValue(labels, out var series))
        {
            if (_seriesCount >= Options.MaxSeries)
            {
                Interlocked.Increment(ref _refused);
                if (byLabels.Count == 0)
                {
                    _byName.Remove(name);
                }

                return false;
            }

            series = new Series(name, labels);
            byLabels[labels] = series;
            _seriesCount++;
        }

        if (!series.Append(ticks, value, Options.MaxSamplesPerSeries))
        {
            Interlocked.Increment(ref _outOfOrder);
            return false;
        }

        series.DropBefore(ticks - _retentionTicks);
        return true;
    }

    private void PruneIfDue()
    {
        if (_clock.GetUtcNow() - _lastPrune >= Options.PruneInterval)
        {
            PruneLocked();
        }
    }

    private int PruneLocked()
    {
        var now = _clock.GetUtcNow();
        _lastPrune = now;
        var oldest = now.UtcTicks - _retentionTicks;
        var staleBefore = now.UtcTicks - Options.StaleAfter.Ticks;
        var removed = 0;
        List<string>? emptyNames = null;
        foreach (var (name, byLabels) in _byName)
        {
            List<LabelSet>? stale = null;
            foreach (var (labels, series) in byLabels)
            {
                series.DropBefore(oldest);
                if (series.Count == 0 || series.LastTicks < staleBefore)
                {
                    (stale ??= []).Add(labels);
                }
            }

            foreach (var labels in stale ?? [])
            {
                byLabels.Remove(labels);
                removed++;
            }

            if (byLabels.Count == 0)
            {
                (emptyNames ??= []).Add(name);
            }
        }

        foreach (var name in emptyNames ?? [])
        {
            _byName.Remove(name);
        }

        _seriesCount -= removed;
        return removed;
    }
}
