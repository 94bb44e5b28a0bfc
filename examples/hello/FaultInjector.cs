namespace Hello;

/// <summary>
/// Decides which requests to / fail on purpose, for canary and alert demos: every request while the FAULT_FILE
/// exists (a fault that starts and stops at a chosen moment, without a redeploy), and a random share (FAULT_RATE).
/// </summary>
public sealed class FaultInjector
{
    private readonly double _rate;
    private readonly Random _random;
    private readonly string? _faultFile;
    private readonly Lock _lock = new();

    public FaultInjector(double rate, int? seed, string? faultFile = null)
    {
        _rate = rate;
        _random = seed is { } s ? new Random(s) : new Random();
        _faultFile = faultFile;
    }

    /// <summary>
    /// True while the FAULT_FILE exists. Checked on every request (one stat call, a few microseconds), so the fault
    /// starts with the first request after the file is created and stops with the first after it is removed.
    /// </summary>
    public bool FaultFileExists() => _faultFile is not null && File.Exists(_faultFile);

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
