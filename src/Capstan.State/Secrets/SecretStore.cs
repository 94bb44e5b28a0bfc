using System.Data.Common;

namespace Capstan.State;

internal sealed class SecretStore : ISecretStore
{
    private const string Columns = "app, environment, name, version, ciphertext, key_id, created_at, created_by, deleted_at";
    private const string Key = "app = @app AND environment = @environment AND name = @name";

    private readonly ISqlRunner _sql;

    public SecretStore(ISqlRunner sql)
    {
        _sql = sql;
    }

    public Task<int> ReserveVersionAsync(string app, string environment, string name, CancellationToken cancellationToken)
    {
        CheckKey(app, environment, name);
        return _sql.RunAsync(
            write: true,
            async (tx, ct) =>
            {
                // The per-name counter row is both the number source and the lock: the upsert's row lock (PostgreSQL) or the
                // write lock (SQLite) makes concurrent callers take turns, each reading the number the previous one committed.
                var version = await tx.ScalarInt64Async(
                    """
                    INSERT INTO capstan_secret_names (app, environment, name, last_version) VALUES (@app, @environment, @name, 1)
                    ON CONFLICT (app, environment, name) DO UPDATE SET last_version = capstan_secret_names.last_version + 1
                    RETURNING last_version
                    """,
                    p => BindKey(p, app, environment, name),
                    ct).ConfigureAwait(false) ?? throw new InvalidOperationException("The secret version counter returned no row.");
                return checked((int)version);
            },
            cancellationToken);
    }

    public Task AddVersionAsync(SecretVersion secret, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(secret.Ciphertext);
        CheckKey(secret.App, secret.Environment, secret.Name);
        return _sql.RunAsync(
            write: true,
            (tx, ct) => tx.ExecuteAsync(
                $"""
                INSERT INTO capstan_secret_versions ({Columns})
                VALUES (@app, @environment, @name, @version, @ciphertext, @key_id, @created_at, @created_by, @deleted_at)
                """,
                p => BindKey(p, secret.App, secret.Environment, secret.Name)
                    .Int64("version", secret.Version)
                    .Blob("ciphertext", secret.Ciphertext)
                    .Text("key_id", secret.KeyId)
                    .Time("created_at", secret.CreatedAt)
                    .Text("created_by", secret.CreatedBy)
                    .Time("deleted_at", secret.DeletedAt),
                ct),
            cancellationToken);
    }

    public Task<SecretVersion?> GetLatestAsync(string app, string environment, string name, CancellationToken cancellationToken)
    {
        CheckKey(app, environment, name);
        return _sql.RunAsync(
            write: false,
            (tx, ct) => tx.QuerySingleOrDefaultAsync(
                $"SELECT {Columns} FROM capstan_secret_versions WHERE {Key} AND deleted_at IS NULL ORDER BY version DESC LIMIT 1",
                p => BindKey(p, app, environment, name),
                Read,
                ct),
            cancellationToken);
    }

    public Task<SecretVersion?> GetVersionAsync(string app, string environment, string name, int version, CancellationToken cancellationToken)
    {
        CheckKey(app, environment, name);
        return _sql.RunAsync(
            write: false,
            (tx, ct) => tx.QuerySingleOrDefaultAsync(
                $"SELECT {Columns} FROM capstan_secret_versions WHERE {Key} AND version = @version",
                p => BindKey(p, app, environment, name).Int64("version", version),
                Read,
                ct),
            cancellationToken);
    }

    public Task<IReadOnlyList<SecretVersion>> ListLatestAsync(string app, string? environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(app);
        var environmentFilter = environment is null ? string.Empty : " AND environment = @environment";
        return _sql.RunAsync(
            write: false,
            (tx, ct) => tx.QueryAsync(
                $"""
                SELECT {Columns} FROM capstan_secret_versions v
                WHERE app = @app{environmentFilter} AND deleted_at IS NULL
                    AND version = (
                        SELECT MAX(l.version) FROM capstan_secret_versions l
                        WHERE l.app = v.app AND l.environment = v.environment AND l.name = v.name AND l.deleted_at IS NULL)
                ORDER BY environment, name
                """,
                p =>
                {
                    p.Text("app", app);
                    if (environment is not null)
                    {
                        p.Text("environment", environment);
                    }
                },
                Read,
                ct),
            cancellationToken);
    }

    public Task<IReadOnlyList<SecretVersion>> GetHistoryAsync(string app, string environment, string name, CancellationToken cancellationToken)
    {
        CheckKey(app, environment, name);
        return _sql.RunAsync(
            write: false,
            (tx, ct) => tx.QueryAsync(
                $"SELECT {Columns} FROM capstan_secret_versions WHERE {Key} ORDER BY version",
                p => BindKey(p, app, environment, name),
                Read,
                ct),
            cancellationToken);
    }

    public Task<int> MarkDeletedAsync(string app, string environment, string name, DateTimeOffset deletedAt, CancellationToken cancellationToken)
    {
        CheckKey(app, environment, name);
        return _sql.RunAsync(
            write: true,
            (tx, ct) => tx.ExecuteAsync(
                $"UPDATE capstan_secret_versions SET deleted_at = @deleted_at WHERE {Key} AND deleted_at IS NULL",
                p => BindKey(p, app, environment, name).Time("deleted_at", deletedAt),
                ct),
            cancellationToken);
    }

    public Task<IReadOnlyList<SecretVersion>> ListAllVersionsAsync(CancellationToken cancellationToken) =>
        _sql.RunAsync(
            write: false,
            (tx, ct) => tx.QueryAsync(
                $"SELECT {Columns} FROM capstan_secret_versions ORDER BY app, environment, name, version",
                null,
                Read,
                ct),
            cancellationToken);

    public async Task<bool> ReplaceCiphertextAsync(
        string app,
        string environment,
        string name,
        int version,
        byte[] ciphertext,
        string keyId,
        CancellationToken cancellationToken)
    {
        CheckKey(app, environment, name);
        ArgumentNullException.ThrowIfNull(ciphertext);
        ArgumentNullException.ThrowIfNull(keyId);
        var updated = await _sql.RunAsync(
            write: true,
            (tx, ct) => tx.ExecuteAsync(
                $"UPDATE capstan_secret_versions SET ciphertext = @ciphertext, key_id = @key_id WHERE {Key} AND version = @version",
                p => BindKey(p, app, environment, name).Int64("version", version).Blob("ciphertext", ciphertext).Text("key_id", keyId),
                ct),
            cancellationToken).ConfigureAwait(false);
        return updated == 1;
    }

    private static void CheckKey(string app, string environment, string name)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(name);
    }

    private static SqlParameters BindKey(SqlParameters p, string app, string environment, string name) =>
        p.Text("app", app).Text("environment", environment).Text("name", name);

    private static SecretVersion Read(DbDataReader r) => new()
    {
        App = r.GetString(0),
        Environment = r.GetString(1),
        Name = r.GetString(2),
        Version = r.GetInt32Value(3),
        Ciphertext = r.GetBytes(4),
        KeyId = r.GetString(5),
        CreatedAt = r.GetTime(6),
        CreatedBy = r.GetString(7),
        DeletedAt = r.GetTimeOrNull(8),
    };
}
