using System.Net;
using System.Net.Http.Json;
using Capstan.Contracts;
using Capstan.Testing;

namespace Capstan.Deployments.Tests;

/// <summary>The rules around deployments: freezes, one deployment at a time, promotion order, rollback never blocked.</summary>
public sealed class GovernanceTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>capstan.yaml with staging and production (production requires staging), both blue-green.</summary>
    private static string TwoEnvironments(string production = "", string env = "") => $$"""
        version: 1
        app: shop
        services:
          web:
            run: {{TestApp.Command}}
            health: { readiness: /ready, liveness: /health, interval: 200ms, timeout: 1s }
            route: { host: shop.localhost }
            grace_period: 5s
            drain_timeout: 5s
            env:
              APP_VERSION: "${CAPSTAN_VERSION}"
              {{env}}
        environments:
          staging:
            strategy: blue-green
            progress_deadline: 20s
          production:
            requires: [staging]
            strategy: blue-green
            progress_deadline: 20s
        {{production}}
        """;

    private static async Task<HttpResponseMessage> PostAsync<T>(DeploymentFixture fixture, string path, T body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        await fixture.Api.PostAsJsonAsync(path, body, type, Token);

    private static async Task<string> ErrorOf(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync(ApiJson.Default.ApiError, Token))!.Error;

    [Fact]
    public async Task AFreeze_RefusesDeployments_UnlessForcedWithAReason_WhichIsAudited()
    {
        await using var fixture = await DeploymentFixture.StartAsync(cancellationToken: Token);
        var manifest = TestApp.Manifest("blue-green", 1) + """

                freeze:
                  - { from: "2020-01-01 00:00", to: "2099-01-01 00:00", timezone: Europe/Berlin, reason: "year-end" }
            """;
        File.WriteAllText(Path.Combine(fixture.Project, "capstan.yaml"), manifest);

        using var refused = await PostAsync(fixture, "api/apps/shop/deployments", new DeployRequest { Environment = "staging", Manifest = manifest }, ApiJson.Default.DeployRequest);
        refused.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await ErrorOf(refused)).ShouldBe(
            "environment 'staging' is frozen: 2020-01-01 00:00 - 2099-01-01 00:00 Europe/Berlin (year-end; until Thu 2099-01-01 00:00 +01:00). " +
            "Deploy with --force --reason \"…\" to override (audited); rollbacks are always allowed");

        using var noReason = await PostAsync(fixture, "api/apps/shop/deployments", new DeployRequest { Environment = "staging", Manifest = manifest, Force = true }, ApiJson.Default.DeployRequest);
        noReason.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await ErrorOf(noReason)).ShouldContain("--force needs --reason");
        (await fixture.Server!.Store.Deployments.ListAsync("shop", null, 10, Token)).ShouldBeEmpty("refusals change nothing");
        (await fixture.Server.Store.Releases.ListAsync("shop", null, null, 10, Token)).ShouldBeEmpty("no release is made for a refused deploy");

        using var forced = await PostAsync(
            fixture, "api/apps/shop/deployments", new DeployRequest { Environment = "staging", Manifest = manifest, Force = true, Reason = "hotfix for the checkout", Actor = "ana" }, ApiJson.Default.DeployRequest);
        forced.StatusCode.ShouldBe(HttpStatusCode.Accepted, await forced.Content.ReadAsStringAsync(Token));
        var deployment = (await forced.Content.ReadFromJsonAsync(ApiJson.Default.IReadOnlyListDeploymentView, Token))!.ShouldHaveSingleItem();
        await fixture.ShouldSucceedAsync(deployment, Token);

        var audit = await fixture.Server.Store.Audit.ReadAllAsync(Token);
        var entry = audit.Where(e => e.Action == "deploy.force").ShouldHaveSingleItem();
        entry.Actor.ShouldBe("ana (token admin)");
        entry.Detail.ShouldNotBeNull().ShouldContain("hotfix for the checkout");
        entry.Detail.ShouldContain("year-end");
    }

    [Fact]
    public async Task OneDeploymentAtATime_TheSecondIsRefusedNamingTheFirst_AndARollbackStopsIt()
    {
        await using var fixture = await DeploymentFixture.StartAsync(cancellationToken: Token);
        await fixture.ShouldSucceedAsync((await fixture.DeployAsync(cancellationToken: Token)).ShouldHaveSingleItem(), Token);
        fixture.WriteManifest("blue-green", 1, env: "READY_DELAY_MS: \"60000\"");
        var slow = (await fixture.DeployAsync(cancellationToken: Token)).ShouldHaveSingleItem();

        var second = await Should.ThrowAsync<InvalidOperationException>(() => fixture.DeployAsync(cancellationToken: Token));
        second.Message.ShouldMatch($@"deployment {slow.Id} \(blue-green, step '(created|starting)'\) is under way in 'staging'; one deployment at a time per environment");

        // A rollback is never blocked: it stops the deployment under way, and v1, which served throughout, stays.
        await using var load = new LoadLoop(fixture, workers: 2, pause: TimeSpan.FromMilliseconds(5));
        var rolledBack = (await fixture.RollbackAsync(cancellationToken: Token)).ShouldHaveSingleItem();
        await load.StopAsync();
        rolledBack.Id.ShouldBe(slow.Id);
        rolledBack.Status.ShouldBe("rolled_back");
        rolledBack.Reason.ShouldNotBeNull().ShouldContain("rolled back by token admin during step 'starting'");
        load.Failures.ShouldBeEmpty();
        (await fixture.GetThroughEdgeAsync(new HttpClient(), "/", Token)).Body.ShouldBe("v1");
        await Poll.UntilAsync(() => fixture.Server!.Agent.Instances().All(i => i.Version == "v1"), "v2's instance is stopped", Token);
    }

    [Fact]
    public async Task WithQueue_ASecondDeploymentWaits_AndStartsWhenTheFirstEnds()
    {
        await using var fixture = await DeploymentFixture.StartAsync(cancellationToken: Token);
        await fixture.ShouldSucceedAsync((await fixture.DeployAsync(cancellationToken: Token)).ShouldHaveSingleItem(), Token);
        fixture.WriteManifest("blue-green", 1, env: "READY_DELAY_MS: \"2000\"");
        var first = (await fixture.DeployAsync(cancellationToken: Token)).ShouldHaveSingleItem();
        fixture.WriteManifest("blue-green", 1, env: "COLOR: green");
        var manifest = File.ReadAllText(Path.Combine(fixture.Project, "capstan.yaml"));

        using var response = await PostAsync(fixture, "api/apps/shop/deployments", new DeployRequest { Environment = "staging", Manifest = manifest, Queue = true }, ApiJson.Default.DeployRequest);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync(Token));
        var queued = (await response.Content.ReadFromJsonAsync(ApiJson.Default.IReadOnlyListDeploymentView, Token))!.ShouldHaveSingleItem();
        queued.Status.ShouldBe("pending");
        queued.Step.ShouldBe("queued");

        // A third, queued too, is taken out of the queue by an abort before it starts.
        using var third = await PostAsync(fixture, "api/apps/shop/deployments", new DeployRequest { Environment = "staging", Manifest = manifest, Queue = true }, ApiJson.Default.DeployRequest);
        var dropped = (await third.Content.ReadFromJsonAsync(ApiJson.Default.IReadOnlyListDeploymentView, Token))!.ShouldHaveSingleItem();
        using var abort = await PostAsync(fixture, $"api/apps/shop/deployments/{dropped.Id}/abort", new DeploymentActionRequest(), ApiJson.Default.DeploymentActionRequest);
        abort.StatusCode.ShouldBe(HttpStatusCode.Accepted, await abort.Content.ReadAsStringAsync(Token));

        (await fixture.ShouldSucceedAsync(first, Token)).ReleaseVersion.ShouldBe(2);
        var second = await fixture.ShouldSucceedAsync(queued, Token);
        second.ReleaseVersion.ShouldBe(3);
        (await fixture.GetAsync(dropped.Id, Token)).Status.ShouldBe("cancelled");
        (await fixture.GetThroughEdgeAsync(new HttpClient(), "/", Token)).Body.ShouldBe("v3");
    }

    [Fact]
    public async Task Requires_RefusesAnEnvironmentUntilTheRequiredOneHasTheRelease_AndPromoteDeploysWhatItRuns()
    {
        await using var fixture = await DeploymentFixture.StartAsync(cancellationToken: Token);
        var manifest = TwoEnvironments();
        File.WriteAllText(Path.Combine(fixture.Project, "capstan.yaml"), manifest);

        var refused = await Should.ThrowAsync<InvalidOperationException>(() => fixture.DeployAsync("production", cancellationToken: Token));
        refused.Message.ShouldContain("environment 'production' requires [staging] first: service 'web' (from the project folder) has no successful deployment in 'staging'");
        refused.Message.ShouldContain("'capstan promote production --from staging'");

        await fixture.ShouldSucceedAsync((await fixture.DeployAsync("staging", cancellationToken: Token)).ShouldHaveSingleItem(), Token);
        var production = (await fixture.DeployAsync("production", cancellationToken: Token)).ShouldHaveSingleItem();
        (await fixture.ShouldSucceedAsync(production, Token)).Environment.ShouldBe("production");

        // Promoting from an environment that does not run the service, or from itself, is refused with the reason.
        using var self = await PostAsync(fixture, "api/apps/shop/promotions", new PromoteRequest { Environment = "production", From = "production", Manifest = manifest }, ApiJson.Default.PromoteRequest);
        self.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await ErrorOf(self)).ShouldContain("from itself");
        using var unknown = await PostAsync(fixture, "api/apps/shop/promotions", new PromoteRequest { Environment = "production", From = "qa", Manifest = manifest }, ApiJson.Default.PromoteRequest);
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await ErrorOf(unknown)).ShouldContain("environment 'qa' is not declared");
    }
}
