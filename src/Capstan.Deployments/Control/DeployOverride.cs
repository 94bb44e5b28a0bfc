namespace Capstan.Deployments.Control;

/// <summary><c>--force --reason "…"</c>: deploy into a freeze window; the override is audited with its reason.</summary>
public sealed record DeployOverride(bool Force, string? Reason);
