using System.Data;
using System.Data.Common;

namespace Capstan.State;

/// <summary>An open database transaction and the commands run in it.</summary>
internal sealed class StateTransaction
{
    private readonly DbConnection _connection;
    private readonly DbTransaction _transaction;

    public StateTransaction(StateEngine engine, DbConnection connection, DbTransaction transaction)
    {
        Engine = engine;
        _connection = connection;
        _transaction = transaction;
    }

    public StateEngine Engine { get; }

    public async Task<int> ExecuteAsync(string sql, Action<SqlParameters>? bind, CancellationToken cancellationToken)
    {
        var command = Command(sql, bind);
        await using (command.ConfigureAwait(false))
        {
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The first column of the first row as a 64-bit integer; null when there is no row or the value is NULL.</summary>
    public async Task<long?> ScalarInt64Async(string sql, Action<SqlParameters>? bind, CancellationToken cancellationToken)
    {
        var command = Command(sql, bind);
        await using (command.ConfigureAwait(false))
        {
            var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return value is null or DBNull ? null : Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    public async Task<IReadOnlyList<T>> QueryAsync<T>(
        string sql,
        Action<SqlParameters>? bind,
        Func<DbDataReader, T> map,
        CancellationToken cancellationToken)
    {
        var command = Command(sql, bind);
        await using (command.ConfigureAwait(false))
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                var rows = new List<T>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows.Add(map(reader));
                }

                return rows;
            }
        }
    }

    public async Task<T?> QuerySingleOrDefaultAsync<T>(
        string sql,
        Action<SqlParameters>? bind,
        Func<DbDataReader, T> map,
        CancellationToken cancellationToken)
        where T : class
    {
        var rows = await QueryAsync(sql, bind, map, cancellationToken).ConfigureAwait(false);
        return rows.Count switch
        {
            0 => null,
            1 => rows[0],
            _ => throw new InvalidOperationException($"Expected at most one row, got {rows.Count}: {sql}"),
        };
    }

    private DbCommand Command(string sql, Action<SqlParameters>? bind)
    {
        var command = _connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = sql;
        bind?.Invoke(new SqlParameters(command));
        return command;
    }
}

/// <summary>Adds typed parameters to a command; the type matters to PostgreSQL when a value is null.</summary>
internal sealed class SqlParameters
{
    private readonly DbCommand _command;

    public SqlParameters(DbCommand command)
    {
        _command = command;
    }

    public SqlParameters Text(string name, string? value) => Add(name, DbType.String, value);

    public SqlParameters Int64(string name, long? value) => Add(name, DbType.Int64, value);

    public SqlParameters Real(string name, double? value) => Add(name, DbType.Double, value);

    public SqlParameters Blob(string name, byte[]? value) => Add(name, DbType.Binary, value);

    /// <summary>A time, stored as Unix milliseconds.</summary>
    public SqlParameters Time(string name, DateTimeOffset? value) => Int64(name, value?.ToUnixTimeMilliseconds());

    private SqlParameters Add(string name, DbType type, object? value)
    {
        var parameter = _command.CreateParameter();
        parameter.ParameterName = name;
        parameter.DbType = type;
        parameter.Value = value ?? DBNull.Value;
        _command.Parameters.Add(parameter);
        return this;
    }
}

/// <summary>Reads columns in the stored representations.</summary>
internal static class DbDataReaderExtensions
{
    public static string? GetTextOrNull(this DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static int GetInt32Value(this DbDataReader reader, int ordinal) => checked((int)reader.GetInt64(ordinal));

    public static int? GetInt32OrNull(this DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : checked((int)reader.GetInt64(ordinal));

    public static double? GetDoubleOrNull(this DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetDouble(ordinal);

    public static DateTimeOffset GetTime(this DbDataReader reader, int ordinal) =>
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));

    public static DateTimeOffset? GetTimeOrNull(this DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));

    public static byte[] GetBytes(this DbDataReader reader, int ordinal) => reader.GetFieldValue<byte[]>(ordinal);
}
