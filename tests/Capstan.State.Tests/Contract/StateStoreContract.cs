using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Capstan.Testing;

namespace Capstan.State.Tests;

/// <summary>
/// The behaviour every state store engine must have. Each engine's test class derives from this one and gives it
/// a fresh, empty database per test; every test here then runs once per engine.
/// </summary>
public abstract partial class StateStoreContract : IAsyncLifetime
{
    /// <summary>An instant with milliseconds, on a whole-millisecond boundary, so it round-trips exactly.</summary>
    protected static readonly DateTimeOffset T0 = new(2026, 3, 14, 15, 9, 26, 535, TimeSpan.Zero);

    private IStateStore? _store;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The store opened on this test's fresh database.</summary>
    protected IStateStore Store => _store ?? throw new InvalidOperationException("The store is not open yet.");

    protected StateLocation Location { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Location = await CreateLocationAsync().DefaultTimeout();
        _store = await OpenAsync(Location);
    }

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync().DefaultTimeout();
        }

        await CleanupAsync().DefaultTimeout();
        GC.SuppressFinalize(this);
    }

    /// <summary>The location of a new, empty database; each call makes another.</summary>
    protected abstract Task<StateLocation> CreateLocationAsync();

    protected virtual Task CleanupAsync() => Task.CompletedTask;

    protected static Task<IStateStore> OpenAsync(StateLocation location, TimeProvider? clock = null) =>
        StateStore.OpenAsync(location, clock, Ct).DefaultTimeout();

    protected static DateTimeOffset At(int minutes) => T0.AddMinutes(minutes);

    /// <summary>Runs SQL on the store's database directly, in its own transaction.</summary>
    protected static Task ExecuteSqlAsync(IStateStore store, string sql) =>
        ((SqlStateStore)store).Database.RunAsync(true, (tx, ct) => tx.ExecuteAsync(sql, null, ct), Ct).DefaultTimeout();

    protected static Task<long?> ScalarSqlAsync(IStateStore store, string sql) =>
        ((SqlStateStore)store).Database.RunAsync(false, (tx, ct) => tx.ScalarInt64Async(sql, null, ct), Ct).DefaultTimeout();

    protected static Task<IReadOnlyList<(long Version, string Name, long AppliedAt)>> AppliedMigrationsAsync(IStateStore store) =>
        ((SqlStateStore)store).Database.RunAsync(
            false,
            (tx, ct) => tx.QueryAsync(
                "SELECT version, name, applied_at FROM capstan_schema_migrations ORDER BY version",
                null,
                r => (r.GetInt64(0), r.GetString(1), r.GetInt64(2)),
                ct),
            Ct).DefaultTimeout();

    // ---- Opening and migrations -------------------------------------------------------------------------------------

    [Fact]
    public async Task Open_AppliesEveryMigration_AndReportsTheLatestVersion()
    {
        Store.SchemaVersion.ShouldBe(Migrations.All.Count);
        var applied = await AppliedMigrationsAsync(Store);
        applied.Select(m => m.Version).ShouldBe(Migrations.All.Select(m => (long)m.Version));
        applied.Select(m => m.Name).ShouldBe(Migrations.All.Select(m => m.Name));
    }

    [Fact]
    public async Task Open_RecordsWhenEachMigrationWasApplied_WithTheGivenClock()
    {
        var location = await CreateLocationAsync();
        await using var store = await OpenAsync(location, new FixedClock(T0));

        var applied = await AppliedMigrationsAsync(store);

        applied.ShouldAllBe(m => m.AppliedAt == T0.ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task Open_Twice_AppliesNothingTheSecondTime()
    {
        var before = await AppliedMigrationsAsync(Store);

        await using var again = await OpenAsync(Location, new FixedClock(T0.AddDays(1)));

        again.SchemaVersion.ShouldBe(Store.SchemaVersion);
        (await AppliedMigrationsAsync(again)).ShouldBe(before);
    }

    [Fact]
    public async Task Open_WithANewerSchema_IsRefusedAskingToUpgrade()
    {
        await ExecuteSqlAsync(Store, "INSERT INTO capstan_schema_migrations (version, name, applied_at) VALUES (99, 'from the future', 0)");

        var error = await Should.ThrowAsync<StateStoreException>(() => OpenAsync(Location));

        error.Message.ShouldBe(
            $"cannot open state store {Location.DisplayLocation}: state store schema is at version 99 but this capstan knows up to version {Migrations.All.Count}; upgrade capstan");
    }

    [Fact]
    public async Task Open_ConcurrentlyOnAFreshDatabase_MigratesOnlyOnce()
    {
        var location = await CreateLocationAsync();

        var stores = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => OpenAsync(location), Ct))).DefaultTimeout();
        try
        {
            stores.ShouldAllBe(s => s.SchemaVersion == Migrations.All.Count);
            var applied = await AppliedMigrationsAsync(stores[0]);
            applied.Select(m => m.Version).ShouldBe(Migrations.All.Select(m => (long)m.Version));
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Migrate_AppliesInOrder_AndAFailingMigrationLeavesOnlyItselfUndone()
    {
        var location = await CreateLocationAsync();
        Migration[] migrations =
        [
            new(1, "first", "CREATE TABLE t1 (x BIGINT NOT NULL)"),
            new(2, "second", "CREATE TABLE t2 (x BIGINT NOT NULL); INSERT INTO t1 (x) VALUES (2)"),
            new(3, "broken", "CREATE TABLE t3 (x BIGINT NOT NULL); INSERT INTO no_such_table (x) VALUES (3)"),
        ];

        await Should.ThrowAsync<DbException>(
            () => StateStore.OpenWithMigrationsAsync(location, migrations, TimeProvider.System, Ct).DefaultTimeout());

        await using var store = await StateStore.OpenWithMigrationsAsync(location, migrations[..2], TimeProvider.System, Ct).DefaultTimeout();
        store.SchemaVersion.ShouldBe(2);
        (await AppliedMigrationsAsync(store)).Select(m => m.Name).ShouldBe(["first", "second"]);
        (await ScalarSqlAsync(store, "SELECT SUM(x) FROM t1")).ShouldBe(2);
        await Should.ThrowAsync<DbException>(() => ScalarSqlAsync(store, "SELECT COUNT(*) FROM t3"));
    }

    [Fact]
    public async Task Migrate_WithMisnumberedMigrations_IsABug()
    {
        var location = await CreateLocationAsync();
        Migration[] migrations = [new(1, "first", "CREATE TABLE t1 (x BIGINT)"), new(3, "skips two", "CREATE TABLE t3 (x BIGINT)")];

        var error = await Should.ThrowAsync<InvalidOperationException>(
            () => StateStore.OpenWithMigrationsAsync(location, migrations, TimeProvider.System, Ct).DefaultTimeout());

        error.Message.ShouldContain("should be 2");
    }

    [Fact]
    public void Store_ReportsItsEngineAndLocation()
    {
        Store.Engine.ShouldBe(Location.Engine);
        Store.DisplayLocation.ShouldBe(Location.DisplayLocation);
        Store.ToString().ShouldBe(Location.DisplayLocation);
    }

    // ---- Transactions -----------------------------------------------------------------------------------------------

    [Fact]
    public async Task InTransaction_WhenWorkReturns_CommitsEveryWriteAndReturnsTheResult()
    {
        var result = await Store.InTransactionAsync(
            async (session, ct) =>
            {
                await session.Runs.CreateAsync(NewRun("run_1"), ct);
                await session.Runs.UpsertJobAsync(NewJob("run_1", "build"), ct);
                await session.Artifacts.AddAsync(NewArtifact(Digest('a'), "run_1"), ct);
                return 42;
            },
            Ct).DefaultTimeout();

        result.ShouldBe(42);
        (await Store.Runs.GetAsync("run_1", Ct).DefaultTimeout()).ShouldNotBeNull().Jobs.ShouldHaveSingleItem();
        (await Store.Artifacts.GetAsync(Digest('a'), Ct).DefaultTimeout()).ShouldNotBeNull();
    }

    [Fact]
    public async Task InTransaction_WhenWorkThrows_RollsBackEveryWrite()
    {
        await Store.Releases.AddAsync(NewRelease("rel_1"), Ct).DefaultTimeout();

        await Should.ThrowAsync<InvalidOperationException>(() => Store.InTransactionAsync(
            async (session, ct) =>
            {
                await session.Runs.CreateAsync(NewRun("run_1"), ct);
                await session.Artifacts.AddAsync(NewArtifact(Digest('a'), "run_1"), ct);
                await session.Releases.AddAsync(NewRelease("rel_2"), ct);
                await session.Deployments.CreateAsync(NewDeployment("dep_1", "rel_1"), ct);
                await session.Tokens.CreateAsync(NewToken("tok_1", "ci"), ct);
                await session.Secrets.AddNextVersionAsync(NewSecret("DB_PASSWORD"), ct);
                (await session.Audit.TryAppendAsync(NewAudit(1), ct)).ShouldBeTrue();
                await session.Alerts.UpsertAsync(NewAlert("high-latency", "fp1", AlertStatus.Firing), ct);
                await session.Incidents.CreateAsync(NewIncident("inc_1"), ct);
                await session.Silences.AddAsync(NewSilence("sil_1"), ct);
                await session.Notifications.AppendAsync(NewNotification("ntf_1"), ct);
                throw new InvalidOperationException("the work failed");
            },
            Ct).DefaultTimeout());

        (await Store.Runs.GetAsync("run_1", Ct).DefaultTimeout()).ShouldBeNull();
        (await Store.Artifacts.GetAsync(Digest('a'), Ct).DefaultTimeout()).ShouldBeNull();
        (await Store.Releases.GetAsync("rel_2", Ct).DefaultTimeout()).ShouldBeNull();
        (await Store.Deployments.GetAsync("dep_1", Ct).DefaultTimeout()).ShouldBeNull();
        (await Store.Tokens.ListAsync(Ct).DefaultTimeout()).ShouldBeEmpty();
        (await Store.Secrets.GetLatestAsync("shop", "production", "DB_PASSWORD", Ct).DefaultTimeout()).ShouldBeNull();
        (await Store.Audit.LastAsync(Ct).DefaultTimeout()).ShouldBeNull();
        (await Store.Alerts.ListAsync("shop", Ct).DefaultTimeout()).ShouldBeEmpty();
        (await Store.Incidents.GetAsync("inc_1", Ct).DefaultTimeout()).ShouldBeNull();
        (await Store.Incidents.ListEventsAsync("inc_1", Ct).DefaultTimeout()).ShouldBeEmpty();
        (await Store.Silences.GetAsync("sil_1", Ct).DefaultTimeout()).ShouldBeNull();
        (await Store.Notifications.ListRecentAsync(null, null, 10, Ct).DefaultTimeout()).ShouldBeEmpty();

        // The secret's and the release's numbers were rolled back too: the next of each is still the one it would have been.
        (await Store.Secrets.AddNextVersionAsync(NewSecret("DB_PASSWORD"), Ct).DefaultTimeout()).Version.ShouldBe(1);
        (await Store.Releases.AddAsync(NewRelease("rel_3"), Ct).DefaultTimeout()).Version.ShouldBe(2);
    }

    [Fact]
    public async Task InTransaction_WhenCancelled_RollsBack()
    {
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        await Should.ThrowAsync<OperationCanceledException>(() => Store.InTransactionAsync(
            async (session, ct) =>
            {
                await session.Runs.CreateAsync(NewRun("run_1"), ct);
                await cancellation.CancelAsync();
                await session.Runs.UpsertJobAsync(NewJob("run_1", "build"), ct);
                return true;
            },
            cancellation.Token).DefaultTimeout());

        (await Store.Runs.GetAsync("run_1", Ct).DefaultTimeout()).ShouldBeNull();
    }

    [Fact]
    public async Task InTransaction_WritesAreVisibleInsideAtOnce_ButToOthersOnlyAfterCommit()
    {
        await Store.InTransactionAsync(
            async (session, ct) =>
            {
                await session.Runs.CreateAsync(NewRun("run_1"), ct);

                (await session.Runs.GetAsync("run_1", ct)).ShouldNotBeNull();
                (await Store.Runs.GetAsync("run_1", ct)).ShouldBeNull();
            },
            Ct).DefaultTimeout();

        (await Store.Runs.GetAsync("run_1", Ct).DefaultTimeout()).ShouldNotBeNull();
    }

    [Fact]
    public async Task Session_UsedAfterItsTransactionEnded_Throws()
    {
        var session = await Store.InTransactionAsync((session, _) => Task.FromResult(session), Ct).DefaultTimeout();

        var error = await Should.ThrowAsync<InvalidOperationException>(() => session.Runs.GetAsync("run_1", Ct).DefaultTimeout());

        error.Message.ShouldContain("transaction has ended");
    }

    [Fact]
    public async Task Times_RoundTripAsUtcToTheMillisecond()
    {
        var local = new DateTimeOffset(2026, 7, 1, 9, 30, 0, 123, TimeSpan.FromHours(2)).AddTicks(4567);
        await Store.Runs.CreateAsync(NewRun("run_1") with { StartedAt = local }, Ct).DefaultTimeout();

        var stored = (await Store.Runs.GetAsync("run_1", Ct).DefaultTimeout()).ShouldNotBeNull().Run.StartedAt;

        stored.Offset.ShouldBe(TimeSpan.Zero);
        stored.ShouldBe(new DateTimeOffset(2026, 7, 1, 7, 30, 0, 123, TimeSpan.Zero));
    }

    [Fact]
    public async Task ForeignKeys_AreEnforced()
    {
        await Should.ThrowAsync<DbException>(() => Store.Runs.UpsertJobAsync(NewJob("run_missing", "build"), Ct).DefaultTimeout());
        await Should.ThrowAsync<DbException>(() => Store.Deployments.CreateAsync(NewDeployment("dep_1", "rel_missing"), Ct).DefaultTimeout());
    }

    // ---- Builders ---------------------------------------------------------------------------------------------------

    protected static string Digest(char fill) => "sha256:" + new string(fill, 64);

    protected static PipelineRun NewRun(string id, string app = "shop", int minute = 0) => new()
    {
        Id = id,
        App = app,
        Status = RunStatus.Running,
        Trigger = "push",
        Commit = "4f2a9c1",
        StartedAt = At(minute),
    };

    protected static JobRun NewJob(string runId, string job, JobStatus status = JobStatus.Running, string? inputsHash = null, int? finishedMinute = null) => new()
    {
        RunId = runId,
        Job = job,
        Status = status,
        Attempt = 1,
        StartedAt = T0,
        FinishedAt = finishedMinute is { } m ? At(m) : null,
        InputsHash = inputsHash,
    };

    protected static Artifact NewArtifact(string digest, string runId, string app = "shop", int minute = 0) => new()
    {
        Digest = digest,
        App = app,
        Job = "build",
        RunId = runId,
        SizeBytes = 12_345_678_901,
        Location = "artifacts/" + digest[7..19] + ".tar",
        CreatedAt = At(minute),
    };

    protected static Release NewRelease(
        string id,
        string service = "web",
        int minute = 0,
        IReadOnlyDictionary<string, int>? secrets = null,
        string environment = "production",
        string app = "shop") => new()
    {
        Id = id,
        App = app,
        Environment = environment,
        Service = service,
        ArtifactDigest = Digest('a'),
        ConfigHash = "cfg-1",
        SecretVersions = secrets ?? new Dictionary<string, int> { ["DB_PASSWORD"] = 3, ["API_KEY"] = 1 },
        CreatedAt = At(minute),
        CreatedBy = "ana",
    };

    protected static Deployment NewDeployment(
        string id,
        string releaseId,
        string environment = "production",
        int minute = 0,
        string? previousReleaseId = null) => new()
    {
        Id = id,
        App = "shop",
        Environment = environment,
        ReleaseId = releaseId,
        PreviousReleaseId = previousReleaseId,
        Strategy = "canary",
        Status = DeploymentStatus.Pending,
        Step = string.Empty,
        State = "{}",
        Revision = 1,
        CreatedBy = "ana",
        CreatedAt = At(minute),
        UpdatedAt = At(minute),
    };

    /// <summary>A draft version; <see cref="SecretStoreTestExtensions.AddNextVersionAsync"/> numbers it.</summary>
    protected static SecretVersion NewSecret(string name, string environment = "production", byte fill = 1, int minute = 0) => new()
    {
        Version = 0,
        App = "shop",
        Environment = environment,
        Name = name,
        Ciphertext = [0, fill, 2, 255, fill],
        KeyId = "key-1",
        CreatedAt = At(minute),
        CreatedBy = "ana",
    };

    protected static AuditEntry NewAudit(long sequence, string subject = "DB_PASSWORD", int minute = 0) => new()
    {
        Sequence = sequence,
        Time = At(minute),
        Actor = "ana",
        Action = "secret.set",
        App = "shop",
        Environment = "production",
        Subject = subject,
        Version = 1,
        Detail = "set from the CLI",
        PreviousHash = "h" + (sequence - 1),
        Hash = "h" + sequence,
    };

    /// <summary>The SHA-256 of a token in lowercase hex, as the server stores it.</summary>
    protected static string TokenHash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    protected static ApiToken NewToken(string id, string name, string? token = null, int minute = 0) => new()
    {
        Id = id,
        Name = name,
        Hash = TokenHash(token ?? "capstan_" + id),
        Role = ApiTokenRole.Admin,
        CreatedAt = At(minute),
        CreatedBy = "ana",
    };

    protected static AlertState NewAlert(string rule, string fingerprint, AlertStatus status, string app = "shop") => new()
    {
        App = app,
        Rule = rule,
        Fingerprint = fingerprint,
        Status = status,
        Severity = "critical",
        ActiveSince = status == AlertStatus.Resolved ? null : T0,
        ResolvedAt = status == AlertStatus.Resolved ? At(5) : null,
        LastEvaluatedAt = At(5),
        Value = 0.25,
        Labels = new Dictionary<string, string> { ["service"] = "web", ["instance"] = "10.0.0.7:8080" },
    };
}
