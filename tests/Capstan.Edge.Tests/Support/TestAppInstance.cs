using System.Diagnostics;
using Capstan.Testing;

namespace Capstan.Edge.Tests.Support;

/// <summary>A real instance: tests/Capstan.TestApp as its own process on a free port, answering GET / with its version.</summary>
internal sealed class TestAppInstance : IAsyncDisposable
{
    private readonly Process _process;

    private TestAppInstance(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    public static async Task<TestAppInstance> StartAsync(string version, CancellationToken cancellationToken)
    {
        var port = FreePort.Get();
        var startInfo = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        startInfo.ArgumentList.Add(TestApp.DllPath);
        startInfo.Environment["PORT"] = port.ToString();
        startInfo.Environment["APP_VERSION"] = version;
        var process = Process.Start(startInfo)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var instance = new TestAppInstance(process, port);
        try
        {
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            await Poll.UntilAsync(
                async ct =>
                {
                    try
                    {
                        return (await client.GetAsync($"http://{instance.Address}/ready", ct)).IsSuccessStatusCode;
                    }
                    catch (HttpRequestException)
                    {
                        return false;
                    }
                    catch (TaskCanceledException) when (!ct.IsCancellationRequested)
                    {
                        // One request over the client's 2 s (a loaded machine, a process still starting): not ready
                        // yet. Let through, it looked like the whole wait had run out, after a few seconds.
                        return false;
                    }
                },
                $"test app {version} answers on {instance.Address}",
                TimeoutExtensions.DefaultTimeoutSpan,
                cancellationToken);
            return instance;
        }
        catch
        {
            await instance.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILL, as a crash would: no graceful shutdown, the port closes with the process.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync().DefaultTimeout();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
    }
}
