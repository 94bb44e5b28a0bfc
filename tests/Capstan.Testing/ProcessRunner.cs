using System.Diagnostics;
using System.Text;

namespace Capstan.Testing;

/// <summary>The outcome of a process run by <see cref="ProcessRunner"/>.</summary>
public sealed record ProcessResult
{
    public required string CommandLine { get; init; }

    public required int ExitCode { get; init; }

    public required string StandardOutput { get; init; }

    public required string StandardError { get; init; }

    /// <summary>Throws, with the command and its output, unless the process exited with 0.</summary>
    public ProcessResult EnsureSuccess()
    {
        if (ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"'{CommandLine}' exited with {ExitCode}.\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}");
        }

        return this;
    }
}

/// <summary>Runs a process to completion with a time limit, capturing its output.</summary>
public static class ProcessRunner
{
    /// <exception cref="TimeoutException">The process did not exit within <paramref name="timeout"/>; it was killed.</exception>
    public static Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        CancellationToken cancellationToken) =>
        RunAsync(fileName, arguments, timeout, workingDirectory: null, cancellationToken);

    /// <exception cref="TimeoutException">The process did not exit within <paramref name="timeout"/>; it was killed.</exception>
    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        string? workingDirectory,
        CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // `dotnet test` leaves MSBuild variables in the test's environment that would steer a nested `dotnet` build.
        foreach (var name in startInfo.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            startInfo.Environment.Remove(name);
        }

        var commandLine = string.Join(' ', startInfo.ArgumentList.Prepend(fileName).Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"\"{a}\"" : a));
        using var process = new Process { StartInfo = startInfo };
        var output = new StringBuilder();
        var error = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(error, e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"'{commandLine}' did not exit within {timeout.TotalSeconds:0.#} s.\nstdout:\n{output}\nstderr:\n{error}");
        }

        return new ProcessResult
        {
            CommandLine = commandLine,
            ExitCode = process.ExitCode,
            StandardOutput = Read(output),
            StandardError = Read(error),
        };
    }

    private static void Append(StringBuilder buffer, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (buffer)
        {
            buffer.AppendLine(line);
        }
    }

    private static string Read(StringBuilder buffer)
    {
        lock (buffer)
        {
            return buffer.ToString();
        }
    }
}
