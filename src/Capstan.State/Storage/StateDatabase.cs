using System.Data.Common;

namespace Capstan.State;

/// <summary>One engine's connections, transactions, dialect and error translation.</summary>
internal abstract class StateDatabase : ISqlRunner, IAsyncDisposable
{
    private volatile bool _opened;

    protected StateDatabase(StateLocation location)
    {
        Location = location;
    }

    public StateLocation Location { get; }

    public StateEngine Engine => Location.Engine;

    /// <summary>SQL that creates the migrations table when it does not exist.</summary>
    public abstract string CreateMigrationsTableSql { get; }

    /// <summary>From now on failures are reported as failures of an open store, not as failures to open it.</summary>
    public void MarkOpened() => _opened = true;

    /// <summary>Runs <paramref name="work"/> in a new transaction: commits when it returns, rolls back when it throws or is cancelled.</summary>
    public async Task<T> RunAsync<T>(bool write, Func<StateTransaction, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        try
        {
            var connection = await OpenConnectionCoreAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                // Disposing an uncommitted transaction rolls it back.
                var transaction = await BeginAsync(connection, write, cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    var result = await work(new StateTransaction(Engine, connection, transaction), cancellationToken).ConfigureAwait(false);
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return result;
                }
            }
        }
        catch (Exception e) when (Explain(e) is { } reason)
        {
            throw Failure(reason, e);
        }
    }

    /// <summary>Takes the lock that lets one process at a time migrate, for the rest of the transaction.</summary>
    public abstract Task LockForMigrationAsync(StateTransaction transaction, CancellationToken cancellationToken);

    /// <summary>Turns an engine-neutral migration template into this engine's SQL.</summary>
    public abstract string Dialect(string sqlTemplate);

    public abstract ValueTask DisposeAsync();

    /// <summary>A failure of this store, worded for the user, with any password hidden.</summary>
    public StateStoreException Failure(string reason, Exception? cause = null)
    {
        var message = Location.Scrub(
            _opened
                ? $"state store {Location.DisplayLocation}: {reason}"
                : $"cannot open state store {Location.DisplayLocation}: {reason}");

        // A provider message that carried the password must not travel on as the inner exception either.
        for (var e = cause; e is not null; e = e.InnerException)
        {
            if (Location.Scrub(e.Message) != e.Message)
            {
                cause = null;
                break;
            }
        }

        return new StateStoreException(message, cause);
    }

    protected abstract Task<DbConnection> OpenConnectionCoreAsync(CancellationToken cancellationToken);

    protected abstract Task<DbTransaction> BeginAsync(DbConnection connection, bool write, CancellationToken cancellationToken);

    /// <summary>The reason to give the user when <paramref name="exception"/> is a failure they can cause and fix; null for bugs.</summary>
    protected abstract string? Explain(Exception exception);
}
