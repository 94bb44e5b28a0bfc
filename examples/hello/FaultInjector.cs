namespace Hello;

/// <summary>Decides which requests to / fail on purpose, for canary and alert demos (FAULT_RATE).</summary>
public sealed class FaultInjector
{
    private readonly double _rate;
    private readonly Random _random;
    private readonly Lock _lock = new();

    public FaultInjector(double rate, int? seed)
    {
        _rate = rate;
        _random = seed is { } s ? new Random(s) : new Random();
    }

    public bool ShouldFail()
    {
        if (_rate <= 0)
        {
            return false;
        }

        // Random is not thread-safe; requests draw from it concurrently.
        lock (_lock)
        {
            return _random.NextDouble() < _rate;
        }
    }
}
