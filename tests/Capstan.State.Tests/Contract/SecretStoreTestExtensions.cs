namespace Capstan.State.Tests;

/// <summary>Reserve-then-add, as the secrets capability does, for tests that only care about the stored result.</summary>
internal static class SecretStoreTestExtensions
{
    public static async Task<SecretVersion> AddNextVersionAsync(this ISecretStore secrets, SecretVersion draft, CancellationToken cancellationToken)
    {
        var version = await secrets.ReserveVersionAsync(draft.App, draft.Environment, draft.Name, cancellationToken);
        var stored = draft with { Version = version };
        await secrets.AddVersionAsync(stored, cancellationToken);
        return stored;
    }
}
