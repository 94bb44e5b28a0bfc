namespace Capstan.Observability.Metrics;

/// <summary>
/// One series' samples, oldest first, in a ring of two parallel arrays: timestamps as UTC ticks (<see cref="long"/>)
/// and values (<see cref="double"/>), 16 bytes a sample and no object per sample. The ring starts small, doubles up
/// to the store's per-series maximum and then overwrites its oldest sample; it halves again when retention leaves it
/// mostly empty. Not thread-safe: <see cref="SeriesStore"/> holds its lock around every call.
/// </summary>
internal sealed class Series
{
    internal const int InitialCapacity = 8;

    private long[] _ticks = new long[InitialCapacity];
    private double[] _values = new double[InitialCapacity];
    private int _head;

    public Series(string name, LabelSet labels)
    {
        Name = name;
        Labels = labels;
    }

    public string Name { get; }

    public LabelSet Labels { get; }

    public int Count { get; private set; }

    public int Capacity => _ticks.Length;

    public long LastTicks => _ticks[Physical(Count - 1)];

    public double LastValue => _values[Physical(Count - 1)];

    public long TicksAt(int index) => _ticks[Physical(index)];

    public double ValueAt(int index) => _values[Physical(index)];

    /// <summary>
    /// Adds a sample after the last one; a sample at the last one's time replaces its value. False, and nothing
    /// changes, for a sample older than the last one.
    /// </summary>
    public bool Append(long ticks, double value, int maxSamples)
    {
        if (Count > 0)
        {
            var last = LastTicks;
            if (ticks < last)
            {
                return false;
            }

            if (ticks == last)
            {
                _values[Physical(Count - 1)] = value;
                return true;
            }
        }

        if (Count == _ticks.Length)
        {
            if (_ticks.Length < maxSamples)
            {
                Resize(Math.Min(maxSamples, _ticks.Length * 2));
            }
            else
            {
                // Full at the maximum: the oldest sample makes room.
                _head = Physical(1);
                Count--;
            }
        }

        var at = Physical(Count);
        _ticks[at] = ticks;
        _values[at] = value;
        Count++;
        return true;
    }

    /// <summary>Drops the samples older than <paramref name="minTicks"/>, and gives memory back when few are left.</summary>
    public void DropBefore(long minTicks)
    {
        while (Count > 0 && _ticks[_head] < minTicks)
        {
            _head = Physical(1);
            Count--;
        }

        if (_ticks.Length > InitialCapacity && Count <= _ticks.Length / 4)
        {
            Resize(Math.Max(InitialCapacity, _ticks.Length / 2));
        }
    }

    /// <summary>The samples with <paramref name="fromExclusive"/> &lt; time &lt;= <paramref name="toInclusive"/>: first index and count.</summary>
    public (int Start, int Count) Window(long fromExclusive, long toInclusive)
    {
        var start = FirstIndexAfter(fromExclusive);
        var end = FirstIndexAfter(toInclusive);
        return (start, Math.Max(0, end - start));
    }

    private int FirstIndexAfter(long ticks)
    {
        int low = 0, high = Count;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (TicksAt(middle) <= ticks)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    private int Physical(int index)
    {
        var at = _head + index;
        return at >= _ticks.Length ? at - _ticks.Length : at;
    }

    private void Resize(int capacity)
    {
        var ticks = new long[capacity];
        var values = new double[capacity];
        for (var i = 0; i < Count; i++)
        {
            ticks[i] = TicksAt(i);
            values[i] = ValueAt(i);
        }

        _ticks = ticks;
        _values = values;
        _head = 0;
    }
}
