using System.Diagnostics;
using System.Globalization;
using System.Text;
using Capstan.Edge.Configuration;
using Capstan.Edge.Locating;
using Capstan.Edge.Runtime;

namespace Capstan.Edge.Lifecycle;

/// <summary>
/// The HAProxy of one edge directory, in master-worker mode and detached from Capstan
/// (<c>haproxy -W -D -S master.sock -p haproxy.pid -f haproxy.cfg</c>): it keeps serving when Capstan exits or is
/// killed, and a Capstan that starts again adopts it instead of starting a second one.
/// </summary>
public sealed class HaproxyProcess
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan AfterTermTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan AdoptTimeout = TimeSpan.FromSeconds(5);

    private readonly EdgeOptions _options;
    private readonly HaproxyRuntimeApi _runtimeApi;

    private HaproxyProcess(HaproxyBinary binary, EdgeOptions options, int masterPid, bool adopted)
    {
        Binary = binary;
        _options = options;
        MasterPid = masterPid;
        Adopted = adopted;
        _runtimeApi = new HaproxyRuntimeApi(options.AdminSocketPath);
    }

    public HaproxyBinary Binary { get; }

    /// <summary>The master's process id (what <c>haproxy.pid</c> holds); it stays the same across reloads.</summary>
    public int MasterPid { get; }

    /// <summary>Whether this HAProxy was already running and was adopted rather than started.</summary>
    public bool Adopted { get; }

    /// <summary>
    /// Whether the master is still running: its pid is alive and is still HAProxy on this directory's configuration
    /// (after a crash, the pid may have been given to another process, which must never get our signals).
    /// </summary>
    public bool IsRunning
    {
        get
        {
            if (!ProcessTable.IsRunning(MasterPid))
            {
                return false;
            }

            // While the master re-executes itself for a reload, /proc/PID/cmdline reads empty for a moment: that is
            // still our master, not another process.
            var commandLine = ProcessTable.CommandLine(MasterPid);
            return commandLine.Count == 0 || IsOurs(commandLine, _options);
        }
    }

    /// <summary>
    /// Adopts the HAProxy already running for this directory, or starts one on the configuration file, which must
    /// have been written. A fresh start validates the configuration (HAProxy's error text is in the exception),
    /// checks that the listen port is free, removes stale sockets and pid file, and returns once a worker answers.
    /// </summary>
    /// <exception cref="EdgeException">HAProxy is missing, refuses the configuration, or cannot listen.</exception>
    public static Task<HaproxyProcess> StartAsync(EdgeOptions options, CancellationToken cancellationToken) =>
        StartAsync(options, TimeSpan.Zero, cancellationToken);

    /// <param name="portRelease">
    /// How long the listen port may stay taken before that is an error: after HAProxy's master died, its worker keeps
    /// the listening socket until it notices, a moment later. Zero for a first start (a taken port is someone else's).
    /// </param>
    public static async Task<HaproxyProcess> StartAsync(EdgeOptions options, TimeSpan portRelease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        HaproxyConfig.CheckOptions(options);
        var binary = await HaproxyBinary.LocateAsync(options.HaproxyPath, cancellationToken).ConfigureAwait(false);
        var running = await TryAdoptAsync(binary, options, cancellationToken).ConfigureAwait(false);
        if (running is not null)
        {
            return running;
        }

        RemoveLeftovers(options);
        var released = DateTimeOffset.UtcNow + portRelease;
        while (!ListenPort.IsFree(options.ListenAddress, options.Port) && DateTimeOffset.UtcNow < released)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
        }

        ListenPort.EnsureFree(options.ListenAddress, options.Port);
        await ValidateAsync(binary, options.ConfigPath, cancellationToken).ConfigureAwait(false);

        var (exitCode, output) = await RunAsync(
            binary,
            ["-W", "-D", "-S", options.MasterSocketPath + ",mode,600", "-p", options.PidFilePath, "-f", options.ConfigPath],
            cancellationToken).ConfigureAwait(false);
        if (exitCode != 0)
        {
            throw ListenPort.IsBindConflict(output)
                ? new EdgeException(ListenPort.InUseMessage(options.ListenAddress, options.Port) + "\n" + Problems(output))
                : new EdgeException($"HAProxy did not start (exit code {exitCode}):\n{Problems(output)}");
        }

        // The launcher exits once the master has daemonized and written the pid file.
        var pid = ReadPidFile(options.PidFilePath)
            ?? throw new EdgeException($"HAProxy started but wrote no pid file at {options.PidFilePath}.\n{Problems(output)}");
        var process = new HaproxyProcess(binary, options, pid, adopted: false);
        await process.WaitUntilServingAsync(previous: null, cancellationToken).ConfigureAwait(false);
        return process;
    }

    /// <summary>Checks the configuration file with <c>haproxy -c</c>.</summary>
    /// <exception cref="EdgeException">HAProxy refuses it; the message holds HAProxy's alerts.</exception>
    public Task ValidateConfigAsync(CancellationToken cancellationToken) =>
        ValidateAsync(Binary, _options.ConfigPath, cancellationToken);

    /// <summary>The master's view of its processes (<c>show proc</c> on the master socket).</summary>
    /// <exception cref="EdgeException">The master does not answer.</exception>
    public async Task<MasterStatus> GetStatusAsync(CancellationToken cancellationToken) =>
        await TryGetStatusAsync(_options.MasterSocketPath, cancellationToken).ConfigureAwait(false)
        ?? throw new EdgeException($"The HAProxy master (pid {MasterPid}) does not answer on {_options.MasterSocketPath}.");

    /// <summary>
    /// Validates the configuration file, then reloads it through the master (<c>reload</c> on the master socket):
    /// new workers take over the listening sockets, old ones finish their requests. Returns once a new worker
    /// answers on the runtime API.
    /// </summary>
    /// <exception cref="EdgeException">The configuration is refused, or the reload failed; the old workers go on serving.</exception>
    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        await ValidateConfigAsync(cancellationToken).ConfigureAwait(false);
        var before = await GetStatusAsync(cancellationToken).ConfigureAwait(false);

        // The master re-executes itself at once and closes the connection: there is no answer to read.
        _ = await HaproxyCli.TrySendAsync(_options.MasterSocketPath, "reload", HaproxyCli.DefaultTimeout, cancellationToken).ConfigureAwait(false);
        await WaitUntilServingAsync(before, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops HAProxy gracefully: SIGUSR1 (stop listening, finish the requests in flight), then SIGTERM after
    /// <see cref="EdgeOptions.GracefulStopTimeout"/>, then SIGKILL. Removes the pid file and sockets.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (IsRunning
            && ProcessTable.Signal(MasterPid, ProcessTable.SigUsr1)
            && !await WaitForExitAsync(_options.GracefulStopTimeout, cancellationToken).ConfigureAwait(false)
            && ProcessTable.Signal(MasterPid, ProcessTable.SigTerm)
            && !await WaitForExitAsync(AfterTermTimeout, cancellationToken).ConfigureAwait(false)
            && ProcessTable.Signal(MasterPid, ProcessTable.SigKill)
            && !await WaitForExitAsync(AfterTermTimeout, cancellationToken).ConfigureAwait(false))
        {
            throw new EdgeException($"HAProxy (pid {MasterPid}) did not stop, even on SIGKILL.");
        }

        RemoveLeftovers(_options);
    }

    /// <summary>
    /// The HAProxy of this directory when it runs: the pid file names a live process whose command line is HAProxy
    /// on our configuration file, and its master socket answers. Null when there is none (stale files are left for
    /// the caller to remove).
    /// </summary>
    /// <exception cref="EdgeException">It runs but its master socket does not answer.</exception>
    internal static async Task<HaproxyProcess?> TryAdoptAsync(HaproxyBinary binary, EdgeOptions options, CancellationToken cancellationToken)
    {
        if (ReadPidFile(options.PidFilePath) is not { } pid)
        {
            return null;
        }

        // A master in the middle of a reload shows an empty command line and refuses connections for a moment.
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            if (!ProcessTable.IsRunning(pid))
            {
                return null;
            }

            var commandLine = ProcessTable.CommandLine(pid);
            if (commandLine.Count > 0 && !IsOurs(commandLine, options))
            {
                return null;
            }

            if (commandLine.Count > 0
                && await TryGetStatusAsync(options.MasterSocketPath, cancellationToken).ConfigureAwait(false) is { } status
                && status.MasterPid == pid)
            {
                break;
            }

            if (Stopwatch.GetElapsedTime(started) > AdoptTimeout)
            {
                throw new EdgeException(
                    $"HAProxy (pid {pid}) runs on {options.ConfigPath} but its master socket {options.MasterSocketPath} does not answer; "
                    + $"stop it (kill {pid}) and start again.");
            }

            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }

        var process = new HaproxyProcess(binary, options, pid, adopted: true);
        await process.WaitUntilServingAsync(previous: null, cancellationToken).ConfigureAwait(false);
        return process;
    }

    internal static bool IsOurs(IReadOnlyList<string> commandLine, EdgeOptions options)
    {
        if (commandLine.Count == 0 || Path.GetFileName(commandLine[0]) != "haproxy")
        {
            return false;
        }

        for (var i = 1; i + 1 < commandLine.Count; i++)
        {
            if (commandLine[i] == "-f" && commandLine[i + 1] == options.ConfigPath)
            {
                return true;
            }
        }

        return false;
    }

    private static async Task<MasterStatus?> TryGetStatusAsync(string masterSocket, CancellationToken cancellationToken)
    {
        var answer = await HaproxyCli.TrySendAsync(masterSocket, "show proc", HaproxyCli.DefaultTimeout, cancellationToken).ConfigureAwait(false);
        return answer is null ? null : MasterStatus.TryParse(answer);
    }

    /// <summary>
    /// Waits until a current worker (one that <paramref name="previous"/> did not list) answers on the runtime API:
    /// from then on, commands reach the worker that serves the configuration on disk.
    /// </summary>
    private async Task WaitUntilServingAsync(MasterStatus? previous, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var status = await TryGetStatusAsync(_options.MasterSocketPath, cancellationToken).ConfigureAwait(false);
            if (status is not null && (previous is null || status.Reloads > previous.Reloads))
            {
                if (previous is not null && status.FailedReloads > previous.FailedReloads)
                {
                    throw new EdgeException(
                        $"HAProxy (pid {MasterPid}) could not load {_options.ConfigPath} on reload; the previous workers go on serving the previous configuration.");
                }

                // On start or adoption any worker will do (after a failed reload, none may count as current).
                var fresh = (previous is null ? status.Workers : status.CurrentWorkers.Where(w => previous.Workers.All(old => old.Pid != w.Pid)))
                    .Select(w => w.Pid)
                    .ToHashSet();
                if (fresh.Count > 0
                    && await _runtimeApi.TryGetWorkerPidAsync(cancellationToken).ConfigureAwait(false) is { } answering
                    && fresh.Contains(answering))
                {
                    return;
                }
            }

            if (!IsRunning)
            {
                throw new EdgeException($"HAProxy (pid {MasterPid}) exited while starting; check {_options.ConfigPath} with: {Binary.Path} -c -f {_options.ConfigPath}");
            }

            if (Stopwatch.GetElapsedTime(started) > StartTimeout)
            {
                throw new EdgeException($"HAProxy (pid {MasterPid}) has no worker answering on {_options.AdminSocketPath} after {StartTimeout.TotalSeconds:0} s.");
            }

            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<bool> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (IsRunning)
        {
            if (Stopwatch.GetElapsedTime(started) > timeout)
            {
                return false;
            }

            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    private static async Task ValidateAsync(HaproxyBinary binary, string configPath, CancellationToken cancellationToken)
    {
        var (exitCode, output) = await RunAsync(binary, ["-c", "-f", configPath], cancellationToken).ConfigureAwait(false);
        if (exitCode != 0)
        {
            throw new EdgeException($"HAProxy refuses the configuration {configPath}:\n{Problems(output)}");
        }
    }

    /// <summary>HAProxy's alerts and warnings, without its notices; everything when it printed neither.</summary>
    private static string Problems(string output)
    {
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string[] problems = [.. lines.Where(l => l.Contains("[ALERT]", StringComparison.Ordinal) || l.Contains("[WARNING]", StringComparison.Ordinal))];
        return string.Join('\n', problems.Length > 0 ? problems : lines);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(HaproxyBinary binary, string[] arguments, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(binary.Path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // HAProxy outlives Capstan and its runtime API can print its environment (show env): it gets none of ours.
        startInfo.Environment.Clear();
        startInfo.Environment["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

        using var process = new Process { StartInfo = startInfo };
        process.Start();
        process.StandardInput.Close();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(StartTimeout);
        var output = new StringBuilder();
        try
        {
            var standardOutput = process.StandardOutput.ReadToEndAsync(limit.Token);
            var standardError = process.StandardError.ReadToEndAsync(limit.Token);
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
            output.Append(await standardError.ConfigureAwait(false)).Append(await standardOutput.ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill();
            throw new EdgeException($"'{binary.Path} {string.Join(' ', arguments)}' did not finish within {StartTimeout.TotalSeconds:0} s.");
        }

        return (process.ExitCode, output.ToString());
    }

    private static int? ReadPidFile(string path)
    {
        try
        {
            var first = File.ReadLines(path).FirstOrDefault();
            return int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0 ? pid : null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>What a stopped or crashed HAProxy leaves behind: HAProxy removes neither its pid file nor its sockets.</summary>
    private static void RemoveLeftovers(EdgeOptions options)
    {
        File.Delete(options.PidFilePath);
        File.Delete(options.MasterSocketPath);
        File.Delete(options.AdminSocketPath);
    }
}
