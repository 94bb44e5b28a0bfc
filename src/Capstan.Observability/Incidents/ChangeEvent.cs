namespace Capstan.Observability.Incidents;

/// <summary>A change to an app that may explain an incident: a deployment, a rollback, a secret change.</summary>
public sealed record ChangeEvent
{
    public required DateTimeOffset At { get; init; }

    public required ChangeKind Kind { get; init; }

    public required string App { get; init; }

    /// <summary>The environment changed; null when the change is not about one.</summary>
    public string? Environment { get; init; }

    /// <summary>The service changed; null when the change concerns every service (a secret of the environment, say).</summary>
    public string? Service { get; init; }

    /// <summary>Who or what made the change, e.g. <c>ci</c> or a person.</summary>
    public required string Actor { get; init; }

    /// <summary>What changed, e.g. <c>api release 42 deployed (canary)</c>.</summary>
    public required string Text { get; init; }
}

/// <summary>The kinds of change an incident's timeline records.</summary>
public enum ChangeKind
{
    Deployment,
    Rollback,
    Secret,
}
