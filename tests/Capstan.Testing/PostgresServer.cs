using System.Globalization;
using Npgsql;
using Xunit;

namespace Capstan.Testing;

/// <summary>
/// A real PostgreSQL server for tests, shared by a whole test assembly
/// (<c>[assembly: AssemblyFixture(typeof(PostgresServer))]</c>), with a fresh database per caller of <see cref="CreateDatabaseAsync"/>.
/// </summary>
/// <remarks>
/// When <c>CAPSTAN_TEST_POSTGRES</c> holds a URL (<c>postgres://user:password@host:port/database</c>, a user allowed to
/// create databases), that server is used. Otherwise a throw-away cluster is made on first use: <c>initdb</c> in a temp
/// folder (as the <c>postgres</c> OS user when running as root, which initdb refuses), started with <c>pg_ctl</c> on a free
/// 127.0.0.1 port with durability off (tests need no crash safety), and stopped and deleted on dispose.
/// The binaries are looked for on PATH, then under /usr/lib/postgresql/*/bin.
/// </remarks>
public sealed class PostgresServer : IAsyncLifetime
{
    public const string EnvironmentVariable = "CAPSTAN_TEST_POSTGRES";

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    private readonly SemaphoreSlim _startLock = new(1, 1);
    private readonly List<string> _createdDatabases = [];
    private Task? _start;
    private string? _clusterDirectory;
    private string? _binDirectory;
    private bool _runAsPostgresUser;
    private NpgsqlDataSource? _admin;
    private int _databaseCount;
    private string _externalDatabase = "postgres";

    /// <summary>The server's address; set once the server is up.</summary>
    public string Host { get; private set; } = "127.0.0.1";

    public int Port { get; private set; }

    public string User { get; private set; } = "postgres";

    public string? Password { get; private set; }

    /// <summary>True when the server came from <c>CAPSTAN_TEST_POSTGRES</c> rather than being started here.</summary>
    public bool IsExternal { get; private set; }

    // Starting is lazy, so that tests which never ask for a database neither wait for nor fail on PostgreSQL.
    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    /// <summary>Creates an empty database and returns its URL, with the password if the server has one.</summary>
    public async Task<string> CreateDatabaseAsync(CancellationToken cancellationToken)
    {
        await EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        var name = string.Create(
            CultureInfo.InvariantCulture,
            $"capstan_test_{Environment.ProcessId}_{Interlocked.Increment(ref _databaseCount)}");
        var command = _admin!.CreateCommand($"CREATE DATABASE \"{name}\"");
        await using (command.ConfigureAwait(false))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        lock (_createdDatabases)
        {
            _createdDatabases.Add(name);
        }

        return Url(name);
    }

