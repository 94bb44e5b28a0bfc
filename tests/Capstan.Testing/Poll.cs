namespace Capstan.Testing;

/// <summary>Awaits a condition instead of sleeping for a guessed time.</summary>
public static class Poll
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    /// <exception cref="TimeoutException">The condition did not hold within <paramref name="timeout"/>; names <paramref name="what"/>.</exception>
    public static async Task UntilAsync(
        Func<CancellationToken, Task<bool>> condition, string what, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(condition);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            while (!await condition(deadline.Token).ConfigureAwait(false))
            {
                await Task.Delay(Interval, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0}s waiting until {what}.");
        }
    }

    public static Task UntilAsync(Func<bool> condition, string what, CancellationToken cancellationToken) =>
        UntilAsync(_ => Task.FromResult(condition()), what, TimeoutExtensions.DefaultTimeoutSpan, cancellationToken);
}
