namespace Capstan.State;

/// <summary>
/// One version of a secret of an app in an environment. The value is encrypted before it reaches the store;
/// the store never sees plaintext.
/// </summary>
public sealed record SecretVersion
{
    public required string App { get; init; }

    public required string Environment { get; init; }

    public required string Name { get; init; }

    /// <summary>1 for the first value of a name, then 2, 3, …; numbers are never reused, even after a delete.</summary>
    public required int Version { get; init; }

    public required byte[] Ciphertext { get; init; }

    /// <summary>Which key encrypted <see cref="Ciphertext"/>.</summary>
    public required string KeyId { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required string CreatedBy { get; init; }

    /// <summary>When the secret was deleted; a deleted version is kept (for history and re-keying) but never served as the latest.</summary>
    public DateTimeOffset? DeletedAt { get; init; }
}

/// <summary>Encrypted secret versions.</summary>
public interface ISecretStore
{
    /// <summary>
    /// Takes the next version number of a name (the highest ever given to it, plus one) so that the caller can encrypt
    /// for that number (a ciphertext is bound to its version) before <see cref="AddVersionAsync"/>. Inside a transaction
    /// the number stays the caller's until it commits: concurrent callers wait and get the following numbers. A number
    /// taken by a transaction that rolls back is given again.
    /// </summary>
    Task<int> ReserveVersionAsync(string app, string environment, string name, CancellationToken cancellationToken);

    /// <summary>Stores a version under the number <see cref="ReserveVersionAsync"/> gave; fails if the number is taken.</summary>
    Task AddVersionAsync(SecretVersion secret, CancellationToken cancellationToken);

    /// <summary>The highest version of the name that is not deleted, or null.</summary>
    Task<SecretVersion?> GetLatestAsync(string app, string environment, string name, CancellationToken cancellationToken);

    /// <summary>That version, deleted or not, or null.</summary>
    Task<SecretVersion?> GetVersionAsync(string app, string environment, string name, int version, CancellationToken cancellationToken);

    /// <summary>The latest live version of every secret of the app, in one environment or all when <paramref name="environment"/> is null; ordered by environment, then name.</summary>
    Task<IReadOnlyList<SecretVersion>> ListLatestAsync(string app, string? environment, CancellationToken cancellationToken);

    /// <summary>Every version of the name, deleted or not, oldest first.</summary>
    Task<IReadOnlyList<SecretVersion>> GetHistoryAsync(string app, string environment, string name, CancellationToken cancellationToken);

    /// <summary>Marks every live version of the name deleted at <paramref name="deletedAt"/>; returns how many were marked.</summary>
    Task<int> MarkDeletedAsync(string app, string environment, string name, DateTimeOffset deletedAt, CancellationToken cancellationToken);

    /// <summary>Every version of every secret of every app, deleted or not: what a re-key must re-encrypt.</summary>
    Task<IReadOnlyList<SecretVersion>> ListAllVersionsAsync(CancellationToken cancellationToken);

    /// <summary>Replaces one version's ciphertext and key id (a re-key); false when that version does not exist.</summary>
    Task<bool> ReplaceCiphertextAsync(
        string app,
        string environment,
        string name,
        int version,
        byte[] ciphertext,
        string keyId,
        CancellationToken cancellationToken);
}
