using System.Runtime.CompilerServices;

namespace Capstan.Testing;

/// <summary>
/// <c>await task.DefaultTimeout()</c>: every await in a test ends, failing with a <see cref="TimeoutException"/>
/// that names the line instead of hanging the test run.
/// </summary>
public static class TimeoutExtensions
{
    /// <summary>How long a test waits for any one thing by default.</summary>
    public static readonly TimeSpan DefaultTimeoutSpan = TimeSpan.FromSeconds(30);

    public static async Task DefaultTimeout(
        this Task task,
        TimeSpan? timeout = null,
        [CallerFilePath] string file = "",
        [CallerLineNumber] int line = 0)
    {
        ArgumentNullException.ThrowIfNull(task);
        var limit = timeout ?? DefaultTimeoutSpan;
        try
        {
            await task.WaitAsync(limit).ConfigureAwait(false);
        }
        catch (TimeoutException e) when (!task.IsCompleted)
        {
            throw TimedOut(limit, file, line, e);
        }
    }

    public static async Task<T> DefaultTimeout<T>(
        this Task<T> task,
        TimeSpan? timeout = null,
        [CallerFilePath] string file = "",
        [CallerLineNumber] int line = 0)
    {
        ArgumentNullException.ThrowIfNull(task);
        var limit = timeout ?? DefaultTimeoutSpan;
        try
        {
            return await task.WaitAsync(limit).ConfigureAwait(false);
        }
        catch (TimeoutException e) when (!task.IsCompleted)
        {
            throw TimedOut(limit, file, line, e);
        }
    }

    public static Task DefaultTimeout(
        this ValueTask task,
        TimeSpan? timeout = null,
        [CallerFilePath] string file = "",
        [CallerLineNumber] int line = 0) =>
        task.AsTask().DefaultTimeout(timeout, file, line);

    public static Task<T> DefaultTimeout<T>(
        this ValueTask<T> task,
        TimeSpan? timeout = null,
        [CallerFilePath] string file = "",
        [CallerLineNumber] int line = 0) =>
        task.AsTask().DefaultTimeout(timeout, file, line);

    private static TimeoutException TimedOut(TimeSpan limit, string file, int line, Exception inner) =>
        new($"The awaited operation at {Path.GetFileName(file)}:{line} did not finish within {limit.TotalSeconds:0.#} s.", inner);
}
