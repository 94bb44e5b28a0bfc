using Capstan.Manifest.Values;

namespace Capstan.Manifest.Model;

/// <summary>A long-running process of the application that Capstan deploys, routes to and watches.</summary>
public sealed record Service
{
    public required string Name { get; init; }

    /// <summary>The pipeline job whose artifact this service runs; null runs from the project folder.</summary>
    public string? Artifact { get; init; }

    /// <summary>The command that starts one instance; <c>${PORT}</c> is the port it must listen on.</summary>
    public required Template Run { get; init; }

    /// <summary>Where <see cref="Run"/> starts, relative to the artifact (or project) root.</summary>
    public string? WorkingDirectory { get; init; }

    public required HealthCheck Health { get; init; }

    public Route? Route { get; init; }

    public Resources? Resources { get; init; }

    public required ScalePolicy Scale { get; init; }

    public required IReadOnlyDictionary<string, Template> Env { get; init; }

    /// <summary>Time between SIGTERM and SIGKILL when an instance stops.</summary>
    public required Duration GracePeriod { get; init; }

    /// <summary>How long in-flight requests may take to finish once traffic moves away from an instance.</summary>
    public required Duration DrainTimeout { get; init; }

    /// <summary>Path of the instances' Prometheus metrics endpoint, scraped by Capstan; null when they expose none.</summary>
    public string? Metrics { get; init; }
}

/// <summary>HTTP probes: readiness gates traffic, liveness restarts an instance that hangs.</summary>
public sealed record HealthCheck
{
    /// <summary>Path that answers 2xx when the instance can take traffic; null means "the port accepts connections".</summary>
    public string? Readiness { get; init; }

    /// <summary>Path that answers 2xx while the process is alive; null disables liveness restarts.</summary>
    public string? Liveness { get; init; }

    public required Duration Interval { get; init; }

    public required Duration Timeout { get; init; }

    /// <summary>Liveness failures are not counted during this time after a start.</summary>
    public required Duration StartPeriod { get; init; }

    /// <summary>Consecutive failed probes that make an instance unready (readiness) or restarted (liveness).</summary>
    public required int FailureThreshold { get; init; }
}

/// <summary>How the edge proxy routes requests to the service.</summary>
public sealed record Route
{
    public required string Host { get; init; }

    public required string Path { get; init; }
}

/// <summary>What one instance may use.</summary>
public sealed record Resources
{
    /// <summary>CPU cores (0.5 is half a core).</summary>
    public double? Cpu { get; init; }

    public ByteSize? Memory { get; init; }
}

/// <summary>How many instances run, and when to add or remove some.</summary>
public sealed record ScalePolicy
{
    public required int Min { get; init; }

    public required int Max { get; init; }

    /// <summary>Average CPU use per instance above which instances are added.</summary>
    public Percentage? Cpu { get; init; }

    /// <summary>Average memory use per instance above which instances are added.</summary>
    public Percentage? Memory { get; init; }

    public bool IsFixed => Min == Max;
}
