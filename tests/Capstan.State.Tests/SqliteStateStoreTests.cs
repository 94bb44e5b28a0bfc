using System.Runtime.Versioning;
using Capstan.Testing;
using Microsoft.Data.Sqlite;

namespace Capstan.State.Tests;

/// <summary>The contract on SQLite files in a temp folder, plus what only SQLite has: the file, its folder and WAL.</summary>
[UnsupportedOSPlatform("windows")] // Capstan runs on Linux; these tests check Unix file modes.
public sealed class SqliteStateStoreTests : StateStoreContract
{
    private readonly TempDirectory _temp = new();
    private int _databases;

    protected override Task<StateLocation> CreateLocationAsync()
    {
        var manifestDirectory = _temp.Combine($"app{Interlocked.Increment(ref _databases)}");
        return Task.FromResult(StateLocation.Resolve(null, null, manifestDirectory));
    }

    protected override Task CleanupAsync()
    {
        _temp.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Open_CreatesTheFolderWithMode0700_AndTheFilePrivate_InWalMode()
    {
        var file = Location.FilePath.ShouldNotBeNull();
        var folder = Path.GetDirectoryName(file)!;
        Path.GetFileName(folder).ShouldBe(".capstan");
        Path.GetFileName(file).ShouldBe("state.db");
        File.GetUnixFileMode(folder).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.GetUnixFileMode(file).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);

        await Store.Runs.CreateAsync(NewRun("run_1"), Ct).DefaultTimeout();

        File.Exists(file + "-wal").ShouldBeTrue();
        var mode = await ((SqlStateStore)Store).Database.RunAsync(
            false,
            (tx, ct) => tx.QueryAsync("PRAGMA journal_mode", null, r => r.GetString(0), ct),
            Ct).DefaultTimeout();
        mode.ShouldBe(["wal"]);
    }

    [Fact]
    public async Task Open_TurnsOnForeignKeysAndABusyTimeout_OnEveryConnection()
    {
        (await ScalarSqlAsync(Store, "PRAGMA foreign_keys")).ShouldBe(1);
        (await ScalarSqlAsync(Store, "PRAGMA busy_timeout")).ShouldBe(SqliteStateDatabase.BusyTimeoutMilliseconds);
    }

    [Fact]
    public async Task Open_InAFolderThatIsNotWritable_FailsNamingTheFolder()
    {
        var folder = _temp.Combine("locked");
        Directory.CreateDirectory(folder);
        var location = StateLocation.Parse("sqlite:" + Path.Combine(folder, "state.db"));
        await using var unwritable = await MakeUnwritableAsync(folder);

        var error = await Should.ThrowAsync<StateStoreException>(() => OpenAsync(location));

        error.Message.ShouldBe($"cannot open state store {location.DisplayLocation}: directory {folder} is not writable");
    }

    [Fact]
    public async Task Open_UnderAPathThatIsAFile_FailsNamingTheFolderItCannotCreate()
    {
        var file = _temp.Combine("manifest.yml");
        await File.WriteAllTextAsync(file, "app: shop", Ct);
        var location = StateLocation.Resolve(null, null, file);

        var error = await Should.ThrowAsync<StateStoreException>(() => OpenAsync(location));

        error.Message.ShouldBe($"cannot open state store {location.DisplayLocation}: cannot create directory {Path.Combine(file, ".capstan")}: {file} is a file");
    }

    [Fact]
    public async Task Open_OfAPathThatIsAFolder_FailsSayingSo()
    {
        var folder = _temp.Combine("folder.db");
        Directory.CreateDirectory(folder);
        var location = StateLocation.Parse(folder);

        var error = await Should.ThrowAsync<StateStoreException>(() => OpenAsync(location));

        error.Message.ShouldBe($"cannot open state store sqlite:{folder}: the path is a directory, not a database file");
    }

    [Fact]
    public async Task Open_OfAFileThatIsNotADatabase_FailsSayingSo()
    {
        var file = _temp.Combine("notes.db");
        await File.WriteAllTextAsync(file, string.Concat(Enumerable.Repeat("these are not the pages you are looking for\n", 50)), Ct);

        var error = await Should.ThrowAsync<StateStoreException>(() => OpenAsync(StateLocation.Parse(file)));

        error.Message.ShouldBe($"cannot open state store sqlite:{file}: the file is not a SQLite database");
    }

    [Fact]
    public async Task InTransaction_TakesTheWriteLockAsItBegins()
    {
        var writerBlocked = await Store.InTransactionAsync(
            async (_, ct) =>
            {
                // Another connection cannot begin writing, although the work has not written anything yet.
                await using var other = new SqliteConnection($"Data Source={Location.FilePath}");
                await other.OpenAsync(ct);
                await using var command = other.CreateCommand();

                // A single statement: in a multi-statement command Microsoft.Data.Sqlite 10 did not report the busy error.
                command.CommandText = "BEGIN IMMEDIATE";
                command.CommandTimeout = 1;
                var error = await Should.ThrowAsync<SqliteException>(() => command.ExecuteNonQueryAsync(ct));
                return error.SqliteErrorCode == SQLitePCL.raw.SQLITE_BUSY;
            },
            Ct).DefaultTimeout();

        writerBlocked.ShouldBeTrue();
    }

    [Fact]
    public async Task Dispose_ReleasesTheFile_SoTheWalIsCheckpointedAway()
    {
        var location = await CreateLocationAsync();
        var store = await OpenAsync(location);
        await store.Runs.CreateAsync(NewRun("run_1"), Ct).DefaultTimeout();

        await store.DisposeAsync();

        File.Exists(location.FilePath + "-wal").ShouldBeFalse();
        await using var reopened = await OpenAsync(location);
        (await reopened.Runs.GetAsync("run_1", Ct).DefaultTimeout()).ShouldNotBeNull();
    }

    /// <summary>
    /// Makes a folder unwritable until disposed. Permissions do not stop root, so as root the folder is made immutable
    /// (chattr +i, which needs CAP_LINUX_IMMUTABLE and a file system that supports it).
    /// </summary>
    private static async Task<IAsyncDisposable> MakeUnwritableAsync(string folder)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            return new Undo(() =>
            {
                File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                return Task.CompletedTask;
            });
        }

        var result = await ProcessRunner.RunAsync("chattr", ["+i", folder], TimeSpan.FromSeconds(10), Ct).DefaultTimeout();
        if (result.ExitCode != 0)
        {
            Assert.Skip($"Running as root, and the folder cannot be made immutable to stand for an unwritable one: {result.StandardError}");
        }

        return new Undo(async () =>
            (await ProcessRunner.RunAsync("chattr", ["-i", folder], TimeSpan.FromSeconds(10), CancellationToken.None)).EnsureSuccess());
    }

    private sealed class Undo(Func<Task> undo) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await undo();
    }
}
