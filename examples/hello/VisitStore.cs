using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Hello;

/// <summary>The outcome of a database call: the visit count, or why the database could not be used.</summary>
public readonly record struct VisitCount(long Visits, string? Error)
{
    public bool Succeeded => Error is null;

    public static VisitCount Of(long visits) => new(visits, null);

    public static VisitCount Failed(string error) => new(0, error);
}

/// <summary>
/// The visit counter in <c>visits.db</c>. Several instances may share the file: it is in WAL mode, every
/// connection waits for locks (busy timeout), and a visit is counted in one statement.
/// </summary>
public sealed class VisitStore
{
    private const int BusyTimeoutSeconds = 5;

    private readonly string _connectionString;
    private readonly string _createConnectionString;

    public VisitStore(string dataDirectory)
    {
        DataDirectory = dataDirectory;
        DatabasePath = Path.Combine(dataDirectory, "visits.db");
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            // After start the file must exist: a vanished file is an error, not a fresh counter.
            Mode = SqliteOpenMode.ReadWrite,
            // Every call opens the file anew, so a replaced, corrupted or removed file shows at once.
            Pooling = false,
            DefaultTimeout = BusyTimeoutSeconds,
        };
        _connectionString = builder.ToString();
        builder.Mode = SqliteOpenMode.ReadWriteCreate;
        _createConnectionString = builder.ToString();
    }

    public string DataDirectory { get; }

    public string DatabasePath { get; }

    /// <summary>Creates the data folder, the file and the counter if missing. Returns why it failed, or null.</summary>
    public async Task<string?> InitializeAsync(CancellationToken cancellationToken)
    {
        try
        {
            Directory.CreateDirectory(DataDirectory);
            await using var connection = await OpenAsync(_createConnectionString, cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = """
                PRAGMA journal_mode = WAL;
                CREATE TABLE IF NOT EXISTS visits (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
                INSERT OR IGNORE INTO visits (id, n) VALUES (1, 0);
                """;
            await command.ExecuteNonQueryAsync(cancellationToken);
            return null;
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException)
        {
            return ex.Message;
        }
    }

    /// <summary>Counts one visit and returns the new count.</summary>
    public async Task<VisitCount> IncrementAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenAsync(_connectionString, cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE visits SET n = n + 1 WHERE id = 1 RETURNING n";
            return await command.ExecuteScalarAsync(cancellationToken) is long visits
                ? VisitCount.Of(visits)
                : VisitCount.Failed("the visits table has no counter row");
        }
        catch (SqliteException ex)
        {
            return VisitCount.Failed(ex.Message);
        }
    }

    /// <summary>Reads the count without changing it.</summary>
    public async Task<VisitCount> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenAsync(_connectionString, cancellationToken);
            return await ReadCountAsync(connection, transaction: null, cancellationToken);
        }
        catch (SqliteException ex)
        {
            return VisitCount.Failed(ex.Message);
        }
    }

    /// <summary>
    /// Checks that a visit could be counted now: the file opens, is a database with the counter, is writable,
    /// and the write lock can be taken. Nothing is written.
    /// </summary>
    public async Task<VisitCount> CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenAsync(_connectionString, cancellationToken);
            // SQLite quietly opens a write-protected file read-only; reads would still pass.
            if (raw.sqlite3_db_readonly(connection.Handle, "main") == 1)
            {
                return VisitCount.Failed("the database file is read-only");
            }

            // BEGIN IMMEDIATE takes the write lock; the transaction is rolled back when disposed.
            await using var transaction = connection.BeginTransaction(deferred: false);
            return await ReadCountAsync(connection, transaction, cancellationToken);
        }
        catch (SqliteException ex)
        {
            return VisitCount.Failed(ex.Message);
        }
    }

    private static async Task<VisitCount> ReadCountAsync(
        SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT n FROM visits WHERE id = 1";
        return await command.ExecuteScalarAsync(cancellationToken) is long visits
            ? VisitCount.Of(visits)
            : VisitCount.Failed("the visits table has no counter row");
    }

    private static async Task<SqliteConnection> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA busy_timeout = {BusyTimeoutSeconds * 1000}";
            await command.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
