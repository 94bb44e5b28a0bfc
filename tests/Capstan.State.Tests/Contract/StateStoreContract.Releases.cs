using System.Data.Common;
using Capstan.Testing;

namespace Capstan.State.Tests;

public abstract partial class StateStoreContract
{
    [Fact]
    public async Task AddRelease_ThenGet_RoundTripsTheSecretVersions()
    {
        var release = NewRelease("rel_1", secrets: new Dictionary<string, int> { ["DB_PASSWORD"] = 3, ["Ünïcode \"key\""] = 12, ["empty"] = 0 });
        var added = await Store.Releases.AddAsync(release, Ct).DefaultTimeout();

        var stored = (await Store.Releases.GetAsync("rel_1", Ct).DefaultTimeout()).ShouldNotBeNull();

        stored.ShouldBe(release with { Version = 1, SecretVersions = stored.SecretVersions });
        stored.SecretVersions.OrderBy(p => p.Key, StringComparer.Ordinal).ShouldBe(release.SecretVersions.OrderBy(p => p.Key, StringComparer.Ordinal));
        added.ShouldBe(stored with { SecretVersions = added.SecretVersions });
        added.SecretVersions.OrderBy(p => p.Key, StringComparer.Ordinal).ShouldBe(stored.SecretVersions.OrderBy(p => p.Key, StringComparer.Ordinal));
        (await Store.Releases.GetAsync("rel_missing", Ct).DefaultTimeout()).ShouldBeNull();
    }

    [Fact]
    public async Task AddRelease_WithNoSecrets_RoundTripsAnEmptyDictionary()
    {
        await Store.Releases.AddAsync(NewRelease("rel_1", secrets: new Dictionary<string, int>()), Ct).DefaultTimeout();

        (await Store.Releases.GetAsync("rel_1", Ct).DefaultTimeout()).ShouldNotBeNull().SecretVersions.ShouldBeEmpty();
    }

    [Fact]
    public async Task AddRelease_NumbersVersionsPerAppEnvironmentAndService_IgnoringTheVersionGiven()
    {
        var first = await Store.Releases.AddAsync(NewRelease("rel_1") with { Version = 42 }, Ct).DefaultTimeout();
        var second = await Store.Releases.AddAsync(NewRelease("rel_2", minute: 1), Ct).DefaultTimeout();
        var otherService = await Store.Releases.AddAsync(NewRelease("rel_3", "worker"), Ct).DefaultTimeout();
        var otherEnvironment = await Store.Releases.AddAsync(NewRelease("rel_4", environment: "staging"), Ct).DefaultTimeout();
        var otherApp = await Store.Releases.AddAsync(NewRelease("rel_5", app: "blog"), Ct).DefaultTimeout();
        var third = await Store.Releases.AddAsync(NewRelease("rel_6", minute: 2), Ct).DefaultTimeout();

        new[] { first, second, otherService, otherEnvironment, otherApp, third }.Select(r => r.Version).ShouldBe([1L, 2, 1, 1, 1, 3]);
        (await Store.Releases.GetAsync("rel_6", Ct).DefaultTimeout()).ShouldNotBeNull().Version.ShouldBe(3);
    }

