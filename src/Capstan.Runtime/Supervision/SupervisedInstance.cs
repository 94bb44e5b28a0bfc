using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Capstan.Pipelines.Execution;
using Capstan.Runtime.Health;
using Capstan.Runtime.Instances;
using Capstan.Runtime.Ports;
using Capstan.Runtime.Processes;

namespace Capstan.Runtime.Supervision;

/// <summary>How a supervisor takes an instance on.</summary>
internal enum TakeOver
{
    /// <summary>Its shim was just launched by this supervisor.</summary>
    Launched,

    /// <summary>Its shim and service were found running, started before Capstan restarted.</summary>
    Adopted,

    /// <summary>Its processes were found gone although no stop was asked for: restarted per the backoff.</summary>
    Crashed,

    /// <summary>A stop was under way when Capstan went away: it is finished.</summary>
    FinishStop,
}

/// <summary>
/// One instance under supervision. A single loop owns it: it launches the shim, probes, notices the exit, waits out the
/// backoff, restarts, and stops; other threads only read its status and ask it to stop. Every change that a restarted
/// Capstan needs is written to <c>instance.json</c> before it matters.
/// </summary>
internal sealed class SupervisedInstance
{
    /// <summary>How often an adopted shim (not our child, so no exit notification) is looked at: an OS observation, on the real clock.</summary>
    private static readonly TimeSpan ExitPollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>How long to wait for the shim once its service was killed; it exits a moment after, or something is badly wrong.</summary>
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(10);

    private readonly Supervisor _owner;
    private readonly SupervisorOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly AsyncSignal _wake = new();
    private readonly AsyncSignal _changed = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private InstanceSpec _spec;
    private bool _secretsKnown;
    private InstanceRecord _record;
    private InstanceStatus _status;
    private Process? _shimProcess;
    private InstanceExit? _pendingExit;
    private string? _exitReason;
    private volatile int _port;
    private bool _stopRequested;
    private TimeSpan _stopGrace;
    private Task _loop = Task.CompletedTask;

    private SupervisedInstance(Supervisor owner, InstanceSpec spec, InstanceFiles files, InstanceRecord record, InstanceStatus status)
    {
        _owner = owner;
        _options = owner.Options;
        _time = owner.Options.TimeProvider;
        _spec = spec;
        Files = files;
        _record = record;
        _status = status;
        _port = record.Port;
        _secretsKnown = spec.SecretEnvNames.All(spec.Env.ContainsKey);
    }

    private enum Outcome
    {
        Exited,
        LivenessFailed,
        StopRequested,
    }

    public InstanceFiles Files { get; }

    public string Id => _spec.Id;

    /// <summary>The port the instance holds, also while it backs off; read by the port allocator.</summary>
    public int Port => _port;

    public InstanceStatus Status
    {
        get
        {
            lock (_lock)
            {
                return _status;
            }
        }
    }

    /// <summary>Completes when the instance has stopped and its folder is gone; cancelled when the supervisor was disposed first.</summary>
    public Task Stopped => _stopped.Task;

    public Task Loop => _loop;

    public Process? ShimProcess => _shimProcess;

    private bool StopRequested
    {
        get
        {
            lock (_lock)
            {
                return _stopRequested;
            }
        }
    }

    /// <summary>A new instance on <paramref name="port"/>; <see cref="LaunchAsync"/> starts it.</summary>
    public static SupervisedInstance Create(Supervisor owner, InstanceSpec spec, InstanceFiles files, int port)
    {
        var now = owner.Options.TimeProvider.GetUtcNow();
        var record = new InstanceRecord
        {
            Spec = InstanceRecord.WithoutSecrets(spec),
            Port = port,
            StartedAt = now,
            LogMaxBytes = owner.Options.LogRotation.MaxFileBytes,
            LogFilesKept = owner.Options.LogRotation.FilesKept,
        };
        return new SupervisedInstance(owner, spec, files, record, NewStatus(spec, record, InstancePhase.Starting, adopted: false));
    }

