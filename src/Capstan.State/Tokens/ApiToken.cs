namespace Capstan.State;

/// <summary>
/// An API token, as the store knows it: by the SHA-256 of the secret the holder presents, never the secret itself.
/// The server makes tokens and hashes them; the store keeps and finds the hashes.
/// </summary>
public sealed record ApiToken
{
    /// <summary>The token's id, e.g. <c>StateId.New("tok")</c>.</summary>
    public required string Id { get; init; }

    /// <summary>A name people use for the token, e.g. <c>ci</c>; unique among the tokens not revoked.</summary>
    public required string Name { get; init; }

    /// <summary>The SHA-256 of the token as 64 lowercase hex digits.</summary>
    public required string Hash { get; init; }

    public required ApiTokenRole Role { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required string CreatedBy { get; init; }

    /// <summary>When the token was last used, as recorded by <see cref="ITokenStore.TouchAsync"/>; null if never.</summary>
    public DateTimeOffset? LastUsedAt { get; init; }

    /// <summary>When the token was revoked; null while it is active.</summary>
    public DateTimeOffset? RevokedAt { get; init; }
}

/// <summary>What an API token may do. Stored as the lowercase text in each member's comment.</summary>
public enum ApiTokenRole
{
    /// <summary><c>admin</c>: everything.</summary>
    Admin,
}

/// <summary>API tokens: their hashes, names, roles, last use and revocation.</summary>
public interface ITokenStore
{
    /// <summary>Adds a new, active token. Its id and hash must not exist yet.</summary>
    /// <exception cref="StateStoreException">An active token already has the name.</exception>
    /// <exception cref="ArgumentException"><see cref="ApiToken.Hash"/> is not 64 lowercase hex digits, or the name is empty.</exception>
    Task CreateAsync(ApiToken token, CancellationToken cancellationToken);

    /// <summary>The active (not revoked) token with that hash, or null.</summary>
    /// <exception cref="ArgumentException"><paramref name="hash"/> is not 64 lowercase hex digits.</exception>
    Task<ApiToken?> FindByHashAsync(string hash, CancellationToken cancellationToken);

    /// <summary>Every token, revoked ones included, oldest first.</summary>
    Task<IReadOnlyList<ApiToken>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Revokes the active token with that name; false when there is none.</summary>
    Task<bool> RevokeAsync(string name, DateTimeOffset revokedAt, CancellationToken cancellationToken);

    /// <summary>
    /// Records that the token was used at <paramref name="usedAt"/>, unless a later use is recorded already.
    /// One keyed update, no read; an unknown id changes nothing.
    /// </summary>
    Task TouchAsync(string id, DateTimeOffset usedAt, CancellationToken cancellationToken);
}
