using System.Data.Common;

namespace Capstan.State;

internal sealed class TokenStore : ITokenStore
{
    private const string Columns = "id, name, hash, role, created_at, created_by, last_used_at, revoked_at";

    private readonly ISqlRunner _sql;

    public TokenStore(ISqlRunner sql)
    {
        _sql = sql;
    }

    public Task CreateAsync(ApiToken token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentException.ThrowIfNullOrEmpty(token.Name, nameof(token));
        CheckHash(token.Hash, nameof(token));
        return _sql.RunAsync(
            write: true,
            async (tx, ct) =>
            {
                // A taken name inserts nothing instead of failing the statement, which would abort an enclosing PostgreSQL
                // transaction; a concurrent creator of the same name is waited for, and then counts as having taken it.
                var created = await tx.ExecuteAsync(
                    $"""
                    INSERT INTO capstan_api_tokens ({Columns})
                    VALUES (@id, @name, @hash, @role, @created_at, @created_by, @last_used_at, @revoked_at)
                    ON CONFLICT (name) WHERE revoked_at IS NULL DO NOTHING
                    """,
                    p => p.Text("id", token.Id)
                        .Text("name", token.Name)
                        .Text("hash", token.Hash)
                        .Text("role", StoredNames.ApiTokenRole.Name(token.Role))
                        .Time("created_at", token.CreatedAt)
                        .Text("created_by", token.CreatedBy)
                        .Time("last_used_at", token.LastUsedAt)
                        .Time("revoked_at", token.RevokedAt),
                    ct).ConfigureAwait(false);
                if (created == 0)
                {
                    throw new StateStoreException(
                        $"an API token named '{token.Name}' already exists; revoke it first or choose another name");
                }

                return true;
            },
            cancellationToken);
    }

    public Task<ApiToken?> FindByHashAsync(string hash, CancellationToken cancellationToken)
    {
        CheckHash(hash, nameof(hash));
        return _sql.RunAsync(
            write: false,
            (tx, ct) => tx.QuerySingleOrDefaultAsync(
                $"SELECT {Columns} FROM capstan_api_tokens WHERE hash = @hash AND revoked_at IS NULL",
                p => p.Text("hash", hash),
                Read,
                ct),
            cancellationToken);
    }

    public Task<IReadOnlyList<ApiToken>> ListAsync(CancellationToken cancellationToken) =>
        _sql.RunAsync(
            write: false,
            (tx, ct) => tx.QueryAsync(
                $"SELECT {Columns} FROM capstan_api_tokens ORDER BY created_at, id",
                null,
                Read,
                ct),
            cancellationToken);

    public async Task<bool> RevokeAsync(string name, DateTimeOffset revokedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        var revoked = await _sql.RunAsync(
            write: true,
            (tx, ct) => tx.ExecuteAsync(
                "UPDATE capstan_api_tokens SET revoked_at = @revoked_at WHERE name = @name AND revoked_at IS NULL",
                p => p.Text("name", name).Time("revoked_at", revokedAt),
                ct),
            cancellationToken).ConfigureAwait(false);
        return revoked > 0;
    }

    public Task TouchAsync(string id, DateTimeOffset usedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        return _sql.RunAsync(
            write: true,
            (tx, ct) => tx.ExecuteAsync(
                """
                UPDATE capstan_api_tokens SET last_used_at = @used_at
                WHERE id = @id AND (last_used_at IS NULL OR last_used_at < @used_at)
                """,
                p => p.Text("id", id).Time("used_at", usedAt),
                ct),
            cancellationToken);
    }

    /// <summary>Refuses anything but a SHA-256 in lowercase hex, so that a token itself is never stored or looked up by mistake.</summary>
    private static void CheckHash(string hash, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(hash, parameterName);
        if (hash.Length != 64 || !hash.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'))
        {
            throw new ArgumentException(
                "An API token's hash must be its SHA-256 as 64 lowercase hex digits (the token itself is never stored).",
                parameterName);
        }
    }

    private static ApiToken Read(DbDataReader r) => new()
    {
        Id = r.GetString(0),
        Name = r.GetString(1),
        Hash = r.GetString(2),
        Role = StoredNames.ApiTokenRole.Parse(r.GetString(3)),
        CreatedAt = r.GetTime(4),
        CreatedBy = r.GetString(5),
        LastUsedAt = r.GetTimeOrNull(6),
        RevokedAt = r.GetTimeOrNull(7),
    };
}