    /// <summary>An instance found in the instances folder when the supervisor started.</summary>
    public static SupervisedInstance FromRecord(Supervisor owner, InstanceRecord record, InstanceFiles files, TakeOver takeOver)
    {
        var spec = record.Spec;
        if (takeOver == TakeOver.Adopted && record.Shim is { } shim && spec.SecretEnvNames.Count > 0)
        {
            // Secret values are never written down; the running shim was started with them.
            var secrets = ProcStat.ReadEnvironment(shim.Pid, spec.SecretEnvNames);
            spec = spec with { Env = spec.Env.Concat(secrets).ToDictionary(StringComparer.Ordinal) };
        }

        var phase = takeOver switch
        {
            TakeOver.Adopted => record.ReadySince is null ? InstancePhase.Starting : InstancePhase.Ready,
            TakeOver.FinishStop => InstancePhase.Stopping,
            _ => InstancePhase.BackingOff,
        };
        var running = takeOver is TakeOver.Adopted or TakeOver.FinishStop;
        var status = NewStatus(spec, record, phase, adopted: takeOver == TakeOver.Adopted) with
        {
            ShimPid = running ? record.Shim?.Pid : null,
            Pid = running ? record.Child?.Pid : null,
            ReadySince = phase == InstancePhase.Ready ? record.ReadySince : null,
        };
        var instance = new SupervisedInstance(owner, spec, files, record, status);
        if (takeOver == TakeOver.FinishStop)
        {
            instance._stopRequested = true;
            instance._stopGrace = record.StopGrace ?? spec.GracePeriod;
        }

        return instance;
    }

    /// <summary>Starts the loop that supervises the instance from now on.</summary>
    public void StartLoop(TakeOver takeOver, CancellationToken disposing) => _loop = Task.Run(() => RunAsync(takeOver, disposing), CancellationToken.None);

    /// <summary>Asks the loop to stop the instance; the first request's grace period counts.</summary>
    public void RequestStop(TimeSpan? grace)
    {
        lock (_lock)
        {
            if (!_stopRequested)
            {
                _stopRequested = true;
                _stopGrace = grace ?? _spec.GracePeriod;
            }
        }

        _wake.Set();
    }

    public async Task<bool> WaitUntilReadyAsync(TimeSpan deadline, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(deadline, _time);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        while (true)
        {
            var changed = _changed.WaitAsync();
            switch (Status.Phase)
            {
                case InstancePhase.Ready:
                    return true;
                case InstancePhase.BackingOff or InstancePhase.Stopping or InstancePhase.Stopped:
                    return false;
            }

            try
            {
                await changed.WaitAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                return false;
            }
        }
    }

    /// <summary>
    /// Launches the shim: checks the port (on a restart), writes the record, then starts the shim, so that a Capstan
    /// killed at any point finds a record for every shim it started.
    /// </summary>
    /// <exception cref="RuntimeException">The secrets are unknown, no port is free, or the shim cannot be started.</exception>
    public async Task LaunchAsync(bool restart, CancellationToken cancellationToken)
    {
        if (!_secretsKnown)
        {
            await ResolveSecretsAsync(cancellationToken).ConfigureAwait(false);
        }

        var port = _port;
        if (restart && !PortAllocator.IsFree(port))
        {
            _port = _owner.AllocatePortFor(this);
            RuntimeLog.PortMoved(_owner.Logger, Id, port, _port);
            port = _port;
        }

        var restarts = restart ? _status.Restarts + 1 : _status.Restarts;
        var now = _time.GetUtcNow();
        Process process;
        try
        {
            Files.ClearRun();
            Save(r => r with { Port = port, Shim = null, Child = null, StartedAt = now, ReadySince = null, Restarts = restarts, Stopping = false });
            process = ShimLauncher.Start(_options.ShimCommand, Files, Environment(port));
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            throw new RuntimeException($"cannot start the shim of instance {Id} ({string.Join(' ', _options.ShimCommand)}): {e.Message}", e);
        }

        _shimProcess?.Dispose();
        _shimProcess = process;
        var shim = ProcessIdentity.Of(process.Id); // null when it died at once: the loop sees it exited
        Save(r => r with { Shim = shim });
        Update(s => s with
        {
            Phase = InstancePhase.Starting,
            Port = port,
            ShimPid = process.Id,
            Pid = null,
            StartedAt = now,
            ReadySince = null,
            Adopted = false,
            Restarts = restarts,
            NextRestartAt = null,
        });
        RuntimeLog.Launched(_owner.Logger, Id, _spec.Service, process.Id, port);
    }

    private static InstanceStatus NewStatus(InstanceSpec spec, InstanceRecord record, InstancePhase phase, bool adopted) => new()
    {
        Id = spec.Id,
        App = spec.App,
        Service = spec.Service,
        Environment = spec.Environment,
        ReleaseId = spec.ReleaseId,
        Version = spec.Version,
        Port = record.Port,
        Phase = phase,
        StartedAt = record.StartedAt,
        Restarts = record.Restarts,
        LastExit = record.LastExit,
        LastError = record.LastError,
        BackoffDelays = record.BackoffDelays,
        Adopted = adopted,
    };

