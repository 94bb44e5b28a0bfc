namespace Capstan.Observability.Metrics;

/// <summary>
/// Something a collector could not measure, for the diagnostics log: what (<c>host</c>, <c>instance production/api/i-2</c>,
/// <c>certificate shop.example:443</c>) and why. What could not be measured gets no sample, so alerts on it see no data.
/// </summary>
public sealed record CollectorProblem(string Subject, string Message)
{
    public override string ToString() => $"{Subject}: {Message}";
}
