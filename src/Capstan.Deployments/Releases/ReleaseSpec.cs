using System.Text.Json.Serialization;

namespace Capstan.Deployments.Releases;

/// <summary>
/// Everything needed to start an instance of a release, fixed when the release is made: the service's command,
/// variables (as templates: secret values are read at start, at the pinned versions), probes and timings, and
/// the route in its environment. Stored beside the release, so that a rollback or a restart after a crash starts
/// exactly what was deployed, whatever capstan.yaml says now. Holds no secret value.
/// </summary>
public sealed record ReleaseSpec
{
    public required string ReleaseId { get; init; }

    public required string App { get; init; }

    public required string Environment { get; init; }

    public required string Service { get; init; }

    public required long Version { get; init; }

    /// <summary>The artifact the instances run from; null runs from <see cref="ProjectDirectory"/>.</summary>
    public string? ArtifactDigest { get; init; }

    public required string ProjectDirectory { get; init; }

    /// <summary>The <c>run</c> template of the service.</summary>
    public required string Run { get; init; }

    public string? WorkingDirectory { get; init; }

    /// <summary>The service's and the environment's <c>env</c> merged (the environment's win), as templates.</summary>
    public required IReadOnlyDictionary<string, string> Env { get; init; }

    /// <summary>The version of each secret the templates read.</summary>
    public required IReadOnlyDictionary<string, int> SecretVersions { get; init; }

    public required int Replicas { get; init; }

    public string? Readiness { get; init; }

    public string? Liveness { get; init; }

    public required TimeSpan ProbeInterval { get; init; }

    public required TimeSpan ProbeTimeout { get; init; }

    public required TimeSpan StartPeriod { get; init; }

    public required int FailureThreshold { get; init; }

    public required TimeSpan GracePeriod { get; init; }

    public required TimeSpan DrainTimeout { get; init; }

    /// <summary>The host name the service answers on in this environment; null without a route.</summary>
    public string? Host { get; init; }

    public string PathPrefix { get; init; } = "/";

    /// <summary>The label shown to users and passed as <c>CAPSTAN_VERSION</c>: <c>v3</c>.</summary>
    [JsonIgnore]
    public string VersionLabel => $"v{Version}";
}
