using Capstan.Manifest.Values;
using Capstan.Secrets.Vault;

namespace Capstan.Secrets.Resolution;

/// <summary>Turns <c>${secret:NAME}</c> into a value for an environment: the one way later capabilities read secrets.</summary>
public interface ISecretResolver
{
    /// <exception cref="SecretsException">The secret has no value there; the message names the secret, the environment and the command that sets it.</exception>
    Task<string> ResolveAsync(string environment, string name, CancellationToken cancellationToken);
}

/// <summary>Resolves through the vault: the latest version, decrypted, the read audited.</summary>
public sealed class VaultSecretResolver(SecretVault vault) : ISecretResolver
{
    public async Task<string> ResolveAsync(string environment, string name, CancellationToken cancellationToken) =>
        (await vault.GetAsync(environment, name, version: null, grace: null, cancellationToken).ConfigureAwait(false)).Value;
}

/// <summary>Renders templates: <c>${secret:NAME}</c> through a resolver, <c>${VAR}</c> through a variable lookup.</summary>
public static class TemplateRenderer
{
    /// <param name="where">What holds the template, for messages: <c>services.web.env.DATABASE_URL</c>.</param>
    /// <exception cref="SecretsException">A secret has no value, or a variable is not set.</exception>
    public static async Task<string> RenderAsync(
        Template template,
        string environment,
        ISecretResolver secrets,
        Func<string, string?> variables,
        string where,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(secrets);
        ArgumentNullException.ThrowIfNull(variables);
        var resolved = new Dictionary<TemplateReference, string>();
        foreach (var reference in template.References)
        {
            resolved[reference] = reference.IsSecret
                ? await secrets.ResolveAsync(environment, reference.Name, cancellationToken).ConfigureAwait(false)
                : variables(reference.Name) ?? throw new SecretsException($"${{{reference.Name}}} in {where} is not set");
        }

        return template.Render(reference => resolved[reference]);
    }
}
