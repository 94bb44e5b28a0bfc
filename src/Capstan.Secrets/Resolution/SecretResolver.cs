using Capstan.Manifest.Values;
using Capstan.Secrets.Vault;

namespace Capstan.Secrets.Resolution;

/// <summary>Turns <c>${secret:NAME}</c> into a value for an environment: the one way later capabilities read secrets.</summary>
public interface ISecretResolver
{
    /// <summary>The secret's current value and its version: releases and skipped pipeline jobs record which version they used.</summary>
    /// <exception cref="SecretsException">The secret has no value there; the message names the secret, the environment and the command that sets it.</exception>
    Task<RevealedSecret> ResolveAsync(string environment, string name, CancellationToken cancellationToken);
}

/// <summary>Resolves through the vault: the latest version, decrypted, the read audited.</summary>
public sealed class VaultSecretResolver(SecretVault vault) : ISecretResolver
{
    public Task<RevealedSecret> ResolveAsync(string environment, string name, CancellationToken cancellationToken) =>
        vault.GetAsync(environment, name, version: null, grace: null, cancellationToken);
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
                ? (await secrets.ResolveAsync(environment, reference.Name, cancellationToken).ConfigureAwait(false)).Value
                : variables(reference.Name) ?? throw new SecretsException($"${{{reference.Name}}} in {where} is not set");
        }

        return template.Render(reference => resolved[reference]);
    }
}
