using System.Net;
using System.Net.Sockets;

namespace Capstan.IntegrationTests.ExampleApp;

/// <summary>Timeouts for every await in these tests, so that none can hang.</summary>
public static class Timeouts
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan Publish = TimeSpan.FromMinutes(5);

    public static Task DefaultTimeout(this Task task) =>
        task.WaitAsync(Default, TestContext.Current.CancellationToken);

    public static Task<T> DefaultTimeout<T>(this Task<T> task) =>
        task.WaitAsync(Default, TestContext.Current.CancellationToken);
}

/// <summary>Awaits a condition instead of sleeping for a guessed time.</summary>
public static class Poll
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    public static async Task UntilAsync(
        Func<CancellationToken, Task<bool>> condition, string what, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            while (!await condition(deadline.Token))
            {
                await Task.Delay(Interval, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0}s waiting until {what}.");
        }
    }

    public static Task UntilAsync(Func<bool> condition, string what, CancellationToken cancellationToken) =>
        UntilAsync(_ => Task.FromResult(condition()), what, Timeouts.Default, cancellationToken);
}

/// <summary>A loopback port that was free a moment ago.</summary>
public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A folder under the temp folder, removed with everything in it when disposed.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "capstan-hello-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
