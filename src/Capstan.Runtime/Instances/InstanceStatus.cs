using System.Globalization;

namespace Capstan.Runtime.Instances;

/// <summary>Where an instance is in its life.</summary>
public enum InstancePhase
{
    /// <summary>Its process was started (or adopted) and has not passed a readiness probe yet.</summary>
    Starting,

    /// <summary>Its readiness probe passes: it may get traffic.</summary>
    Ready,

    /// <summary>It was ready and then failed <see cref="HealthCheck.FailureThreshold"/> readiness probes in a row.</summary>
    Unready,

    /// <summary>Its process exited or failed liveness; it is restarted after <see cref="InstanceStatus.BackoffDelays"/>' last delay.</summary>
    BackingOff,

    /// <summary>It is being stopped: SIGTERM sent, waiting for the grace period.</summary>
    Stopping,

    /// <summary>It was stopped and its folder removed; the supervisor forgets it.</summary>
    Stopped,
}

/// <summary>How an instance's process ended, as its shim recorded it in <c>exit.json</c>.</summary>
public sealed record InstanceExit
{
    /// <summary>The exit code; for a process killed by signal N, 128 + N (as .NET and shells report it).</summary>
    public int? ExitCode { get; init; }

    /// <summary>The signal that killed it, when <see cref="ExitCode"/> is above 128; null otherwise.</summary>
    public int? Signal { get; init; }

    public required DateTimeOffset At { get; init; }

    /// <summary>Why there is no exit code, when there is none (the process could not be started, its shim died).</summary>
    public string? Error { get; init; }

    public override string ToString() =>
        Error ?? (Signal is { } signal
            ? string.Create(CultureInfo.InvariantCulture, $"killed by signal {signal}")
            : string.Create(CultureInfo.InvariantCulture, $"exited with code {ExitCode}"));
}

/// <summary>A snapshot of one instance: immutable, replaced on every change (<see cref="Supervision.Supervisor.InstanceChanged"/>).</summary>
public sealed record InstanceStatus
{
    public required string Id { get; init; }

    public required string App { get; init; }

    public required string Service { get; init; }

    public required string Environment { get; init; }

    public required string ReleaseId { get; init; }

    public required string Version { get; init; }

    /// <summary>The port the service listens on, on 127.0.0.1; a restart keeps it unless someone else took it meanwhile.</summary>
    public required int Port { get; init; }

    /// <summary><c>127.0.0.1:PORT</c>, for the edge.</summary>
    public string Address => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    /// <summary>The shim's process id; null while backing off or stopped.</summary>
    public int? ShimPid { get; init; }

    /// <summary>The service's process id (also its process group's id); null until the shim has started it.</summary>
    public int? Pid { get; init; }

    public required InstancePhase Phase { get; init; }

    /// <summary>How many times the process was restarted after a crash or a liveness failure.</summary>
    public int Restarts { get; init; }

    public InstanceExit? LastExit { get; init; }

    /// <summary>When the current process was started.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Since when it has been ready; null unless <see cref="Phase"/> is <see cref="InstancePhase.Ready"/>.</summary>
    public DateTimeOffset? ReadySince { get; init; }

    /// <summary>True when this supervisor found the process already running (started before Capstan restarted).</summary>
    public bool Adopted { get; init; }

    /// <summary>When the supervisor starts the process again; set only while <see cref="Phase"/> is <see cref="InstancePhase.BackingOff"/>.</summary>
    public DateTimeOffset? NextRestartAt { get; init; }

    /// <summary>The last problem seen: a failed probe series, a crash, a failed start.</summary>
    public string? LastError { get; init; }

    /// <summary>
    /// Every restart delay used so far, oldest first (the last 32): 1 s, 2 s, 4 s… with the default backoff. Tests assert
    /// the sequence here instead of timing restarts.
    /// </summary>
    public IReadOnlyList<TimeSpan> BackoffDelays { get; init; } = [];
}

/// <summary>An instance's status changed: its phase, pid, port or error.</summary>
public sealed class InstanceChangedEventArgs : EventArgs
{
    public InstanceChangedEventArgs(InstanceStatus status, InstanceStatus? previous)
    {
        Status = status;
        Previous = previous;
    }

    /// <summary>The new status; <see cref="InstancePhase.Stopped"/> is the last one an instance gets.</summary>
    public InstanceStatus Status { get; }

    /// <summary>The status before the change; null for a new or adopted instance.</summary>
    public InstanceStatus? Previous { get; }
}
