using Capstan.Secrets.Keys;
using Capstan.Secrets.Vault;
using Capstan.State;
using Capstan.Testing;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Capstan.Secrets.Tests.Vault;

/// <summary>A clock the tests move by hand.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>One engine under the vault tests: a store location and raw SQL to tamper with it.</summary>
public abstract class VaultEngine : IAsyncDisposable
{
    public abstract Task<StateLocation> LocationAsync(CancellationToken cancellationToken);

    /// <summary>Runs SQL directly against the database, as an attacker with access to it would.</summary>
    public abstract Task ExecuteAsync(string sql, CancellationToken cancellationToken);

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

public sealed class SqliteEngine : VaultEngine
{
    private readonly TempDirectory _folder = new();

    public string File => _folder.Combine(".capstan", "state.db");

    public override Task<StateLocation> LocationAsync(CancellationToken cancellationToken) => Task.FromResult(StateLocation.ForSqliteFile(File));

    public override async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection($"Data Source={File}");
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public override ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        _folder.Dispose();
        return ValueTask.CompletedTask;
    }
}

public sealed class PostgresEngine(PostgresServer server) : VaultEngine
{
    private string? _url;

    public override async Task<StateLocation> LocationAsync(CancellationToken cancellationToken) =>
        StateLocation.Parse(_url ??= await server.CreateDatabaseAsync(cancellationToken));

    public override async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        var location = await LocationAsync(cancellationToken);
        await using var source = NpgsqlDataSource.Create(ToConnectionString(_url!));
        await using var command = source.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(cancellationToken);
        _ = location;
    }

    private static string ToConnectionString(string url)
    {
        var uri = new Uri(url);
        var user = Uri.UnescapeDataString(uri.UserInfo.Split(':')[0]);
        return $"Host={uri.Host};Port={uri.Port};Username={user};Database={uri.AbsolutePath.TrimStart('/')}";
    }
}

/// <summary>A vault over a fresh store, with keys and a clock the test controls.</summary>
public sealed class VaultHarness : IAsyncDisposable
{
    private VaultHarness(IStateStore store, KeyRing keys, ManualClock clock)
    {
        Store = store;
        Keys = keys;
        Clock = clock;
        Vault = new SecretVault(store, keys, "shop", "ana", clock);
    }

    public IStateStore Store { get; }

    public KeyRing Keys { get; }

    internal ManualClock Clock { get; }

    public SecretVault Vault { get; }

    public static async Task<VaultHarness> OpenAsync(VaultEngine engine, CancellationToken cancellationToken, KeyRing? keys = null)
    {
        var store = await StateStore.OpenAsync(await engine.LocationAsync(cancellationToken), TimeProvider.System, cancellationToken);
        return new VaultHarness(store, keys ?? new KeyRing(MasterKey.Generate(), "a test key"), new ManualClock(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero)));
    }

    /// <summary>Another vault on the same store: another person, or another key.</summary>
    public SecretVault With(KeyRing? keys = null, string actor = "ben") => new(Store, keys ?? Keys, "shop", actor, Clock);

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        Keys.Dispose();
    }
}
