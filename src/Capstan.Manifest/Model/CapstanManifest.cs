namespace Capstan.Manifest.Model;

/// <summary>A loaded <c>capstan.yaml</c>: everything about one application's operations.</summary>
public sealed record CapstanManifest
{
    /// <summary>The manifest versions this build reads.</summary>
    public const int CurrentVersion = 1;

    public required int Version { get; init; }

    /// <summary>The application's name: lowercase letters, digits and dashes.</summary>
    public required string App { get; init; }

    public required IReadOnlyDictionary<string, Service> Services { get; init; }

    public required Pipeline Pipeline { get; init; }

    public required IReadOnlyDictionary<string, DeploymentEnvironment> Environments { get; init; }

    public required IReadOnlyList<AlertRule> Alerts { get; init; }

    public required IReadOnlyDictionary<string, NotificationChannel> Notifications { get; init; }

    /// <summary>Notification timings per severity (<c>routing:</c>).</summary>
    public AlertRouting Routing { get; init; } = AlertRouting.Default;

    /// <summary>The on-call rotation, when the file has one.</summary>
    public OnCallPolicy? OnCall { get; init; }

    public required IReadOnlyDictionary<string, BackupPolicy> Backups { get; init; }

    public required IReadOnlyDictionary<string, SecretDeclaration> Secrets { get; init; }
}