    private static void SignalQuietly(int group, int signal)
    {
        try
        {
            ProcessGroup.Signal(group, signal);
        }
        catch (Win32Exception)
        {
            // EPERM: not ours (any more).
        }
    }

    private async Task RunAsync(TakeOver takeOver, CancellationToken disposing)
    {
        try
        {
            var outcome = takeOver switch
            {
                TakeOver.Crashed => Outcome.Exited,
                TakeOver.FinishStop => Outcome.StopRequested,
                _ => await MonitorAsync(disposing).ConfigureAwait(false),
            };
            while (true)
            {
                if (outcome == Outcome.StopRequested || StopRequested)
                {
                    await TerminateAsync(stopping: true, disposing).ConfigureAwait(false);
                    Finish();
                    return;
                }

                if (outcome == Outcome.LivenessFailed)
                {
                    await TerminateAsync(stopping: false, disposing).ConfigureAwait(false);
                }

                var delay = RecordExit();
                if (!await WaitBeforeRestartAsync(delay, disposing).ConfigureAwait(false))
                {
                    outcome = Outcome.StopRequested;
                    continue;
                }

                try
                {
                    await LaunchAsync(restart: true, disposing).ConfigureAwait(false);
                    outcome = await MonitorAsync(disposing).ConfigureAwait(false);
                }
                catch (RuntimeException e)
                {
                    RuntimeLog.LaunchFailed(_owner.Logger, Id, e.Message);
                    _pendingExit = new InstanceExit { At = _time.GetUtcNow(), Error = $"could not be started: {e.Message}" };
                    outcome = Outcome.Exited;
                }
            }
        }
        catch (OperationCanceledException) when (disposing.IsCancellationRequested)
        {
            // The supervisor was disposed: the processes run on, for the next one to adopt.
            _stopped.TrySetCanceled(disposing);
        }
        catch (Exception e)
        {
            RuntimeLog.SupervisionFailed(_owner.Logger, e, Id);
            Update(s => s with { LastError = $"supervision failed: {e.Message}" });
            _stopped.TrySetException(e);
        }
    }

    /// <summary>Probes until the process exits, fails liveness, or a stop is asked for.</summary>
    private async Task<Outcome> MonitorAsync(CancellationToken disposing)
    {
        var health = _spec.Health;
        var exited = WatchExitAsync(disposing);
        var readinessFailures = 0;
        var livenessFailures = 0;
        var hasStarted = Status.Phase == InstancePhase.Ready; // passed a probe: liveness failures count from then on
        while (true)
        {
            var wake = _wake.WaitAsync();
            disposing.ThrowIfCancellationRequested();
            if (StopRequested)
            {
                return Outcome.StopRequested;
            }

            if (exited.IsCompletedSuccessfully || HasExited())
            {
                return Outcome.Exited;
            }

            LearnChild();
            var readiness = await _owner.Prober.ProbeAsync(_port, health.ReadinessPath, health.Timeout, disposing).ConfigureAwait(false);
            if (StopRequested || exited.IsCompletedSuccessfully || HasExited())
            {
                continue; // a failed probe of a process that is gone is no news
            }

            readinessFailures = ApplyReadiness(readiness, readinessFailures);
            hasStarted |= readiness.Passed;
            if (health.LivenessPath is { } path)
            {
                var liveness = await _owner.Prober.ProbeAsync(_port, path, health.Timeout, disposing).ConfigureAwait(false);
                if (StopRequested || exited.IsCompletedSuccessfully || HasExited())
                {
                    continue;
                }

                // A process still starting is not failing: failures count once it passed a probe, or once the start
                // period (when there is one) is over, so that one hanging at start is caught too.
                hasStarted |= liveness.Passed;
                var counts = hasStarted || (health.StartPeriod > TimeSpan.Zero && _time.GetUtcNow() - Status.StartedAt >= health.StartPeriod);
                livenessFailures = liveness.Passed || !counts ? 0 : livenessFailures + 1;
                if (livenessFailures >= health.FailureThreshold)
                {
                    RuntimeLog.LivenessFailed(_owner.Logger, Id, livenessFailures, liveness.Failure!);
                    _exitReason = string.Create(
                        CultureInfo.InvariantCulture,
                        $"failed its liveness probe {livenessFailures} times in a row ({liveness.Failure}) and was restarted");
                    return Outcome.LivenessFailed;
                }
            }

            await Task.WhenAny(Task.Delay(health.Interval, _time, disposing), exited, wake).ConfigureAwait(false);
        }
    }

