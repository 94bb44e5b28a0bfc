using Capstan.Runtime.Instances;
using Capstan.Runtime.Ports;
using Microsoft.Extensions.Logging;

namespace Capstan.Runtime.Supervision;

/// <summary>How a <see cref="Supervisor"/> runs instances.</summary>
public sealed record SupervisorOptions
{
    /// <summary>The instances folder, <c>.capstan/instances</c>: one folder per instance, read again on every start.</summary>
    public required string Root { get; init; }

    /// <summary>
    /// How to run Capstan itself, to which <c>agent shim --instance-dir DIR</c> is appended: the executable and its leading
    /// arguments, e.g. <c>["/usr/local/bin/capstan"]</c> or <c>["dotnet", "/opt/capstan/capstan.dll"]</c>.
    /// </summary>
    public required IReadOnlyList<string> ShimCommand { get; init; }

    public PortRange Ports { get; init; } = PortRange.Default;

    /// <summary>The clock of probe intervals, start periods, backoff delays and grace periods.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Diagnostics: starts, adoptions, exits, restarts, stops. None when null.</summary>
    public ILogger? Logger { get; init; }

    public RestartBackoff Backoff { get; init; } = new();

    public LogRotation LogRotation { get; init; } = new();

    /// <summary>
    /// Variables of Capstan's own environment that every service (and its shim) gets, beneath its spec's
    /// <see cref="InstanceSpec.Env"/>. Nothing else of Capstan's environment is passed on: it may hold Capstan's own
    /// secrets, such as its master key.
    /// </summary>
    public IReadOnlyList<string> PassThroughEnvironment { get; init; } =
        ["PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TZ", "TMPDIR", "DOTNET_ROOT"];

    /// <summary>
    /// Gives the values of an instance's secret variables (<see cref="InstanceSpec.SecretEnvNames"/>) when the supervisor
    /// must start it again after Capstan restarted and its shim is gone: the values are never written to disk, and a
    /// running shim's environment (where adoption finds them) is gone with it. Without it such an instance stays
    /// <see cref="InstancePhase.BackingOff"/> with an error that says so.
    /// </summary>
    public Func<InstanceSpec, CancellationToken, ValueTask<IReadOnlyDictionary<string, string>>>? ResolveSecrets { get; init; }
}

/// <summary>
/// Restart delays after a crash or a liveness failure: <see cref="Initial"/>, doubling after each failed start up to
/// <see cref="Max"/> (1 s, 2 s, 4 s … 60 s by default). A process that stayed up for <see cref="ResetAfter"/> counts as
/// a good start: its next crash waits <see cref="Initial"/> again.
/// </summary>
public sealed record RestartBackoff
{
    public TimeSpan Initial { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan Max { get; init; } = TimeSpan.FromSeconds(60);

    public TimeSpan ResetAfter { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The delay before the next start after <paramref name="consecutiveFailures"/> failed starts (0 for the first).</summary>
    public TimeSpan DelayAfter(int consecutiveFailures)
    {
        var delay = Initial;
        for (var i = 0; i < consecutiveFailures && delay < Max; i++)
        {
            delay *= 2;
        }

        return delay < Max ? delay : Max;
    }
}

/// <summary>When the shim rotates an instance's <c>logs/current.log</c>, and how many files it keeps.</summary>
public sealed record LogRotation
{
    /// <summary>10 MiB by default.</summary>
    public long MaxFileBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary>Files kept, <c>current.log</c> included: 5 by default (<c>current.log</c>, <c>1.log</c> … <c>4.log</c>).</summary>
    public int FilesKept { get; init; } = 5;
}
