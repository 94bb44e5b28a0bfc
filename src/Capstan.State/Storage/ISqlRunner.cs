namespace Capstan.State;

/// <summary>Runs database work: each call in its own transaction (the store) or in one shared transaction (a session).</summary>
internal interface ISqlRunner
{
    /// <param name="write">False when the work only reads; SQLite then need not take the write lock.</param>
    Task<T> RunAsync<T>(bool write, Func<StateTransaction, CancellationToken, Task<T>> work, CancellationToken cancellationToken);
}

/// <summary>Runs every call in the one transaction given to <see cref="IStateStore.InTransactionAsync{T}"/>, one call at a time.</summary>
internal sealed class TransactionRunner : ISqlRunner
{
    private readonly StateTransaction _transaction;
    private int _busy;
    private volatile bool _ended;

    public TransactionRunner(StateTransaction transaction)
    {
        _transaction = transaction;
    }

    public void End() => _ended = true;

    public async Task<T> RunAsync<T>(bool write, Func<StateTransaction, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        if (_ended)
        {
            throw new InvalidOperationException(
                "This state session's transaction has ended: use a session only inside the work given to InTransactionAsync.");
        }

        if (Interlocked.Exchange(ref _busy, 1) == 1)
        {
            throw new InvalidOperationException(
                "A state session runs one call at a time: await each call before starting the next.");
        }

        try
        {
            return await work(_transaction, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }
}
