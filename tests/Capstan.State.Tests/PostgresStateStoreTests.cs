using Capstan.Testing;
using Npgsql;

namespace Capstan.State.Tests;

/// <summary>
/// The contract on a real PostgreSQL server, plus what only PostgreSQL has: URLs and passwords. The class has its own
/// database and each test its own empty schema in it.
/// </summary>
public sealed class PostgresStateStoreTests : StateStoreContract, IClassFixture<PostgresDatabase>
{
    /// <summary>Every store here connects with this password (the test cluster trusts any), so its redaction is checked throughout.</summary>
    private const string Password = "s3cret-pw";

    private readonly PostgresDatabase _database;
    private readonly PostgresServer _server;

    public PostgresStateStoreTests(PostgresDatabase database)
    {
        _database = database;
        _server = database.Server;
    }

    protected override async Task<StateLocation> CreateLocationAsync()
    {
        var schema = await _database.CreateSchemaAsync(Ct).DefaultTimeout();
        return StateLocation.Parse(_database.Url(schema, _server.IsExternal ? null : Password));
    }

    [Fact]
    public void DisplayLocation_HidesThePassword()
    {
        if (_server.IsExternal)
        {
            Store.DisplayLocation.ShouldNotContain(_server.Password ?? "\0");
            return;
        }

        Store.DisplayLocation.ShouldBe($"postgres://postgres:***@127.0.0.1:{_server.Port}/{_database.Name}");
        Store.DisplayLocation.ShouldNotContain(Password);
        Location.ToString().ShouldNotContain(Password);
    }

    [Fact]
    public async Task Open_WhenTheServerIsUnreachable_FailsWithoutShowingThePassword()
    {
        var port = FreePort.Get();
        var location = StateLocation.Parse($"postgres://capstan:{Password}@127.0.0.1:{port}/capstan");

        var error = await Should.ThrowAsync<StateStoreException>(() => OpenAsync(location));

        error.Message.ShouldStartWith($"cannot open state store postgres://capstan:***@127.0.0.1:{port}/capstan: cannot reach the PostgreSQL server: ");
        error.ToString().ShouldNotContain(Password);
    }

    [Fact]
    public async Task Open_WhenTheDatabaseDoesNotExist_FailsNamingIt()
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = _server.Host,
            Port = _server.Port,
            Username = _server.User,
            Password = _server.Password ?? Password,
            Database = "no_such_database",
        };
        var location = StateLocation.Parse(builder.ConnectionString);

        var error = await Should.ThrowAsync<StateStoreException>(() => OpenAsync(location));

        error.Message.ShouldStartWith($"cannot open state store {location.DisplayLocation}: the database does not exist: ");
        error.Message.ShouldContain("no_such_database");
        error.ToString().ShouldNotContain(builder.Password);
    }

    [Fact]
    public async Task Open_WithAnNpgsqlConnectionString_Works()
    {
        var url = await _server.CreateDatabaseAsync(Ct).DefaultTimeout();
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = _server.Host,
            Port = _server.Port,
            Username = _server.User,
            Password = _server.Password ?? Password,
            Database = url[(url.LastIndexOf('/') + 1)..],
        };

        await using var store = await OpenAsync(StateLocation.Parse(builder.ConnectionString));

        store.SchemaVersion.ShouldBe(Migrations.All.Count);
        store.DisplayLocation.ShouldNotContain(builder.Password);
    }
}
