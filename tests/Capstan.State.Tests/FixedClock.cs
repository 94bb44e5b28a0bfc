namespace Capstan.State.Tests;

/// <summary>A clock that says what it is told.</summary>
internal sealed class FixedClock : TimeProvider
{
    public FixedClock(DateTimeOffset now)
    {
        Now = now;
    }

    public DateTimeOffset Now { get; set; }

    public override DateTimeOffset GetUtcNow() => Now;
}
