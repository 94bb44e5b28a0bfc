using Capstan.Testing;
using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;

namespace Capstan.IntegrationTests.ExampleApp;

/// <summary>
/// One running Hello app: a real process on a loopback port, with its output captured.
/// Disposing kills it if it still runs, so that a failed test leaves nothing behind.
/// </summary>
public sealed class HelloProcess : IAsyncDisposable
{
    private const int SigTerm = 15;

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();
    private readonly Lock _lock = new();

    private HelloProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeoutExtensions.DefaultTimeoutSpan };
    }

    public int Port { get; }

    public HttpClient Http { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Standard output and standard error so far, for assertions and failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_lock)
            {
                return $"{_output}{_error}";
            }
        }
    }

    public string StandardError
    {
        get
        {
            lock (_lock)
            {
                return _error.ToString();
            }
        }
    }

    /// <summary>Starts <c>dotnet Hello.dll</c> with only the given knobs set (inherited ones are removed).</summary>
    public static HelloProcess Start(
        string appPath, string workingDirectory, int port, IReadOnlyDictionary<string, string> environment, IEnumerable<string> arguments)
    {
        var startInfo = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(appPath);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var name in new[]
                 {
                     "PORT", "APP_VERSION", "DATA_DIR", "FAULT_RATE", "FAULT_SEED", "LATENCY_MS",
                     "ASPNETCORE_URLS", "DOTNET_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT",
                 })
        {
            startInfo.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        var process = new Process { StartInfo = startInfo };
        var hello = new HelloProcess(process, port);
        process.OutputDataReceived += (_, e) => hello.Append(hello._output, e.Data);
        process.ErrorDataReceived += (_, e) => hello.Append(hello._error, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return hello;
    }

    /// <summary>Waits until /health answers; fails at once, with the app's output, if the process exits first.</summary>
    public Task WaitUntilHealthyAsync(CancellationToken cancellationToken) =>
        Poll.UntilAsync(
            async token =>
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException(
                        $"Hello exited with code {_process.ExitCode} before it was healthy. Output:\n{Output}");
                }

                try
                {
                    using var response = await Http.GetAsync("/health", token);
                    return response.StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            $"Hello answers /health on port {Port}",
            TimeoutExtensions.DefaultTimeoutSpan,
            cancellationToken);

    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeoutExtensions.DefaultTimeoutSpan);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Hello did not exit within {TimeoutExtensions.DefaultTimeoutSpan.TotalSeconds:0}s. Output:\n{Output}");
        }

        return _process.ExitCode;
    }

    /// <summary>Asks the app to stop the way a service manager does.</summary>
    public void Terminate()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "SIGTERM needs a POSIX system.");
        if (Kill(_process.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, SIGTERM) failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    /// <summary>Stops the app gracefully and returns its exit code.</summary>
    public async Task<int> StopAsync(CancellationToken cancellationToken)
    {
        Terminate();
        return await WaitForExitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            using var deadline = new CancellationTokenSource(TimeoutExtensions.DefaultTimeoutSpan);
            await _process.WaitForExitAsync(deadline.Token);
        }

        _process.Dispose();
    }

    private void Append(StringBuilder target, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lock)
        {
            target.Append(line).Append('\n');
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
