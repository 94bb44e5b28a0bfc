namespace Capstan.Deployments.Control;

/// <summary>
/// Who asks for a deployment, and how: <c>--force --reason "…"</c> deploys into a freeze window (audited with its
/// reason); <paramref name="Token"/> names the API token that asked, which may not approve what it started;
/// <paramref name="Queue"/> waits for the deployment under way in the environment instead of being refused.
/// </summary>
public sealed record DeployOverride(bool Force, string? Reason, string? Token = null, bool Queue = false);
