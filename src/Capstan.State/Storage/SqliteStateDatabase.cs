using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Capstan.State;

internal sealed class SqliteStateDatabase : StateDatabase
{
    /// <summary>How long a writer waits for another writer's lock before giving up.</summary>
    public const int BusyTimeoutMilliseconds = 5000;

    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private SqliteStateDatabase(StateLocation location)
        : base(location)
    {
    }

    public override string CreateMigrationsTableSql =>
        "CREATE TABLE IF NOT EXISTS capstan_schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)";

    /// <summary>Creates the folder (mode 0700) and the file (mode 0600) when missing, and switches the database to WAL.</summary>
    public static async Task<SqliteStateDatabase> OpenAsync(StateLocation location, CancellationToken cancellationToken)
    {
        var database = new SqliteStateDatabase(location);
        try
        {
            database.PrepareFile();
            await database.UseWalAsync(cancellationToken).ConfigureAwait(false);
            return database;
        }
        catch
        {
            await database.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public override Task LockForMigrationAsync(StateTransaction transaction, CancellationToken cancellationToken) =>
        Task.CompletedTask; // The write transaction began with BEGIN IMMEDIATE: it already holds the database's write lock.

    public override string Dialect(string sqlTemplate) =>
        sqlTemplate.Replace("{blob}", "BLOB", StringComparison.Ordinal)
            .Replace("{double}", "REAL", StringComparison.Ordinal);

    public override ValueTask DisposeAsync()
    {
        // Close the pooled connections, so the file is released and its WAL checkpointed.
        using var connection = new SqliteConnection(Location.ConnectionString);
        SqliteConnection.ClearPool(connection);
        return ValueTask.CompletedTask;
    }

    protected override async Task<DbConnection> OpenConnectionCoreAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(Location.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            using var command = connection.CreateCommand();

            // Per connection: wait for a busy writer instead of failing at once (foreign keys are on through the connection string).
            command.CommandText = $"PRAGMA busy_timeout = {BusyTimeoutMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture)};";
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    protected override Task<DbTransaction> BeginAsync(DbConnection connection, bool write, CancellationToken cancellationToken)
    {
        // Writers begin with BEGIN IMMEDIATE: they queue for the write lock up front (waiting up to the busy timeout)
        // instead of failing when a read transaction later needs to become a write transaction.
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: !write));
    }

    protected override string? Explain(Exception exception) => exception switch
    {
        SqliteException e => e.SqliteErrorCode switch
        {
            SQLitePCL.raw.SQLITE_BUSY or SQLitePCL.raw.SQLITE_LOCKED =>
                $"the database is locked by another process; gave up after waiting {BusyTimeoutMilliseconds / 1000} s",
            SQLitePCL.raw.SQLITE_READONLY => "the database file or its directory is not writable",
            SQLitePCL.raw.SQLITE_CANTOPEN => "the database file cannot be opened (check that it and its directory are readable and writable)",
            SQLitePCL.raw.SQLITE_PERM or SQLitePCL.raw.SQLITE_AUTH => "permission denied",
            SQLitePCL.raw.SQLITE_FULL => "the disk is full",
            SQLitePCL.raw.SQLITE_IOERR => $"disk I/O error ({e.Message})",
            SQLitePCL.raw.SQLITE_CORRUPT => "the database file is corrupt",
            SQLitePCL.raw.SQLITE_NOTADB => "the file is not a SQLite database",
            _ => null,
        },
        _ => null,
    };

    private async Task UseWalAsync(CancellationToken cancellationToken)
    {
        string? journalMode;
        try
        {
            // Outside a transaction: SQLite cannot change the journal mode inside one. WAL is a property of the file,
            // so this is done once per open; it lets readers proceed while one writer writes.
            var connection = await OpenConnectionCoreAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                // SQLite quietly opens a file it may not write read-only; every write would then fail.
                if (SQLitePCL.raw.sqlite3_db_readonly(((SqliteConnection)connection).Handle, "main") == 1)
                {
                    throw Failure("the database file is not writable");
                }

                var command = connection.CreateCommand();
                await using (command.ConfigureAwait(false))
                {
                    command.CommandText = "PRAGMA journal_mode = WAL;";
                    journalMode = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
                }
            }
        }
        catch (Exception e) when (Explain(e) is { } reason)
        {
            throw Failure(reason, e);
        }

        if (!string.Equals(journalMode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw Failure(
                $"cannot switch the database to WAL journal mode (it stays in '{journalMode}' mode); "
                + "WAL needs a local file system, not a network share");
        }
    }

    private void PrepareFile()
    {
        var path = Location.FilePath!;
        var directory = Path.GetDirectoryName(path)!;
        if (Directory.Exists(path))
        {
            throw Failure("the path is a directory, not a database file");
        }

        if (!Directory.Exists(directory))
        {
            for (var ancestor = directory; ancestor is not null; ancestor = Path.GetDirectoryName(ancestor))
            {
                if (File.Exists(ancestor))
                {
                    throw Failure($"cannot create directory {directory}: {ancestor} is a file");
                }
            }

            try
            {
                CapstanDirectory.Ensure(directory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Failure($"cannot create directory {directory}: {e.Message}", e);
            }
        }

        if (File.Exists(path))
        {
            return;
        }

        try
        {
            var options = new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = FileMode;
            }

            using var _ = new FileStream(path, options);
        }
        catch (UnauthorizedAccessException e)
        {
            throw Failure($"directory {directory} is not writable", e);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first.
        }
        catch (IOException e)
        {
            throw Failure($"cannot create the database file: {e.Message}", e);
        }
    }
}
