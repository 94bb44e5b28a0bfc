using System.Diagnostics.CodeAnalysis;

namespace Capstan.State;

/// <summary>Opens state stores.</summary>
public static class StateStore
{
    /// <summary>
    /// Opens the store at <paramref name="location"/> and brings its schema up to date. A missing SQLite file is created
    /// (its folder with mode 0700) and switched to WAL; a PostgreSQL database must exist.
    /// </summary>
    /// <param name="timeProvider">The clock for the store's own bookkeeping (when a migration was applied); the system clock when null.</param>
    /// <exception cref="StateStoreException">
    /// The store cannot be opened (unreachable server, unwritable folder, not a database, …) or its schema is newer than this build knows.
    /// </exception>
    public static async Task<IStateStore> OpenAsync(StateLocation location, TimeProvider? timeProvider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(location);
        return await OpenWithMigrationsAsync(location, Migrations.All, timeProvider ?? TimeProvider.System, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>Opens with a given list of migrations; tests use it to exercise the migrator.</summary>
    [SuppressMessage("Reliability", "CA2000:Dispose objects before losing scope", Justification = "The store returned owns the database; it is disposed here when opening fails.")]
    internal static async Task<IStateStore> OpenWithMigrationsAsync(
        StateLocation location,
        IReadOnlyList<Migration> migrations,
        TimeProvider timeProvider,
        CancellationToken cancellationToken)
    {
        var database = await ConnectAsync(location, cancellationToken).ConfigureAwait(false);
        try
        {
            var version = await Migrator.MigrateAsync(database, migrations, timeProvider, cancellationToken).ConfigureAwait(false);
            database.MarkOpened();
            return new SqlStateStore(database, version);
        }
        catch
        {
            await database.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<StateDatabase> ConnectAsync(StateLocation location, CancellationToken cancellationToken) =>
        location.Engine switch
        {
            StateEngine.Sqlite => await SqliteStateDatabase.OpenAsync(location, cancellationToken).ConfigureAwait(false),
            StateEngine.Postgres => new PostgresStateDatabase(location),
            _ => throw new ArgumentOutOfRangeException(nameof(location), location.Engine, "Unknown state engine."),
        };
}

internal sealed class SqlStateStore : IStateStore
{
    private readonly StateSession _session;

    public SqlStateStore(StateDatabase database, int schemaVersion)
    {
        Database = database;
        SchemaVersion = schemaVersion;
        _session = new StateSession(database);
    }

    public StateEngine Engine => Database.Engine;

    public string DisplayLocation => Database.Location.DisplayLocation;

    public int SchemaVersion { get; }

    public IRunStore Runs => _session.Runs;

    public IArtifactStore Artifacts => _session.Artifacts;

    public IReleaseStore Releases => _session.Releases;

    public IDeploymentStore Deployments => _session.Deployments;

    public ISecretStore Secrets => _session.Secrets;

    public IAuditLog Audit => _session.Audit;

    public IAlertStore Alerts => _session.Alerts;

    public IKeyStore Keys => _session.Keys;

    public ITokenStore Tokens => _session.Tokens;

    public IIncidentStore Incidents => _session.Incidents;

    public ISilenceStore Silences => _session.Silences;

    public INotificationLog Notifications => _session.Notifications;

    /// <summary>The engine underneath, for tests that look at the database directly.</summary>
    internal StateDatabase Database { get; }

    public Task<T> InTransactionAsync<T>(Func<IStateSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        return Database.RunAsync(
            write: true,
            async (transaction, ct) =>
            {
                var runner = new TransactionRunner(transaction);
                try
                {
                    return await work(new StateSession(runner), ct).ConfigureAwait(false);
                }
                finally
                {
                    runner.End();
                }
            },
            cancellationToken);
    }

    public ValueTask DisposeAsync() => Database.DisposeAsync();

    public override string ToString() => DisplayLocation;
}

internal sealed class StateSession : IStateSession
{
    public StateSession(ISqlRunner sql)
    {
        Runs = new RunStore(sql);
        Artifacts = new ArtifactStore(sql);
        Releases = new ReleaseStore(sql);
        Deployments = new DeploymentStore(sql);
        Secrets = new SecretStore(sql);
        Audit = new AuditLog(sql);
        Alerts = new AlertStore(sql);
        Keys = new KeyStore(sql);
        Tokens = new TokenStore(sql);
        Incidents = new IncidentStore(sql);
        Silences = new SilenceStore(sql);
        Notifications = new NotificationLog(sql);
    }

    public IRunStore Runs { get; }

    public IArtifactStore Artifacts { get; }

    public IReleaseStore Releases { get; }

    public IDeploymentStore Deployments { get; }

    public ISecretStore Secrets { get; }

    public IAuditLog Audit { get; }

    public IAlertStore Alerts { get; }

    public IKeyStore Keys { get; }

    public ITokenStore Tokens { get; }

    public IIncidentStore Incidents { get; }

    public ISilenceStore Silences { get; }

    public INotificationLog Notifications { get; }
}