    /// <summary>The URL of a database on this server.</summary>
    public string Url(string database, string? password = null)
    {
        var secret = password ?? Password;
        var userInfo = Uri.EscapeDataString(User) + (secret is null ? string.Empty : ":" + Uri.EscapeDataString(secret));
        return string.Create(CultureInfo.InvariantCulture, $"postgres://{userInfo}@{Host}:{Port}/{database}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_admin is not null)
        {
            if (IsExternal)
            {
                await DropCreatedDatabasesAsync().ConfigureAwait(false);
            }

            await _admin.DisposeAsync().ConfigureAwait(false);
        }

        if (_clusterDirectory is not null)
        {
            await PgCtlAsync(["stop", "-m", "immediate", "-w"], CancellationToken.None).ConfigureAwait(false);
            Directory.Delete(_clusterDirectory, recursive: true);
        }

        _startLock.Dispose();
    }

    private async Task EnsureStartedAsync(CancellationToken cancellationToken)
    {
        await _startLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // A failed start is remembered: every test that needs the server then fails with the same message, quickly.
            _start ??= StartAsync();
        }
        finally
        {
            _startLock.Release();
        }

        await _start.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task StartAsync()
    {
        var external = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            UseExternal(external);
        }
        else
        {
            await StartClusterAsync().ConfigureAwait(false);
        }

        _admin = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder
        {
            Host = Host,
            Port = Port,
            Username = User,
            Password = Password,
            Database = IsExternal ? _externalDatabase : "postgres",
            Pooling = true,
        }.ConnectionString);
    }

    private void UseExternal(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "postgres" && uri.Scheme != "postgresql"))
        {
            throw new InvalidOperationException(
                $"{EnvironmentVariable} must be a URL like postgres://user:password@127.0.0.1:5432/postgres.");
        }

        IsExternal = true;
        Host = uri.Host;
        Port = uri.Port > 0 ? uri.Port : 5432;
        var userInfo = uri.UserInfo.Split(':', 2);
        User = userInfo[0].Length > 0 ? Uri.UnescapeDataString(userInfo[0]) : "postgres";
        Password = userInfo.Length > 1 ? Uri.UnescapeDataString(userInfo[1]) : null;
        var database = uri.AbsolutePath.Trim('/');
        _externalDatabase = database.Length > 0 ? Uri.UnescapeDataString(database) : "postgres";
    }

    private async Task StartClusterAsync()
    {
        _binDirectory = FindBinaries();
        _runAsPostgresUser = Environment.IsPrivilegedProcess;
        _clusterDirectory = Directory.CreateTempSubdirectory("capstan-pg-").FullName;
        var data = Path.Combine(_clusterDirectory, "data");
        if (_runAsPostgresUser)
        {
            // initdb refuses to run as root: the cluster belongs to the postgres OS user.
            (await ProcessRunner.RunAsync("chown", ["-R", "postgres:", _clusterDirectory], CommandTimeout, CancellationToken.None)
                .ConfigureAwait(false)).EnsureSuccess();
        }

        (await RunToolAsync("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"], CancellationToken.None)
            .ConfigureAwait(false)).EnsureSuccess();

        // The port is free when picked but may be taken before the server binds it: try a few.
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort.Get();
            var options = string.Create(
                CultureInfo.InvariantCulture,
                $"-c listen_addresses=127.0.0.1 -p {Port} -k {_clusterDirectory} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200");
            var result = await PgCtlAsync(["-l", Path.Combine(_clusterDirectory, "server.log"), "-o", options, "-w", "-t", "60", "start"], CancellationToken.None)
                .ConfigureAwait(false);
            if (result.ExitCode == 0)
            {
                return;
            }

            if (attempt == 3)
            {
                var log = Path.Combine(_clusterDirectory, "server.log");
                throw new InvalidOperationException(
                    $"PostgreSQL did not start: {result.StandardError}\nserver log:\n{(File.Exists(log) ? await File.ReadAllTextAsync(log).ConfigureAwait(false) : "(none)")}");
            }
        }
    }

    private Task<ProcessResult> PgCtlAsync(string[] arguments, CancellationToken cancellationToken) =>
        RunToolAsync("pg_ctl", ["-D", Path.Combine(_clusterDirectory!, "data"), .. arguments], cancellationToken);

    private Task<ProcessResult> RunToolAsync(string tool, string[] arguments, CancellationToken cancellationToken)
    {
        var path = Path.Combine(_binDirectory!, tool);
        return _runAsPostgresUser
            ? ProcessRunner.RunAsync("runuser", ["-u", "postgres", "--", path, .. arguments], CommandTimeout, cancellationToken)
            : ProcessRunner.RunAsync(path, arguments, CommandTimeout, cancellationToken);
    }

    private static string FindBinaries()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        var installed = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), CultureInfo.InvariantCulture, out var version) ? version : 0)
                .Select(d => Path.Combine(d, "bin"))
            : [];
        foreach (var directory in onPath.Concat(installed))
        {
            if (Exists(Path.Combine(directory, "initdb")) && Exists(Path.Combine(directory, "pg_ctl")))
            {
                return directory;
            }
        }

        throw new InvalidOperationException(
            "PostgreSQL server binaries (initdb, pg_ctl) were not found on PATH or under /usr/lib/postgresql/*/bin. "
            + "The state store tests need a real PostgreSQL: install it as docs/state.md (section \"Tests\") says, "
            + "with `apt-get install -y postgresql`, then run `dotnet test tests/Capstan.State.Tests` again; "
            + $"or set {EnvironmentVariable} to the URL of a server where the user may create databases.");
    }

    // A link whose target is gone (e.g. /usr/local/bin/initdb after PostgreSQL was removed) does not count.
    private static bool Exists(string path)
    {
        var file = new FileInfo(path);
        return file.Exists && (file.LinkTarget is null || file.ResolveLinkTarget(returnFinalTarget: true)?.Exists == true);
    }

    private async Task DropCreatedDatabasesAsync()
    {
        List<string> names;
        lock (_createdDatabases)
        {
            names = [.. _createdDatabases];
        }

        foreach (var name in names)
        {
            var command = _admin!.CreateCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            await using (command.ConfigureAwait(false))
            {
                await command.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
        }
    }
}
