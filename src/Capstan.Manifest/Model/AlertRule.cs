using Capstan.Manifest.Alerts;
using Capstan.Manifest.Values;

namespace Capstan.Manifest.Model;

public enum AlertSeverity
{
    /// <summary>Page someone now.</summary>
    Critical,

    /// <summary>Tell the team's channel; look within hours.</summary>
    Warning,

    /// <summary>Record for review.</summary>
    Info,
}

/// <summary>A condition watched continuously; when it holds for <see cref="For"/>, the alert fires.</summary>
public sealed record AlertRule
{
    public required string Name { get; init; }

    public required AlertCondition When { get; init; }

    public required Duration For { get; init; }

    public required AlertSeverity Severity { get; init; }

    /// <summary>What to do when it fires: a path in the repository or a URL.</summary>
    public string? Runbook { get; init; }

    public required IReadOnlyList<string> Notify { get; init; }

    public required IReadOnlyDictionary<string, string> Labels { get; init; }

    public string? Summary { get; init; }

    /// <summary>While firing, deployments of the affected environment are blocked (rollback stays allowed).</summary>
    public required bool Guard { get; init; }
}
