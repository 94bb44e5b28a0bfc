namespace Capstan.Observability.Metrics;

/// <summary>
/// Prometheus's <c>increase</c> and <c>rate</c> of a counter over a window (promql/functions.go, extrapolatedRate, as
/// of Prometheus 3): the samples inside the window, a drop taken as a counter reset (the counter restarted from 0, so
/// the value after the drop is all increase), then the result stretched from the first-to-last sample span towards
/// the window's edges. It is stretched all the way to an edge that lies within 1.1 average sample intervals,
/// otherwise by half an interval, and never back past the point where the counter would have been 0.
/// </summary>
internal static class CounterMath
{
    /// <summary>The extrapolated increase, or null with fewer than two samples in the window.</summary>
    public static double? Increase(Series series, long rangeStartTicks, long rangeEndTicks)
    {
        var (start, count) = series.Window(rangeStartTicks, rangeEndTicks);
        if (count < 2)
        {
            return null;
        }

        var first = series.ValueAt(start);
        var last = series.ValueAt(start + count - 1);
        var result = last - first;
        var previous = first;
        for (var i = start + 1; i < start + count; i++)
        {
            var value = series.ValueAt(i);
            if (value < previous)
            {
                result += previous;
            }

            previous = value;
        }

        var firstTicks = series.TicksAt(start);
        var lastTicks = series.TicksAt(start + count - 1);
        var sampledInterval = Seconds(lastTicks - firstTicks);
        var averageInterval = sampledInterval / (count - 1);
        var toStart = Seconds(firstTicks - rangeStartTicks);
        var toEnd = Seconds(rangeEndTicks - lastTicks);

        var threshold = averageInterval * 1.1;
        if (toStart >= threshold)
        {
            toStart = averageInterval / 2;
        }

        // A counter is never negative: do not extrapolate the start back past its zero point.
        if (result > 0 && first >= 0)
        {
            var toZero = sampledInterval * (first / result);
            if (toZero < toStart)
            {
                toStart = toZero;
            }
        }

        if (toEnd >= threshold)
        {
            toEnd = averageInterval / 2;
        }

        // The factor first, as Prometheus multiplies by it: the last bit of the result then agrees too.
        return result * ((sampledInterval + toStart + toEnd) / sampledInterval);
    }

    private static double Seconds(long ticks) => ticks / (double)TimeSpan.TicksPerSecond;
}
