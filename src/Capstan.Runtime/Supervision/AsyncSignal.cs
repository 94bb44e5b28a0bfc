namespace Capstan.Runtime.Supervision;

/// <summary>
/// Wakes whoever waits: <see cref="WaitAsync"/> returns a task that completes on the next <see cref="Set"/>. Used to
/// tell an instance's loop that a stop was asked for, and waiters that an instance's status changed.
/// </summary>
internal sealed class AsyncSignal
{
    private readonly Lock _lock = new();
    private TaskCompletionSource _next = New();

    public Task WaitAsync()
    {
        lock (_lock)
        {
            return _next.Task;
        }
    }

    public void Set()
    {
        TaskCompletionSource fired;
        lock (_lock)
        {
            fired = _next;
            _next = New();
        }

        fired.TrySetResult();
    }

    private static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