    private int ApplyReadiness(ProbeResult probe, int failures)
    {
        var phase = Status.Phase;
        if (probe.Passed)
        {
            if (phase is InstancePhase.Starting or InstancePhase.Unready)
            {
                var now = _time.GetUtcNow();
                Save(r => r with { ReadySince = now });
                Update(s => s with { Phase = InstancePhase.Ready, ReadySince = now });
            }

            return 0;
        }

        failures++;
        if (phase == InstancePhase.Ready && failures >= _spec.Health.FailureThreshold)
        {
            var error = string.Create(CultureInfo.InvariantCulture, $"readiness probe failed {failures} times in a row: {probe.Failure}");
            Save(r => r with { ReadySince = null, LastError = error });
            Update(s => s with { Phase = InstancePhase.Unready, ReadySince = null, LastError = error });
        }

        return failures;
    }

    /// <summary>Completes when the shim has exited: at once for our own child, by looking at /proc for an adopted one.</summary>
    private async Task WatchExitAsync(CancellationToken disposing)
    {
        if (_shimProcess is { } process)
        {
            await process.WaitForExitAsync(disposing).ConfigureAwait(false);
            return;
        }

        while (!HasExited())
        {
            await Task.Delay(ExitPollInterval, disposing).ConfigureAwait(false);
        }
    }

    /// <summary>True once the service's exit is recorded or the shim is gone (our child or not, a zombie counts as gone).</summary>
    private bool HasExited() =>
        File.Exists(Files.Exit) || _shimProcess is { HasExited: true } || _record.Shim?.IsRunning() != true;

    /// <summary>Reads the service's pid from <c>child.pid</c> once the shim has written it, with its start time.</summary>
    private void LearnChild()
    {
        if (_record.Child is not null || Files.ReadChildPid() is not { } pid)
        {
            return;
        }

        var child = ProcessIdentity.Of(pid);
        if (child is null || File.Exists(Files.Exit))
        {
            return; // already exited: the pid may be anyone's by now
        }

        Save(r => r with { Child = child });
        Update(s => s with { Pid = pid });
    }

    /// <summary>
    /// SIGTERM to the service's process group (or to the shim, which passes it on, when the service has not started
    /// yet); after the grace period, SIGKILL to the group; then waits for the shim to record the exit.
    /// </summary>
    private async Task TerminateAsync(bool stopping, CancellationToken disposing)
    {
        TimeSpan grace;
        lock (_lock)
        {
            grace = stopping ? _stopGrace : _spec.GracePeriod;
        }

        if (stopping)
        {
            Save(r => r with { Stopping = true, StopGrace = grace });
            Update(s => s with { Phase = InstancePhase.Stopping, ReadySince = null, NextRestartAt = null });
        }

        if (HasExited())
        {
            KillOrphan();
            return;
        }

        LearnChild();
        if (_record.Child is { } child && child.IsRunning())
        {
            SignalQuietly(child.Pid, ProcessGroup.SigTerm);
        }
        else if (_record.Shim is { } shim && shim.IsRunning())
        {
            SignalQuietly(shim.Pid, ProcessGroup.SigTerm); // the shim leads a group of its own
        }

        var exited = WatchExitAsync(disposing);
        await Task.WhenAny(exited, Task.Delay(grace, _time, disposing)).ConfigureAwait(false);
        disposing.ThrowIfCancellationRequested();
        if (exited.IsCompletedSuccessfully)
        {
            return;
        }

        RuntimeLog.Killed(_owner.Logger, Id, grace);
        LearnChild();
        if (_record.Child is { } known)
        {
            SignalQuietly(known.Pid, ProcessGroup.SigKill);
        }
        else if (_record.Shim is { } shim && shim.IsRunning())
        {
            SignalQuietly(shim.Pid, ProcessGroup.SigKill); // it never started the service: nothing else to kill
        }

        await Task.WhenAny(exited, Task.Delay(KillWait, disposing)).ConfigureAwait(false);
        disposing.ThrowIfCancellationRequested();
        if (!exited.IsCompletedSuccessfully && _record.Shim is { } stuck && stuck.IsRunning())
        {
            SignalQuietly(stuck.Pid, ProcessGroup.SigKill);
        }
    }

    /// <summary>The shim is gone without a word: its service may still run, orphaned. Kill its group when it is surely ours.</summary>
    private void KillOrphan()
    {
        if (!File.Exists(Files.Exit) && _record.Child is { } child && child.IsRunning())
        {
            SignalQuietly(child.Pid, ProcessGroup.SigKill);
        }
    }

