namespace Capstan.Edge.Tests.Support;

/// <summary>A clock that moves only when told, for the metrics' one-second slots without sleeping.</summary>
internal sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
