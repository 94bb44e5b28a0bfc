using Microsoft.Data.Sqlite;

namespace Capstan.State;

/// <summary>
/// Where a state store lives: a SQLite file or a PostgreSQL database. Make one with <see cref="Parse"/>,
/// <see cref="Resolve"/> or <see cref="ForSqliteFile"/>. Printing it never shows a password.
/// </summary>
/// <remarks>
/// Accepted forms: <c>sqlite:PATH</c>; a path ending in <c>.db</c>; a <c>postgres://user:password@host:port/database?param=value</c>
/// or <c>postgresql://…</c> URL; an Npgsql connection string (<c>Host=…;Username=…;Password=…;Database=…</c>).
/// Relative SQLite paths are resolved against the current directory, and <c>~/</c> against the home directory.
/// </remarks>
public sealed record StateLocation
{
    /// <summary>The environment variable that names the state location when no option does.</summary>
    public const string EnvironmentVariable = "CAPSTAN_STATE";

    private const string Forms =
        "use sqlite:PATH, a path ending in .db, or postgres://user:password@host:port/database";

    private StateLocation(StateEngine engine, string connectionString, string? filePath, string displayLocation, string? password)
    {
        Engine = engine;
        ConnectionString = connectionString;
        FilePath = filePath;
        DisplayLocation = displayLocation;
        Password = password;
    }

    public StateEngine Engine { get; }

    /// <summary>The SQLite database file's full path; null for PostgreSQL.</summary>
    public string? FilePath { get; }

    /// <summary>The location as users write it, with any password shown as <c>***</c>.</summary>
    public string DisplayLocation { get; }

    /// <summary>The provider connection string. It may hold a password: never print it.</summary>
    internal string ConnectionString { get; }

    /// <summary>The PostgreSQL password, kept to scrub it from any message that would carry it.</summary>
    internal string? Password { get; }

    /// <summary>
    /// The location to use: <paramref name="explicitLocation"/> (e.g. a <c>--state</c> option) when given, else
    /// <paramref name="environmentValue"/> (<c>CAPSTAN_STATE</c>) when given, else <c>.capstan/state.db</c> in <paramref name="manifestDirectory"/>.
    /// </summary>
    /// <exception cref="StateStoreException">The chosen value is not a valid location.</exception>
    public static StateLocation Resolve(string? explicitLocation, string? environmentValue, string manifestDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(manifestDirectory);
        if (!string.IsNullOrWhiteSpace(explicitLocation))
        {
            return Parse(explicitLocation);
        }

        if (!string.IsNullOrWhiteSpace(environmentValue))
        {
            return Parse(environmentValue);
        }

        return ForSqliteFile(DefaultPath(manifestDirectory));
    }

    /// <summary>The default SQLite file of a manifest directory: <c>DIR/.capstan/state.db</c>.</summary>
    public static string DefaultPath(string manifestDirectory) =>
        Path.Combine(Path.GetFullPath(manifestDirectory), ".capstan", "state.db");

    /// <summary>Reads a location in any of the accepted forms.</summary>
    /// <exception cref="StateStoreException">The value is not a valid location; the message shows it with any password hidden.</exception>
    public static StateLocation Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = value.Trim();
        if (text.Length == 0)
        {
            throw new StateStoreException($"invalid state location: it is empty; {Forms}");
        }

        if (text.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase))
        {
            var path = text["sqlite:".Length..];
            if (path.Length == 0)
            {
                throw new StateStoreException($"invalid state location '{text}': the path after sqlite: is empty; {Forms}");
            }

            if (path.StartsWith(':'))
            {
                throw new StateStoreException(
                    $"invalid state location '{text}': in-memory SQLite databases are not supported, the state must outlive the process; {Forms}");
            }

            return ForSqliteFile(path);
        }

        if (PostgresLocation.IsUrl(text) || PostgresLocation.IsConnectionString(text))
        {
            var (connectionString, display, password) = PostgresLocation.Parse(text, Forms);
            return new StateLocation(StateEngine.Postgres, connectionString, null, display, password);
        }

        if (text.EndsWith(".db", StringComparison.OrdinalIgnoreCase))
        {
            return ForSqliteFile(text);
        }

        throw new StateStoreException($"invalid state location '{PostgresLocation.Redact(text)}': {Forms}");
    }

    /// <summary>A SQLite database file; a relative path is resolved against the current directory.</summary>
    public static StateLocation ForSqliteFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
        {
            path = Path.Join(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path[1..]);
        }

        string fullPath;
        try
        {
            fullPath = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new StateStoreException($"invalid state location 'sqlite:{path}': {e.Message}", e);
        }

        if (Path.EndsInDirectorySeparator(fullPath))
        {
            throw new StateStoreException(
                $"invalid state location 'sqlite:{fullPath}': it names a directory; name the database file, e.g. sqlite:{Path.Join(fullPath, "state.db")}");
        }

        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            ForeignKeys = true,

            // Microsoft.Data.Sqlite retries a busy database until the command timeout, on top of SQLite's own busy_timeout.
            DefaultTimeout = SqliteStateDatabase.BusyTimeoutMilliseconds / 1000,
        }.ToString();
        return new StateLocation(StateEngine.Sqlite, connectionString, fullPath, "sqlite:" + fullPath, null);
    }

    /// <summary>Replaces the password, if there is one, with <c>***</c> wherever it appears in <paramref name="text"/>.</summary>
    internal string Scrub(string text) =>
        string.IsNullOrEmpty(Password) ? text : text.Replace(Password, "***", StringComparison.Ordinal);

    public override string ToString() => DisplayLocation;
}
