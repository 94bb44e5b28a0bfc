using System.Runtime.CompilerServices;

namespace Capstan.Manifest.Tests.Support;

/// <summary>Runs work on a worker thread with a hard time limit, so that a hang fails the test instead of stalling the run.</summary>
internal static class Bounded
{
    /// <summary>How long any one awaited operation of a test may take by default.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public static async Task<T> Run<T>(Func<T> work, TimeSpan? limit = null, string? what = null, [CallerLineNumber] int line = 0)
    {
        var timeout = limit ?? DefaultTimeout;
        var task = Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            return await task.WaitAsync(timeout, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            throw new TimeoutException($"{what ?? $"the work started at line {line}"} did not finish within {timeout.TotalSeconds:0.###} s");
        }
    }
}
