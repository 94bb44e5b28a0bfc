using System.Net;
using System.Net.Http.Json;
using Capstan.Contracts;
using Capstan.State;
using Capstan.Testing;

namespace Capstan.Deployments.Tests.Dora;

public sealed class DoraApiTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheDoraEndpoint_ComputesTheFiguresOfTheRecordedHistory_WithCommitTimesFromGit()
    {
        await using var fixture = await DeploymentFixture.StartAsync(cancellationToken: Token);
        var store = fixture.Server!.Store;
        var now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var sha = await GitRepository.CommitAsync(fixture.Project, now.AddHours(-3), Token);

        // run_1 built a1 from the project's commit (3h ago); run_2 built a2 from a commit git does not know, so its lead
        // time runs from the run's start (2h ago). The server's clock is the real one: times are relative to now.
        await store.Runs.CreateAsync(Run("run_dora_1", sha, now.AddHours(-2.9)), Token).DefaultTimeout();
        await store.Runs.CreateAsync(Run("run_dora_2", new string('e', 40), now.AddHours(-2)), Token).DefaultTimeout();
        await store.Artifacts.AddAsync(Artifact(Digest('1'), "run_dora_1", now), Token).DefaultTimeout();
        await store.Artifacts.AddAsync(Artifact(Digest('2'), "run_dora_2", now), Token).DefaultTimeout();
        var r0 = await store.Releases.AddAsync(Release("rel_dora_0", "", now.AddDays(-9)), Token).DefaultTimeout();
        var r1 = await store.Releases.AddAsync(Release("rel_dora_1", Digest('1'), now.AddHours(-2.8)), Token).DefaultTimeout();
        var r2 = await store.Releases.AddAsync(Release("rel_dora_2", Digest('2'), now.AddHours(-1.9)), Token).DefaultTimeout();

        //   dep_0  r0, 8 days ago, succeeded               → before the 7d window
        //   dep_1  r1, finished 2h ago, succeeded          → lead 3h - 2h = 1h (commit time from git)
        //   dep_2  r2, finished 90m ago, failed            → a change failure
        //   dep_3  r2, finished 60m ago, succeeded         → lead 2h - 1h = 1h (run start); restores dep_2 after 30m
        await store.Deployments.CreateAsync(Deployment("dep_dora_0", r0.Id, null, now.AddDays(-8), DeploymentStatus.Succeeded), Token).DefaultTimeout();
        await store.Deployments.CreateAsync(Deployment("dep_dora_1", r1.Id, r0.Id, now.AddHours(-2), DeploymentStatus.Succeeded), Token).DefaultTimeout();
        await store.Deployments.CreateAsync(Deployment("dep_dora_2", r2.Id, r1.Id, now.AddMinutes(-90), DeploymentStatus.Failed), Token).DefaultTimeout();
        await store.Deployments.CreateAsync(Deployment("dep_dora_3", r2.Id, r1.Id, now.AddMinutes(-60), DeploymentStatus.Succeeded), Token).DefaultTimeout();

        // No env: the app has no production, so its last environment, staging.
        using var response = await fixture.Api.GetAsync("api/apps/shop/dora?since=7d", Token);
        var body = await response.Content.ReadAsStringAsync(Token);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        body.ShouldContain("\"lead_time_for_changes\":");
        var dora = System.Text.Json.JsonSerializer.Deserialize(body, ApiJson.Default.DoraView)!;

        dora.Environment.ShouldBe("staging");
        dora.Since.ShouldBe("7d");
        (dora.To - dora.From).ShouldBe(TimeSpan.FromDays(7));
        // 2 successes in 7 days: 0.29/day, 2/week, high.
        dora.DeploymentFrequency.Deployments.ShouldBe(2);
        dora.DeploymentFrequency.PerWeek.ShouldBe(2, 1e-9);
        dora.DeploymentFrequency.Band.ShouldBe("high");
        // 1h and 1h: median and p90 1h, one from the run's start; elite.
        dora.LeadTimeForChanges.Deployments.ShouldBe(2);
        dora.LeadTimeForChanges.MedianSeconds.ShouldBe(3600);
        dora.LeadTimeForChanges.P90Seconds.ShouldBe(3600);
        dora.LeadTimeForChanges.RunStartFallbacks.ShouldBe(1);
        dora.LeadTimeForChanges.Band.ShouldBe("elite");
        // 1 failure of 3 deploys: 33%, low.
        dora.ChangeFailureRate.Deployments.ShouldBe(3);
        dora.ChangeFailureRate.Rate!.Value.ShouldBe(1 / 3.0, 1e-9);
        dora.ChangeFailureRate.Band.ShouldBe("low");
        // dep_2 failed 90m ago, dep_3 succeeded 60m ago: 30m, elite.
        dora.TimeToRestore.MedianSeconds.ShouldBe(1800);
        dora.TimeToRestore.Band.ShouldBe("elite");
        var failure = dora.Failures.ShouldHaveSingleItem();
        (failure.DeploymentId, failure.Kind, failure.RestoredBy).ShouldBe(("dep_dora_2", "failed", "dep_dora_3"));
        dora.NotCounted.ShouldBeEmpty();
    }

    [Fact]
    public async Task BadDoraRequests_AreRefused_NamingTheProblem()
    {
        await using var fixture = await DeploymentFixture.StartAsync(cancellationToken: Token);

        using var badSince = await fixture.Api.GetAsync("api/apps/shop/dora?since=30x", Token);
        badSince.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await badSince.Content.ReadFromJsonAsync(ApiJson.Default.ApiError, Token))!.Error
            .ShouldBe("since '30x' is not a window: 'x' in '30x' is not a duration unit; use ms, s, m, h, d or w");

        using var emptySince = await fixture.Api.GetAsync("api/apps/shop/dora?since=0", Token);
        emptySince.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await emptySince.Content.ReadFromJsonAsync(ApiJson.Default.ApiError, Token))!.Error.ShouldContain("empty window");

        using var unknownEnvironment = await fixture.Api.GetAsync("api/apps/shop/dora?env=production", Token);
        unknownEnvironment.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await unknownEnvironment.Content.ReadFromJsonAsync(ApiJson.Default.ApiError, Token))!.Error
            .ShouldBe("environment 'production' is not declared in capstan.yaml (declared: staging)");

        using var otherApp = await fixture.Api.GetAsync("api/apps/blog/dora", Token);
        otherApp.StatusCode.ShouldBe(HttpStatusCode.NotFound);

        // Nothing recorded: every figure is n/a, left out of the JSON, and the default window is 30 days.
        var empty = (await fixture.Api.GetFromJsonAsync("api/apps/shop/dora", ApiJson.Default.DoraView, Token))!;
        empty.Since.ShouldBe("30d");
        empty.DeploymentFrequency.Band.ShouldBeNull();
        empty.LeadTimeForChanges.MedianSeconds.ShouldBeNull();
        empty.ChangeFailureRate.Rate.ShouldBeNull();
        empty.TimeToRestore.MedianSeconds.ShouldBeNull();
    }

    private static string Digest(char c) => "sha256:" + new string(c, 64);

    private static PipelineRun Run(string id, string commit, DateTimeOffset started) => new()
    {
        Id = id, App = "shop", Status = RunStatus.Succeeded, Trigger = "manual", Commit = commit, StartedAt = started, FinishedAt = started.AddMinutes(5),
    };

    private static Artifact Artifact(string digest, string run, DateTimeOffset created) => new()
    {
        Digest = digest, App = "shop", Job = "build", RunId = run, SizeBytes = 1, Location = "out", CreatedAt = created,
    };

    private static Release Release(string id, string digest, DateTimeOffset created) => new()
    {
        Id = id,
        App = "shop",
        Environment = "staging",
        Service = "web",
        ArtifactDigest = digest,
        ConfigHash = "sha256:" + new string('c', 64),
        SecretVersions = new Dictionary<string, int>(),
        CreatedAt = created,
        CreatedBy = "test",
    };

    private static Deployment Deployment(string id, string release, string? previous, DateTimeOffset finished, DeploymentStatus status) => new()
    {
        Id = id,
        App = "shop",
        Environment = "staging",
        ReleaseId = release,
        PreviousReleaseId = previous,
        Strategy = "blue-green",
        Status = status,
        Step = status == DeploymentStatus.Succeeded ? "done" : "starting",
        State = "{}",
        Revision = 1,
        CreatedBy = "test",
        CreatedAt = finished.AddMinutes(-5),
        UpdatedAt = finished,
        FinishedAt = finished,
    };
}
