namespace Capstan.Deployments.Control;

/// <summary>
/// Who asks for a deployment, and how: <c>--force --reason "…"</c> deploys into a freeze window (audited with its
/// reason); <paramref name="Token"/> names the API token that asked, which may not approve what it started.
/// </summary>
public sealed record DeployOverride(bool Force, string? Reason, string? Token = null);
