using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Capstan.Secrets.Masking;

namespace Capstan.Observability.Alerting;

/// <summary>
/// Runs <c>bash -c COMMAND</c> with Alertmanager's webhook JSON (<see cref="AlertmanagerPayload"/>) on standard input,
/// in a process group of its own. Exit code 0 is success; another exit code fails with the end of standard error.
/// Past the timeout (30 s by default) the whole group is killed and the delivery fails as timed out. Processes the
/// command leaves running in its group are killed when it exits, so nothing outlives a delivery.
/// </summary>
public sealed class CommandReceiver : INotificationReceiver
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How much of standard error a failure quotes, at most.</summary>
    public const int StderrTailLength = 1000;

    private const int SigKill = 9;

    // After the group is killed, a process that left it (setsid) may still hold a pipe: stop reading then.
    private static readonly TimeSpan DrainGrace = TimeSpan.FromSeconds(5);

    private readonly string _command;
    private readonly SecretMasker _masker;
    private readonly TimeSpan _timeout;
    private readonly string? _externalUrl;

    /// <param name="command">The resolved command; it may hold secrets, which never appear in errors.</param>
    /// <param name="masker">Masks secret values in the quoted standard error.</param>
    /// <param name="timeout">How long the command may run; <see cref="DefaultTimeout"/> when null.</param>
    /// <param name="externalUrl">Where Capstan is reached, for the payload's <c>externalURL</c>.</param>
    public CommandReceiver(string command, SecretMasker masker, TimeSpan? timeout = null, string? externalUrl = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(command);
        ArgumentNullException.ThrowIfNull(masker);
        _command = command;
        _masker = masker;
        _timeout = timeout ?? DefaultTimeout;
        _externalUrl = externalUrl;
    }

    public async Task<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        cancellationToken.ThrowIfCancellationRequested();
        var payload = AlertmanagerPayload.Serialize(notification, _externalUrl);
        var info = new ProcessStartInfo("setsid")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in (string[])["bash", "--noprofile", "--norc", "-c", _command])
        {
            info.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return DeliveryResult.Failure(_masker.Mask($"the command could not start: {e.Message}"));
        }

        // setsid runs bash in place: its pid is the id of the new process group.
        var group = process.Id;
        var stdin = WriteInputAsync(process.StandardInput.BaseStream, payload);
        var stdout = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null, CancellationToken.None);
        var stderr = TailAsync(process.StandardError);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            timedOut = true;
        }

        KillGroup(group);
        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        var tail = "";
        try
        {
            await Task.WhenAll(stdin, stdout).WaitAsync(DrainGrace, CancellationToken.None).ConfigureAwait(false);
            tail = await stderr.WaitAsync(DrainGrace, CancellationToken.None).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A child that left the group holds a pipe open: report without the rest of its output.
        }

        cancellationToken.ThrowIfCancellationRequested();
        tail = _masker.Mask(tail.Trim());
        var quoted = tail.Length > 0 ? $": {tail}" : "";
        if (timedOut)
        {
            return DeliveryResult.Failure($"the command timed out after {_timeout.TotalSeconds:0.#}s and was killed{quoted}");
        }

        return process.ExitCode == 0
            ? DeliveryResult.Success
            : DeliveryResult.Failure($"the command exited with code {process.ExitCode}{quoted}");
    }

    private static async Task WriteInputAsync(Stream stdin, byte[] payload)
    {
        try
        {
            await using (stdin.ConfigureAwait(false))
            {
                await stdin.WriteAsync(payload).ConfigureAwait(false);
            }
        }
        catch (IOException)
        {
            // The command exited or closed its input without reading it all: its exit code says how it went.
        }
    }

    /// <summary>Reads standard error to its end and keeps its last <see cref="StderrTailLength"/> characters.</summary>
    private static async Task<string> TailAsync(StreamReader stderr)
    {
        var tail = new StringBuilder();
        var buffer = new char[4096];
        var cut = false;
        int read;
        while ((read = await stderr.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            tail.Append(buffer, 0, read);
            if (tail.Length > 4 * StderrTailLength)
            {
                tail.Remove(0, tail.Length - StderrTailLength);
                cut = true;
            }
        }

        if (tail.Length > StderrTailLength)
        {
            tail.Remove(0, tail.Length - StderrTailLength);
            cut = true;
        }

        return cut ? "…" + tail : tail.ToString();
    }

    private static void KillGroup(int group)
    {
        // ESRCH (no process left in the group) is the usual case after a clean exit; nothing else can fail here.
        _ = Kill(-group, SigKill);
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
