using Capstan.State;
using Capstan.Testing;

namespace Capstan.Observability.Tests.Incidents;

/// <summary>A real state store (SQLite in a temp folder) per test, and a clock moved by hand.</summary>
public abstract class IncidentStoreTests : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2030, 3, 14, 14, 2, 0, TimeSpan.Zero);

    private readonly TempDirectory _temp = new();
    private IStateStore? _store;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected ManualClock Clock { get; } = new(T0);

    protected IStateStore Store => _store ?? throw new InvalidOperationException("The store is not open yet.");

    public async ValueTask InitializeAsync() =>
        _store = await StateStore.OpenAsync(StateLocation.Parse("sqlite:" + _temp.Combine("state.db")), Clock, Ct).DefaultTimeout();

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync().DefaultTimeout();
        }

        _temp.Dispose();
        GC.SuppressFinalize(this);
    }

    protected static DateTimeOffset At(int minutes, int seconds = 0) => T0.AddMinutes(minutes).AddSeconds(seconds);
}