    /// <summary>Records how the process ended and moves to <see cref="InstancePhase.BackingOff"/>; returns the delay to wait.</summary>
    private TimeSpan RecordExit()
    {
        var exit = _pendingExit ?? Files.ReadExit();
        _pendingExit = null;
        if (exit is null)
        {
            KillOrphan();
            var tail = Files.ShimLogTail();
            exit = new InstanceExit
            {
                At = _time.GetUtcNow(),
                Error = "the shim ended without recording the service's exit" + (tail is null ? string.Empty : $"; shim.log ends with: {tail}"),
            };
        }

        var error = _exitReason ?? exit.Error ?? $"the service {exit}";
        _exitReason = null;
        var failures = exit.At - Status.StartedAt >= _options.Backoff.ResetAfter ? 0 : _record.ConsecutiveFailures;
        var delay = _options.Backoff.DelayAfter(failures);
        IReadOnlyList<TimeSpan> delays = [.. Status.BackoffDelays.Append(delay).TakeLast(32)];
        Save(r => r with
        {
            Shim = null,
            Child = null,
            ReadySince = null,
            ConsecutiveFailures = failures + 1,
            BackoffDelays = delays,
            LastExit = exit,
            LastError = error,
        });
        var restartAt = _time.GetUtcNow() + delay;
        Update(s => s with
        {
            Phase = InstancePhase.BackingOff,
            ShimPid = null,
            Pid = null,
            ReadySince = null,
            LastExit = exit,
            LastError = error,
            BackoffDelays = delays,
            NextRestartAt = restartAt,
        });
        RuntimeLog.Exited(_owner.Logger, Id, error, delay);
        return delay;
    }

    /// <summary>Waits out the backoff delay; false when a stop was asked for meanwhile.</summary>
    private async Task<bool> WaitBeforeRestartAsync(TimeSpan delay, CancellationToken disposing)
    {
        var wake = _wake.WaitAsync();
        if (StopRequested)
        {
            return false;
        }

        await Task.WhenAny(Task.Delay(delay, _time, disposing), wake).ConfigureAwait(false);
        disposing.ThrowIfCancellationRequested();
        return !StopRequested;
    }

    private void Finish()
    {
        if (Directory.Exists(Files.Directory))
        {
            Directory.Delete(Files.Directory, recursive: true);
        }

        _shimProcess?.Dispose();
        _shimProcess = null;
        _owner.Forget(this);
        Update(s => s with { Phase = InstancePhase.Stopped, ShimPid = null, Pid = null, ReadySince = null, NextRestartAt = null });
        RuntimeLog.Stopped(_owner.Logger, Id);
        _stopped.TrySetResult();
    }

    private async Task ResolveSecretsAsync(CancellationToken cancellationToken)
    {
        var missing = _spec.SecretEnvNames.Where(n => !_spec.Env.ContainsKey(n)).ToList();
        if (_options.ResolveSecrets is not { } resolve)
        {
            throw new RuntimeException(
                $"the values of its secret variables ({string.Join(", ", missing)}) are not known after Capstan restarted: they are never written to disk, "
                + "and the shim that had them is gone. Stop the instance and start a new one, or set SupervisorOptions.ResolveSecrets");
        }

        var values = await resolve(_spec, cancellationToken).ConfigureAwait(false);
        var stillMissing = missing.Where(n => !values.ContainsKey(n)).ToList();
        if (stillMissing.Count > 0)
        {
            throw new RuntimeException($"ResolveSecrets gave no value for the secret variables {string.Join(", ", stillMissing)}");
        }

        _spec = _spec with
        {
            Env = _spec.Env.Concat(missing.Select(n => KeyValuePair.Create(n, values[n]))).ToDictionary(StringComparer.Ordinal),
        };
        _secretsKnown = true;
    }

    /// <summary>The shim's (and so the service's) environment: a few of Capstan's variables, the spec's, and PORT.</summary>
    private Dictionary<string, string> Environment(int port)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in _options.PassThroughEnvironment)
        {
            if (System.Environment.GetEnvironmentVariable(name) is { } value)
            {
                environment[name] = value;
            }
        }

        foreach (var (name, value) in _spec.Env)
        {
            environment[name] = value;
        }

        environment["PORT"] = port.ToString(CultureInfo.InvariantCulture);
        return environment;
    }

    private void Save(Func<InstanceRecord, InstanceRecord> change)
    {
        _record = change(_record);
        Files.WriteRecord(_record);
    }

    private void Update(Func<InstanceStatus, InstanceStatus> change)
    {
        InstanceStatus previous, next;
        lock (_lock)
        {
            previous = _status;
            next = change(previous);
            if (next == previous)
            {
                return;
            }

            _status = next;
        }

        _changed.Set();
        _owner.RaiseChanged(next, previous);
    }
}
