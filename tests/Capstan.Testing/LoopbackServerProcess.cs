using System.Diagnostics;
using System.Net;

namespace Capstan.Testing;

/// <summary>
/// A server process that a test runs in the foreground on a free 127.0.0.1 port, ready once its <c>/-/ready</c> answers
/// 200 (as Prometheus and Alertmanager do). The last lines of its output are kept for failure messages. Disposing kills
/// it with its children.
/// </summary>
internal sealed class LoopbackServerProcess : IAsyncDisposable
{
    private const int KeptLines = 400;
    private const int Attempts = 3;
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    private readonly Process _process;
    private readonly Queue<string> _output = new();

    private LoopbackServerProcess(Process process, string commandLine, int port)
    {
        _process = process;
        CommandLine = commandLine;
        Port = port;
    }

    public string CommandLine { get; }

    public int Port { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>The exit code, once disposed (which waits for the exit and for the last of its output).</summary>
    public int? ExitCode { get; private set; }

    /// <summary>The last lines the process wrote, stdout and stderr interleaved as they came.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    /// <summary>
    /// Starts the server on a free port (given to <paramref name="arguments"/>) and waits until it is ready. A port is
    /// free when picked but another process may take it first: when the server exits saying its address is in use, it
    /// is started again on another port.
    /// </summary>
    /// <exception cref="InvalidOperationException">The server exited before it was ready; the message has its output.</exception>
    /// <exception cref="TimeoutException">The server was not ready within <paramref name="timeout"/>; the message has its output.</exception>
    public static async Task<LoopbackServerProcess> StartAsync(
        string what,
        string fileName,
        Func<int, IReadOnlyList<string>> arguments,
        string workingDirectory,
        HttpClient http,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort.Get();
            var server = Start(fileName, arguments(port), workingDirectory, port);
            try
            {
                await Poll.UntilAsync(
                    async ct => server.HasExited || await server.IsReadyAsync(http, ct).ConfigureAwait(false),
                    $"{what} answers 200 on http://127.0.0.1:{port}/-/ready",
                    timeout,
                    cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException e)
            {
                await server.DisposeAsync().ConfigureAwait(false);
                throw new TimeoutException($"{e.Message}\ncommand: {server.CommandLine}\noutput:\n{server.Output}", e);
            }
            catch
            {
                await server.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            if (!server.HasExited)
            {
                return server;
            }

            await server.DisposeAsync().ConfigureAwait(false);
            if (attempt < Attempts && server.Output.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            throw new InvalidOperationException(
                $"{what} exited with {server.ExitCode} before it was ready.\ncommand: {server.CommandLine}\noutput:\n{server.Output}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It had exited already.
        }

        using (var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            try
            {
                await _process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"'{CommandLine}' (pid {_process.Id}) did not exit within 10 s of being killed.");
            }
        }

        ExitCode = _process.ExitCode;
        _process.Dispose();
    }

    private static LoopbackServerProcess Start(string fileName, IReadOnlyList<string> arguments, string workingDirectory, int port)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var commandLine = string.Join(' ', arguments.Prepend(fileName).Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"\"{a}\"" : a));
        var process = new Process { StartInfo = startInfo };
        var server = new LoopbackServerProcess(process, commandLine, port);
        process.OutputDataReceived += (_, e) => server.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => server.Keep(e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    private async Task<bool> IsReadyAsync(HttpClient http, CancellationToken cancellationToken)
    {
        using var probe = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        probe.CancelAfter(ProbeTimeout);
        try
        {
            using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{Port}/-/ready"), probe.Token).ConfigureAwait(false);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // This probe took too long (the server is still starting); the next one may not.
            return false;
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Enqueue(line);
            if (_output.Count > KeptLines)
            {
                _output.Dequeue();
            }
        }
    }
}
