using System.Diagnostics;
using Capstan.Cli.Output;
using Capstan.Manifest.Values;

namespace Capstan.Cli.Secrets;

/// <summary>
/// Runs a secret's <c>rotate_command</c> (bash, in the project folder) with the new value on standard input, so that the
/// new credential takes effect where it is used. Its output is shown masked; a failure or a timeout aborts the rotation.
/// </summary>
internal static class RotationCommand
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    public static async Task RunAsync(CliConsole console, Template script, string directory, string name, string environment, string value, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (var argument in new[] { "-e", "-o", "pipefail", "-c", script.Text })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["CAPSTAN_SECRET_NAME"] = name;
        start.Environment["CAPSTAN_ENV"] = environment;
        using var process = Process.Start(start) ?? throw new CommandException("cannot start bash for the rotation command");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.StandardInput.WriteAsync(value).ConfigureAwait(false);
        process.StandardInput.Close();

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            throw new CommandException($"the rotation command of {name} timed out after {new Duration(Timeout)}; nothing was changed", ExitCodes.Failure);
        }

        var shown = console.Mask((await output.ConfigureAwait(false)) + (await errors.ConfigureAwait(false))).TrimEnd();
        if (shown.Length > 0)
        {
            console.Error.WriteLine(shown);
        }

        if (process.ExitCode != 0)
        {
            throw new CommandException($"the rotation command of {name} failed (exit {process.ExitCode}); nothing was changed", ExitCodes.Failure);
        }
    }
}
