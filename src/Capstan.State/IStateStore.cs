namespace Capstan.State;

/// <summary>
/// What Capstan remembers between commands: pipeline runs, artifacts, releases, deployments,
/// encrypted secrets, the audit log, alert states, API tokens, incidents with their timelines, silences and the
/// notification delivery log. Open one with <see cref="StateStore.OpenAsync"/>.
/// </summary>
/// <remarks>
/// Each call made through the sub-stores of this object runs in its own transaction.
/// Use <see cref="InTransactionAsync{T}"/> to make several calls succeed or fail together.
/// The store is safe to use from several threads at once; a session handed to
/// <see cref="InTransactionAsync{T}"/> is not: await each call before starting the next.
/// </remarks>
public interface IStateStore : IStateSession, IAsyncDisposable
{
    /// <summary>The database engine behind the store.</summary>
    StateEngine Engine { get; }

    /// <summary>Where the store lives, safe to print: a PostgreSQL password is shown as <c>***</c>.</summary>
    string DisplayLocation { get; }

    /// <summary>The schema version of the database after the migrations applied at open.</summary>
    int SchemaVersion { get; }

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction: commits when it returns, rolls back when it throws
    /// or is cancelled. Writes made through the session are visible to others only after the commit.
    /// </summary>
    /// <remarks>
    /// On SQLite the transaction takes the database's write lock when it begins (<c>BEGIN IMMEDIATE</c>),
    /// so keep the work short and do not call the store itself (instead of the session) from inside it.
    /// </remarks>
    Task<T> InTransactionAsync<T>(Func<IStateSession, CancellationToken, Task<T>> work, CancellationToken cancellationToken);
}

/// <summary>The sub-stores, either each call in its own transaction (the store) or all in one (a transaction's session).</summary>
public interface IStateSession
{
    IRunStore Runs { get; }

    IArtifactStore Artifacts { get; }

    IReleaseStore Releases { get; }

    IDeploymentStore Deployments { get; }

    ISecretStore Secrets { get; }

    IAuditLog Audit { get; }

    IAlertStore Alerts { get; }

    IKeyStore Keys { get; }

    ITokenStore Tokens { get; }

    /// <summary>Incidents and their timelines.</summary>
    IIncidentStore Incidents { get; }

    ISilenceStore Silences { get; }

    /// <summary>The notification delivery log.</summary>
    INotificationLog Notifications { get; }
}

/// <summary>The database engine behind a state store.</summary>
public enum StateEngine
{
    Sqlite,
    Postgres,
}

public static class StateStoreExtensions
{
    /// <summary>Runs <paramref name="work"/> in one transaction; see <see cref="IStateStore.InTransactionAsync{T}"/>.</summary>
    public static Task InTransactionAsync(
        this IStateStore store,
        Func<IStateSession, CancellationToken, Task> work,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(work);
        return store.InTransactionAsync<bool>(
            async (session, ct) =>
            {
                await work(session, ct).ConfigureAwait(false);
                return true;
            },
            cancellationToken);
    }
}
