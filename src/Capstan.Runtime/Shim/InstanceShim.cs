using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using Capstan.Pipelines.Execution;
using Capstan.Runtime.Instances;
using Capstan.Runtime.Logs;
using Capstan.Runtime.Supervision;
using Capstan.Secrets.Masking;

namespace Capstan.Runtime.Shim;

/// <summary>
/// The shim: the small process between Capstan and one instance's service (<c>capstan agent shim --instance-dir DIR</c>).
/// The supervisor starts it in a session of its own, so it outlives Capstan; it starts the service, holds its pipes,
/// writes its output masked and timestamped to <c>logs/current.log</c> (rotated by size), and when the service exits
/// records how in <c>exit.json</c> and exits itself. Because the shim, not Capstan, reads the service's output, killing
/// Capstan loses no log line and never gives the service a broken pipe.
/// </summary>
/// <remarks>
/// The service runs as <c>setsid bash -c COMMAND</c>: in a process group (and session) of its own, whose id is its pid
/// (written to <c>child.pid</c>), so that a stop reaches everything it started. bash runs a single command in its own
/// place, so the pid is the service's. The service gets the shim's environment unchanged: the supervisor built it, and
/// the values of secret variables are only there, never in a file. Those values are masked in the log.
/// </remarks>
public static class InstanceShim
{
    private const int ReadBufferSize = 16 * 1024;

    /// <summary>How long output is still read after the service exited, from processes that left its group.</summary>
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Runs the instance of <paramref name="instanceDirectory"/> until its service exits. Cancelling
    /// <paramref name="terminate"/> does not abandon it: it asks the service to stop (SIGTERM to its process group,
    /// or not starting it at all when it has not started yet), and the method still returns only once the service has
    /// exited and <c>exit.json</c> is written.
    /// </summary>
    /// <returns>0 once the exit is recorded, whatever the service's exit code.</returns>
    /// <exception cref="RuntimeException">The folder has no readable <c>instance.json</c>.</exception>
    public static async Task<int> RunAsync(string instanceDirectory, TimeProvider time, CancellationToken terminate)
    {
        ArgumentNullException.ThrowIfNull(instanceDirectory);
        ArgumentNullException.ThrowIfNull(time);
        var files = new InstanceFiles(instanceDirectory);
        var record = files.ReadRecord()
            ?? throw new RuntimeException($"{files.Record} is missing: the shim runs an instance that the supervisor recorded there");
        var spec = record.Spec;
        var masker = SecretMasker.Create(spec.SecretEnvNames.Select(Environment.GetEnvironmentVariable).OfType<string>());

        InstanceExit exit;
        using (var log = new RotatingLogWriter(files.Logs, record.LogMaxBytes, record.LogFilesKept, time))
        {
            exit = await RunServiceAsync(spec, files, log, masker, time, terminate).ConfigureAwait(false);
            log.Append(LogEntry.CapstanStream, masker.Mask(exit.ToString()));
        }

        // Last: the supervisor takes exit.json to mean that the log is complete and the shim is about to exit.
        files.WriteExit(exit);
        return 0;
    }

    private static async Task<InstanceExit> RunServiceAsync(
        InstanceSpec spec, InstanceFiles files, RotatingLogWriter log, SecretMasker masker, TimeProvider time, CancellationToken terminate)
    {
        if (terminate.IsCancellationRequested)
        {
            return new InstanceExit { At = time.GetUtcNow(), Error = "stopped before the service was started" };
        }

        Process child;
        try
        {
            child = Start(spec);
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException or IOException)
        {
            return new InstanceExit { At = time.GetUtcNow(), Error = masker.Mask($"the service could not be started: {e.Message}") };
        }

        using (child)
        {
            var pid = child.Id;
            child.StandardInput.Close(); // a service that reads its input gets end-of-file, not a hang
            files.WriteChildPid(pid);
            log.Append(LogEntry.CapstanStream, $"started pid {pid}");
            log.Flush();

            var pumps = Task.WhenAll(
                PumpAsync(child.StandardOutput.BaseStream, masker, log, "stdout"),
                PumpAsync(child.StandardError.BaseStream, masker, log, "stderr"));
            using (terminate.Register(() => SignalQuietly(pid, ProcessGroup.SigTerm)))
            {
                await child.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }

            var exitCode = child.ExitCode;
            var at = time.GetUtcNow();

            // Whatever the service left running in its group goes too, which also closes the pipes those processes held.
            SignalQuietly(pid, ProcessGroup.SigKill);
            try
            {
                await pumps.WaitAsync(DrainLimit, time, CancellationToken.None).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // A process that left the group (setsid) still holds the pipe: stop reading it, the exit matters more.
                log.Append(LogEntry.CapstanStream, "output of processes that left the service's process group is no longer recorded");
            }

            return new InstanceExit
            {
                ExitCode = exitCode,
                Signal = exitCode is > 128 and <= 128 + 64 ? exitCode - 128 : null,
                At = at,
            };
        }
    }

    private static Process Start(InstanceSpec spec)
    {
        var info = new ProcessStartInfo("setsid")
        {
            WorkingDirectory = spec.WorkingDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in (string[])["bash", "--noprofile", "--norc", "-c", spec.Command])
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info) ?? throw new InvalidOperationException("setsid did not start");
    }

    private static void SignalQuietly(int group, int signal)
    {
        try
        {
            ProcessGroup.Signal(group, signal);
        }
        catch (Win32Exception)
        {
            // Not ours to signal any more (EPERM): nothing left to stop.
        }
    }

    /// <summary>
    /// Copies a pipe into the log: decoded as UTF-8 (invalid bytes become replacement characters), masked, then cut into
    /// lines. The masking writer holds back the current line until its end, so a secret split between two reads is
    /// still masked. The log is flushed after each read, so what the service wrote is on disk a moment later.
    /// </summary>
    private static async Task PumpAsync(Stream pipe, SecretMasker masker, RotatingLogWriter log, string stream)
    {
        var decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();
        var bytes = new byte[ReadBufferSize];
        var chars = new char[Encoding.UTF8.GetMaxCharCount(ReadBufferSize)];
        using var lineWriter = new LogLineWriter(log, stream);
        using var lines = masker.Wrap(lineWriter, leaveOpen: true);
        int read;
        while ((read = await pipe.ReadAsync(bytes).ConfigureAwait(false)) > 0)
        {
            var count = decoder.GetChars(bytes, 0, read, chars, 0, flush: false);
            lines.Write(chars, 0, count);
            log.Flush();
        }

        var rest = decoder.GetChars([], 0, 0, chars, 0, flush: true);
        lines.Write(chars, 0, rest);
        lines.Dispose(); // writes out what the masker held back
        lineWriter.Dispose(); // writes an unfinished last line
        log.Flush();
    }
}
