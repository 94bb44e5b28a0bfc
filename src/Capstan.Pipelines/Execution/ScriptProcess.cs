using System.Diagnostics;
using System.Text;

namespace Capstan.Pipelines.Execution;

/// <summary>How a script ended.</summary>
public enum ScriptEnd
{
    /// <summary>It exited by itself; see the exit code.</summary>
    Exited,

    /// <summary>It ran past its time limit and was killed.</summary>
    TimedOut,

    /// <summary>It was stopped because the run was cancelled (Ctrl+C, or another job failed).</summary>
    Cancelled,
}

/// <summary>The end of one script.</summary>
public sealed record ScriptResult(ScriptEnd End, int ExitCode, TimeSpan Duration)
{
    public bool Succeeded => End == ScriptEnd.Exited && ExitCode == 0;
}

/// <summary>What to run: a bash script, where, with which environment, for how long.</summary>
public sealed record ScriptStart
{
    public required string Script { get; init; }

    public required string WorkingDirectory { get; init; }

    /// <summary>The whole environment of the script: nothing of the caller's is added.</summary>
    public required IReadOnlyDictionary<string, string> Environment { get; init; }

    public TimeSpan? Timeout { get; init; }

    /// <summary>After SIGTERM, how long the script's processes get to exit before SIGKILL.</summary>
    public TimeSpan KillGrace { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Runs one bash script (<c>bash -e -o pipefail</c>) in its own process group, streams its output into a
/// <see cref="JobLog"/>, and leaves no process behind: when the script ends, ends by timeout or is cancelled, the whole
/// group gets SIGTERM, then SIGKILL after a grace period. Background children that outlive the script are killed too,
/// as hosted CI runners do when a job ends.
/// </summary>
public static class ScriptProcess
{
    private const int ReadBufferSize = 64 * 1024;

    public static async Task<ScriptResult> RunAsync(ScriptStart start, JobLog log, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(time);
        if (cancellationToken.IsCancellationRequested)
        {
            return new ScriptResult(ScriptEnd.Cancelled, -1, TimeSpan.Zero);
        }

        var info = new ProcessStartInfo("setsid")
        {
            WorkingDirectory = start.WorkingDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in (string[])["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", start.Script])
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment.Clear();
        foreach (var (name, value) in start.Environment)
        {
            info.Environment[name] = value;
        }

        var started = time.GetTimestamp();
        using var process = new Process { StartInfo = info };
        process.Start();
        var group = process.Id;
        process.StandardInput.Close(); // a script that reads its input gets end-of-file, not a hang

        var stdout = log.OpenStream();
        await using var stdoutOwner = stdout.ConfigureAwait(false);
        var stderr = log.OpenStream();
        await using var stderrOwner = stderr.ConfigureAwait(false);
        var pumps = Task.WhenAll(
            PumpAsync(process.StandardOutput.BaseStream, stdout),
            PumpAsync(process.StandardError.BaseStream, stderr));

        using var timeout = start.Timeout is { } limit ? new CancellationTokenSource(limit, time) : new CancellationTokenSource();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var end = ScriptEnd.Exited;
        try
        {
            await process.WaitForExitAsync(stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            end = cancellationToken.IsCancellationRequested ? ScriptEnd.Cancelled : ScriptEnd.TimedOut;
            await TerminateAsync(process, group, start.KillGrace, time).ConfigureAwait(false);
        }

        // The script has exited; anything it left running in its group goes now, which also closes the pipes those
        // children held open, so that reading the output ends.
        KillGroup(group);
        await pumps.ConfigureAwait(false);
        return new ScriptResult(end, process.ExitCode, time.GetElapsedTime(started));
    }

    private static async Task TerminateAsync(Process process, int group, TimeSpan grace, TimeProvider time)
    {
        if (!ProcessGroup.Signal(group, ProcessGroup.SigTerm))
        {
            return;
        }

        using var graceOver = new CancellationTokenSource(grace, time);
        try
        {
            await process.WaitForExitAsync(graceOver.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (graceOver.IsCancellationRequested)
        {
            // Ignored SIGTERM: SIGKILL below.
        }

        KillGroup(group);
        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private static void KillGroup(int group) => ProcessGroup.Signal(group, ProcessGroup.SigKill);

    /// <summary>
    /// Copies a pipe into a masked writer. Bytes are decoded as UTF-8 with replacement characters for invalid
    /// sequences, so binary output is logged as text without breaking anything; the decoder keeps a sequence split
    /// between two reads.
    /// </summary>
    private static async Task PumpAsync(Stream pipe, TextWriter writer)
    {
        var decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();
        var bytes = new byte[ReadBufferSize];
        var chars = new char[Encoding.UTF8.GetMaxCharCount(ReadBufferSize)];
        int read;
        while ((read = await pipe.ReadAsync(bytes).ConfigureAwait(false)) > 0)
        {
            var count = decoder.GetChars(bytes, 0, read, chars, 0, flush: false);
            writer.Write(chars, 0, count);
        }

        var rest = decoder.GetChars([], 0, 0, chars, 0, flush: true);
        writer.Write(chars, 0, rest);
    }
}
