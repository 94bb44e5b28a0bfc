using System.Data.Common;
using Npgsql;

namespace Capstan.State;

internal sealed class PostgresStateDatabase : StateDatabase
{
    // The key of the advisory lock that serializes migrations: "Capstan" in ASCII.
    private const long MigrationLockKey = 0x43617073_74616E;

    private readonly NpgsqlDataSource _dataSource;

    public PostgresStateDatabase(StateLocation location)
        : base(location)
    {
        _dataSource = NpgsqlDataSource.Create(location.ConnectionString);
    }

    public override string CreateMigrationsTableSql =>
        "CREATE TABLE IF NOT EXISTS capstan_schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

    public override async Task LockForMigrationAsync(StateTransaction transaction, CancellationToken cancellationToken) =>
        await transaction.ExecuteAsync(
            "SELECT pg_advisory_xact_lock(@key)",
            p => p.Int64("key", MigrationLockKey),
            cancellationToken).ConfigureAwait(false);

    public override string Dialect(string sqlTemplate) =>
        sqlTemplate.Replace("{blob}", "BYTEA", StringComparison.Ordinal)
            .Replace("{double}", "DOUBLE PRECISION", StringComparison.Ordinal);

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    protected override async Task<DbConnection> OpenConnectionCoreAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    protected override async Task<DbTransaction> BeginAsync(DbConnection connection, bool write, CancellationToken cancellationToken) =>
        await ((NpgsqlConnection)connection).BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

    protected override string? Explain(Exception exception) => exception switch
    {
        PostgresException e => e.SqlState switch
        {
            PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification =>
                $"the server refused the login: {e.MessageText}",
            PostgresErrorCodes.InvalidCatalogName => $"the database does not exist: {e.MessageText}",
            PostgresErrorCodes.InsufficientPrivilege => $"permission denied: {e.MessageText}",
            PostgresErrorCodes.ReadOnlySqlTransaction => $"the server is read-only (a standby?): {e.MessageText}",
            PostgresErrorCodes.TooManyConnections => $"the server has no free connection: {e.MessageText}",
            PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow =>
                $"the server is shutting down or starting up: {e.MessageText}",
            _ when e.SqlState.StartsWith("08", StringComparison.Ordinal) => $"the connection failed: {e.MessageText}",
            _ when e.SqlState.StartsWith("53", StringComparison.Ordinal) => $"the server ran out of resources: {e.MessageText}",
            _ => null,
        },

        // Any other Npgsql failure is about reaching or talking to the server: refused, timed out, reset, bad TLS.
        NpgsqlException e => $"cannot reach the PostgreSQL server: {Describe(e)}",
        _ => null,
    };

    private static string Describe(Exception exception)
    {
        var message = exception.Message;
        if (exception.InnerException is { } inner && !message.Contains(inner.Message, StringComparison.Ordinal))
        {
            message += " (" + inner.Message + ")";
        }

        return message;
    }
}