    [Fact]
    public async Task AddRelease_ByManyAtOnce_GivesEachADistinctVersion()
    {
        var added = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(
            () => Store.Releases.AddAsync(NewRelease($"rel_{i}", service: i % 3 == 0 ? "worker" : "web"), Ct),
            Ct))).DefaultTimeout();

        added.Where(r => r.Service == "web").Select(r => r.Version).Order().ShouldBe([1L, 2, 3, 4, 5, 6, 7, 8]);
        added.Where(r => r.Service == "worker").Select(r => r.Version).Order().ShouldBe([1L, 2, 3, 4]);
        foreach (var release in added)
        {
            (await Store.Releases.GetAsync(release.Id, Ct).DefaultTimeout()).ShouldNotBeNull().Version.ShouldBe(release.Version);
        }
    }

    [Fact]
    public async Task AddRelease_ByManyAtOnceInTransactions_GivesEachADistinctVersion_AndEveryTransactionCommits()
    {
        // A PostgreSQL adder that loses the race for a number must retry without aborting its transaction.
        var added = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(
            () => Store.InTransactionAsync(
                async (session, ct) =>
                {
                    var release = await session.Releases.AddAsync(NewRelease($"rel_{i}"), ct);
                    await session.Deployments.CreateAsync(NewDeployment($"dep_{i}", release.Id), ct);
                    return release;
                },
                Ct),
            Ct))).DefaultTimeout();

        added.Select(r => r.Version).Order().ShouldBe([1L, 2, 3, 4, 5, 6, 7, 8]);
        (await Store.Deployments.ListAsync("shop", "production", 20, Ct).DefaultTimeout()).Count.ShouldBe(8);
    }

    [Fact]
    public async Task AddRelease_WithoutAnEnvironment_IsRefused()
    {
        var error = await Should.ThrowAsync<ArgumentException>(
            () => Store.Releases.AddAsync(NewRelease("rel_1", environment: string.Empty), Ct).DefaultTimeout());

        error.Message.ShouldContain("Release 'rel_1' has no environment");
        (await Store.Releases.GetAsync("rel_1", Ct).DefaultTimeout()).ShouldBeNull();
    }

    [Fact]
    public async Task AddRelease_WithATakenId_FailsAndKeepsTheFirst()
    {
        await Store.Releases.AddAsync(NewRelease("rel_1"), Ct).DefaultTimeout();

        await Should.ThrowAsync<DbException>(() => Store.Releases.AddAsync(NewRelease("rel_1", environment: "staging"), Ct).DefaultTimeout());

        (await Store.Releases.GetAsync("rel_1", Ct).DefaultTimeout()).ShouldNotBeNull().Environment.ShouldBe("production");
    }

    [Fact]
    public async Task ReleaseVersions_AreUniquePerAppEnvironmentAndService()
    {
        await Store.Releases.AddAsync(NewRelease("rel_1"), Ct).DefaultTimeout();

        await Should.ThrowAsync<DbException>(() => ExecuteSqlAsync(
            Store,
            """
            INSERT INTO capstan_releases (id, app, environment, service, version, artifact_digest, config_hash, secret_versions, created_at, created_by)
            VALUES ('rel_2', 'shop', 'production', 'web', 1, 'sha256:b', 'cfg', '{}', 0, 'ana')
            """));
    }

    [Fact]
    public async Task GetReleaseByVersion_FindsThatVersionOfThatEnvironmentAndService_OrNull()
    {
        await Store.Releases.AddAsync(NewRelease("rel_1"), Ct).DefaultTimeout();
        await Store.Releases.AddAsync(NewRelease("rel_2", minute: 1), Ct).DefaultTimeout();
        await Store.Releases.AddAsync(NewRelease("rel_3", environment: "staging"), Ct).DefaultTimeout();

        (await Store.Releases.GetByVersionAsync("shop", "production", "web", 2, Ct).DefaultTimeout()).ShouldNotBeNull().Id.ShouldBe("rel_2");
        (await Store.Releases.GetByVersionAsync("shop", "staging", "web", 1, Ct).DefaultTimeout()).ShouldNotBeNull().Id.ShouldBe("rel_3");
        (await Store.Releases.GetByVersionAsync("shop", "staging", "web", 2, Ct).DefaultTimeout()).ShouldBeNull();
        (await Store.Releases.GetByVersionAsync("shop", "production", "worker", 1, Ct).DefaultTimeout()).ShouldBeNull();
        (await Store.Releases.GetByVersionAsync("blog", "production", "web", 1, Ct).DefaultTimeout()).ShouldBeNull();
    }

    [Fact]
    public async Task FindExistingRelease_MatchesOnlyTheSameEnvironmentArtifactConfigAndSecretVersions_InAnyKeyOrder()
    {
        await Store.Releases.AddAsync(NewRelease("rel_1", minute: 1), Ct).DefaultTimeout();
        await Store.Releases.AddAsync(NewRelease("rel_2", minute: 2), Ct).DefaultTimeout();
        await Store.Releases.AddAsync(NewRelease("rel_3", minute: 3, environment: "staging"), Ct).DefaultTimeout();
        var sameSecretsOtherOrder = new Dictionary<string, int> { ["API_KEY"] = 1, ["DB_PASSWORD"] = 3 };

        var found = await Store.Releases.FindExistingAsync("shop", "production", "web", Digest('a'), "cfg-1", sameSecretsOtherOrder, Ct).DefaultTimeout();

        found.ShouldNotBeNull().Id.ShouldBe("rel_2");
        found.Version.ShouldBe(2);
        (await Store.Releases.FindExistingAsync("shop", "staging", "web", Digest('a'), "cfg-1", sameSecretsOtherOrder, Ct).DefaultTimeout())
            .ShouldNotBeNull().Id.ShouldBe("rel_3");
        (await Store.Releases.FindExistingAsync("shop", "qa", "web", Digest('a'), "cfg-1", sameSecretsOtherOrder, Ct).DefaultTimeout()).ShouldBeNull();
        (await Store.Releases.FindExistingAsync("shop", "production", "web", Digest('b'), "cfg-1", sameSecretsOtherOrder, Ct).DefaultTimeout()).ShouldBeNull();
        (await Store.Releases.FindExistingAsync("shop", "production", "web", Digest('a'), "cfg-2", sameSecretsOtherOrder, Ct).DefaultTimeout()).ShouldBeNull();
        (await Store.Releases.FindExistingAsync("shop", "production", "api", Digest('a'), "cfg-1", sameSecretsOtherOrder, Ct).DefaultTimeout()).ShouldBeNull();
        (await Store.Releases.FindExistingAsync(
            "shop", "production", "web", Digest('a'), "cfg-1", new Dictionary<string, int> { ["API_KEY"] = 2, ["DB_PASSWORD"] = 3 }, Ct).DefaultTimeout()).ShouldBeNull();
        (await Store.Releases.FindExistingAsync(
            "shop", "production", "web", Digest('a'), "cfg-1", new Dictionary<string, int> { ["DB_PASSWORD"] = 3 }, Ct).DefaultTimeout()).ShouldBeNull();
    }

    [Fact]
    public async Task ListReleases_ByEnvironmentServiceOrAll_NewestFirst()
    {
        await Store.Releases.AddAsync(NewRelease("rel_1", "web", minute: 1), Ct).DefaultTimeout();
        await Store.Releases.AddAsync(NewRelease("rel_2", "worker", minute: 2), Ct).DefaultTimeout();
        await Store.Releases.AddAsync(NewRelease("rel_3", "web", minute: 3), Ct).DefaultTimeout();
        await Store.Releases.AddAsync(NewRelease("rel_4", "web", minute: 4, environment: "staging"), Ct).DefaultTimeout();

        (await Store.Releases.ListAsync("shop", "production", "web", 10, Ct).DefaultTimeout()).Select(r => r.Id).ShouldBe(["rel_3", "rel_1"]);
        (await Store.Releases.ListAsync("shop", null, "web", 10, Ct).DefaultTimeout()).Select(r => r.Id).ShouldBe(["rel_4", "rel_3", "rel_1"]);
        (await Store.Releases.ListAsync("shop", "production", null, 10, Ct).DefaultTimeout()).Select(r => r.Id).ShouldBe(["rel_3", "rel_2", "rel_1"]);
        (await Store.Releases.ListAsync("shop", null, null, 10, Ct).DefaultTimeout()).Select(r => r.Id).ShouldBe(["rel_4", "rel_3", "rel_2", "rel_1"]);
        (await Store.Releases.ListAsync("shop", null, null, 2, Ct).DefaultTimeout()).Select(r => r.Id).ShouldBe(["rel_4", "rel_3"]);
        (await Store.Releases.ListAsync("shop", "qa", null, 10, Ct).DefaultTimeout()).ShouldBeEmpty();
        (await Store.Releases.ListAsync("blog", null, null, 10, Ct).DefaultTimeout()).ShouldBeEmpty();
    }

    [Fact]
    public async Task ListReleases_MadeAtTheSameTime_NewestVersionFirst()
    {
        await Store.Releases.AddAsync(NewRelease("rel_b"), Ct).DefaultTimeout();
        await Store.Releases.AddAsync(NewRelease("rel_a"), Ct).DefaultTimeout();

        (await Store.Releases.ListAsync("shop", "production", "web", 10, Ct).DefaultTimeout()).Select(r => (r.Id, r.Version)).ShouldBe([("rel_a", 2L), ("rel_b", 1L)]);
    }

    [Fact]
    public async Task Migrate_FromVersion3_KeepsOldReleasesAndDeploymentsReadable_NumberedInTheOrderTheyWereMade()
    {
        var location = await CreateLocationAsync();
        await using (var old = await StateStore.OpenWithMigrationsAsync(location, Migrations.All.Take(3).ToArray(), TimeProvider.System, Ct).DefaultTimeout())
        {
            old.SchemaVersion.ShouldBe(3);

            // As a version-3 build wrote them: no environment, no version; two made in the same millisecond.
            var t = T0.ToUnixTimeMilliseconds();
            await ExecuteSqlAsync(
                old,
                $$"""
                INSERT INTO capstan_releases (id, app, service, artifact_digest, config_hash, secret_versions, created_at, created_by) VALUES
                    ('rel_c', 'shop', 'web', 'sha256:c', 'cfg-c', '{"DB_PASSWORD":2}', {{t + 120_000}}, 'ana'),
                    ('rel_a', 'shop', 'web', 'sha256:a', 'cfg-a', '{}', {{t}}, 'ana'),
                    ('rel_b', 'shop', 'web', 'sha256:b', 'cfg-b', '{}', {{t + 60_000}}, 'bo'),
                    ('rel_b2', 'shop', 'web', 'sha256:b', 'cfg-b2', '{}', {{t + 60_000}}, 'bo'),
                    ('rel_w', 'shop', 'worker', 'sha256:w', 'cfg-w', '{}', {{t + 60_000}}, 'ana'),
                    ('rel_x', 'blog', 'web', 'sha256:x', 'cfg-x', '{}', {{t + 180_000}}, 'ana');
                INSERT INTO capstan_deployments
                    (id, app, environment, release_id, strategy, status, step, state, revision, created_by, created_at, updated_at, finished_at, reason)
                VALUES ('dep_1', 'shop', 'production', 'rel_c', 'rolling', 'succeeded', 'done', '{}', 3, 'ana', {{t + 180_000}}, {{t + 240_000}}, {{t + 240_000}}, NULL);
                """);
        }

        await using var store = await OpenAsync(location);

        store.SchemaVersion.ShouldBe(Migrations.All.Count);
        var web = await store.Releases.ListAsync("shop", null, "web", 10, Ct).DefaultTimeout();
        web.Select(r => (r.Id, r.Environment, r.Version)).ShouldBe([("rel_c", "", 4L), ("rel_b2", "", 3L), ("rel_b", "", 2L), ("rel_a", "", 1L)]);
        var c = (await store.Releases.GetAsync("rel_c", Ct).DefaultTimeout()).ShouldNotBeNull();
        c.ShouldBe(new Release
        {
            Id = "rel_c",
            App = "shop",
            Environment = string.Empty,
            Service = "web",
            Version = 4,
            ArtifactDigest = "sha256:c",
            ConfigHash = "cfg-c",
            SecretVersions = c.SecretVersions,
            CreatedAt = At(2),
            CreatedBy = "ana",
        });
        c.SecretVersions.ShouldBe(new Dictionary<string, int> { ["DB_PASSWORD"] = 2 });
        (await store.Releases.GetByVersionAsync("shop", string.Empty, "worker", 1, Ct).DefaultTimeout()).ShouldNotBeNull().Id.ShouldBe("rel_w");
        (await store.Releases.GetByVersionAsync("blog", string.Empty, "web", 1, Ct).DefaultTimeout()).ShouldNotBeNull().Id.ShouldBe("rel_x");
        (await store.Releases.FindExistingAsync("shop", string.Empty, "web", "sha256:b", "cfg-b", new Dictionary<string, int>(), Ct).DefaultTimeout())
            .ShouldNotBeNull().Id.ShouldBe("rel_b");

        var deployment = (await store.Deployments.GetLastSucceededAsync("shop", "production", Ct).DefaultTimeout()).ShouldNotBeNull();
        deployment.Id.ShouldBe("dep_1");
        deployment.ReleaseId.ShouldBe("rel_c");
        deployment.PreviousReleaseId.ShouldBeNull();

        // New releases belong to an environment and start their own numbering there.
        var added = await store.Releases.AddAsync(NewRelease("rel_new", minute: 5), Ct).DefaultTimeout();
        added.Version.ShouldBe(1);
        await store.Deployments.CreateAsync(NewDeployment("dep_2", "rel_new", minute: 5, previousReleaseId: "rel_c"), Ct).DefaultTimeout();
        (await store.Deployments.GetAsync("dep_2", Ct).DefaultTimeout()).ShouldNotBeNull().PreviousReleaseId.ShouldBe("rel_c");
    }
}
