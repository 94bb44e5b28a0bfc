using System.Globalization;

namespace Capstan.State;

/// <summary>
/// Brings a database's schema up to date: applies each missing migration in order, each in its own transaction,
/// recording it in <c>capstan_schema_migrations</c>. Each transaction first takes the migration lock (SQLite: the write lock
/// of BEGIN IMMEDIATE; PostgreSQL: an advisory transaction lock) and re-reads the version, so concurrent opens never migrate twice.
/// </summary>
internal static class Migrator
{
    /// <returns>The schema version after migrating.</returns>
    /// <exception cref="StateStoreException">The database's schema is newer than the newest migration known.</exception>
    public static async Task<int> MigrateAsync(
        StateDatabase database,
        IReadOnlyList<Migration> migrations,
        TimeProvider timeProvider,
        CancellationToken cancellationToken)
    {
        CheckOrder(migrations);
        var known = migrations.Count == 0 ? 0 : migrations[^1].Version;
        while (true)
        {
            var (applied, version) = await database.RunAsync(
                write: true,
                async (transaction, ct) =>
                {
                    await database.LockForMigrationAsync(transaction, ct).ConfigureAwait(false);
                    await transaction.ExecuteAsync(database.CreateMigrationsTableSql, null, ct).ConfigureAwait(false);
                    var current = (int)(await transaction.ScalarInt64Async(
                        "SELECT MAX(version) FROM capstan_schema_migrations", null, ct).ConfigureAwait(false) ?? 0);
                    if (current > known)
                    {
                        throw database.Failure(
                            $"state store schema is at version {current} but this capstan knows up to version {known}; upgrade capstan");
                    }

                    var next = migrations.FirstOrDefault(m => m.Version > current);
                    if (next is null)
                    {
                        return (false, current);
                    }

                    await transaction.ExecuteAsync(database.Dialect(next.Sql), null, ct).ConfigureAwait(false);
                    await transaction.ExecuteAsync(
                        "INSERT INTO capstan_schema_migrations (version, name, applied_at) VALUES (@version, @name, @applied_at)",
                        p => p.Int64("version", next.Version).Text("name", next.Name).Time("applied_at", timeProvider.GetUtcNow()),
                        ct).ConfigureAwait(false);
                    return (true, next.Version);
                },
                cancellationToken).ConfigureAwait(false);

            if (!applied)
            {
                return version;
            }
        }
    }

    private static void CheckOrder(IReadOnlyList<Migration> migrations)
    {
        for (var i = 0; i < migrations.Count; i++)
        {
            var expected = i + 1;
            if (migrations[i].Version != expected)
            {
                throw new InvalidOperationException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"Migration '{migrations[i].Name}' has version {migrations[i].Version}; migrations must be numbered 1, 2, 3, … in order, so it should be {expected}."));
            }
        }
    }
}
