using System.Text.Json.Serialization;
using Capstan.Runtime.Instances;
using Capstan.Runtime.Processes;

namespace Capstan.Runtime.Supervision;

/// <summary>
/// <c>instance.json</c>: what the supervisor knows about one instance, written before each start of its shim and on each
/// change that a restarted Capstan needs in order to adopt, restart or finish stopping it. The shim reads the spec from
/// it. Secret values are never in it: <see cref="Spec"/>'s environment holds the other variables, and the secrets' names.
/// </summary>
internal sealed record InstanceRecord
{
    public const int CurrentVersion = 1;

    public int Version { get; init; } = CurrentVersion;

    /// <summary>The spec, its environment without the values of <see cref="InstanceSpec.SecretEnvNames"/>.</summary>
    public required InstanceSpec Spec { get; init; }

    public required int Port { get; init; }

    /// <summary>The shim of the current start; null before it is launched and after it ended.</summary>
    public ProcessIdentity? Shim { get; init; }

    /// <summary>The service's process, once learned from <c>child.pid</c>.</summary>
    public ProcessIdentity? Child { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset? ReadySince { get; init; }

    public int Restarts { get; init; }

    /// <summary>Failed starts in a row (crashes, liveness failures): the exponent of the next backoff delay.</summary>
    public int ConsecutiveFailures { get; init; }

    public IReadOnlyList<TimeSpan> BackoffDelays { get; init; } = [];

    public InstanceExit? LastExit { get; init; }

    public string? LastError { get; init; }

    /// <summary>A stop was asked for: a restarted Capstan finishes it instead of restarting the instance.</summary>
    public bool Stopping { get; init; }

    public TimeSpan? StopGrace { get; init; }

    /// <summary>The shim rotates <c>logs/current.log</c> when a line would take it past this size.</summary>
    public required long LogMaxBytes { get; init; }

    /// <summary>Log files kept, <c>current.log</c> included.</summary>
    public required int LogFilesKept { get; init; }

    /// <summary>The spec as it may be written to disk: secret values left out.</summary>
    public static InstanceSpec WithoutSecrets(InstanceSpec spec) => spec with
    {
        Env = spec.Env.Where(e => !spec.SecretEnvNames.Contains(e.Key)).ToDictionary(StringComparer.Ordinal),
    };
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(InstanceRecord))]
[JsonSerializable(typeof(InstanceExit))]
internal sealed partial class RuntimeJson : JsonSerializerContext;
