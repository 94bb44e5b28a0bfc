using System.Net;
using System.Net.Http.Json;
using Capstan.Contracts;
using Capstan.Deployments.Control;
using Capstan.Testing;

namespace Capstan.Deployments.Tests;

/// <summary>
/// <c>guard: true</c> alerts: while one fires, deployments of its environment are refused and the ones under way
/// stop; rollback stays allowed. The alerts are set on the controller's guard board, as the alert evaluator does.
/// </summary>
public sealed class GuardTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static readonly FiringGuard HighErrors = new("HighErrorRate", "error_rate(web) is 12%, above 1%");

    private static async Task<HttpResponseMessage> DeployAsync(DeploymentFixture fixture, bool force = false, string? reason = null) =>
        await fixture.Api.PostAsJsonAsync(
            "api/apps/shop/deployments",
            new DeployRequest { Environment = "staging", Manifest = File.ReadAllText(Path.Combine(fixture.Project, "capstan.yaml")), Force = force, Reason = reason, Actor = "ana" },
            ApiJson.Default.DeployRequest,
            Token);

    [Fact]
    public async Task AFiringGuard_RefusesDeployments_AllowsRollback_AndAForcedDeployIsAudited()
    {
        await using var fixture = await DeploymentFixture.StartAsync(cancellationToken: Token);
        await fixture.ShouldSucceedAsync((await fixture.DeployAsync(cancellationToken: Token))[0], Token);
        fixture.WriteManifest(env: "ROUND: \"2\"");
        await fixture.ShouldSucceedAsync((await fixture.DeployAsync(cancellationToken: Token))[0], Token);
        var guards = fixture.Server!.Controller.Guards;
        guards.Set("shop", "staging", [HighErrors]);
        guards.Set("shop", "production", []);

        fixture.WriteManifest(env: "ROUND: \"3\"");
        using var refused = await DeployAsync(fixture);
        refused.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var error = (await refused.Content.ReadFromJsonAsync(ApiJson.Default.ApiError, Token))!.Error;
        error.ShouldBe(
            "environment 'staging' is guarded: alert HighErrorRate (error_rate(web) is 12%, above 1%) fires. Deployments wait until it resolves; " +
            "'capstan rollback staging' is allowed, or deploy with --force --reason \"…\" (audited)");
        (await fixture.Server.Store.Releases.ListAsync("shop", null, null, 10, Token)).Count.ShouldBe(2, "a refused deploy makes no release");

        var rollback = (await fixture.RollbackAsync(cancellationToken: Token)).ShouldHaveSingleItem();
        (await fixture.WaitAsync(rollback, Token)).Status.ShouldBe("succeeded", "rollback is never blocked by a guard");

        using var forced = await DeployAsync(fixture, force: true, reason: "the fix for the errors");
        forced.StatusCode.ShouldBe(HttpStatusCode.Accepted, await forced.Content.ReadAsStringAsync(Token));
        var deployment = (await forced.Content.ReadFromJsonAsync(ApiJson.Default.IReadOnlyListDeploymentView, Token))!.ShouldHaveSingleItem();
        await fixture.ShouldSucceedAsync(deployment, Token);
        var audit = (await fixture.Server.Store.Audit.ReadAllAsync(Token)).Where(e => e.Action == "deploy.force").ShouldHaveSingleItem();
        audit.Detail.ShouldBe("guard HighErrorRate firing: the fix for the errors");

        guards.Set("shop", "staging", []);
        fixture.WriteManifest(env: "ROUND: \"4\"");
        await fixture.ShouldSucceedAsync((await fixture.DeployAsync(cancellationToken: Token))[0], Token);
    }

    [Fact]
    public async Task AGuardThatStartsFiring_AbortsTheDeploymentUnderWay_AndThePreviousReleaseServesWithoutFailures()
    {
        await using var fixture = await DeploymentFixture.StartAsync(cancellationToken: Token);
        var first = await fixture.ShouldSucceedAsync((await fixture.DeployAsync(cancellationToken: Token))[0], Token);
        await using var load = new LoadLoop(fixture);
        fixture.WriteManifest(env: "READY_DELAY_MS: \"60000\"");
        var deployment = (await fixture.DeployAsync(cancellationToken: Token)).ShouldHaveSingleItem();
        await Poll.UntilAsync(
            async ct => (await fixture.StatusAsync(ct)).Services[0].Instances.Any(i => i.ReleaseId == deployment.ReleaseId),
            "the new release starts", TimeSpan.FromSeconds(30), Token);

        fixture.Server!.Controller.Guards.Set("shop", "staging", [HighErrors]);
        var ended = await fixture.WaitAsync(deployment, Token);
        await load.StopAsync();

        ended.Status.ShouldBe("failed");
        ended.Reason.ShouldNotBeNull().ShouldStartWith("aborted during step 'starting': guard alert HighErrorRate (error_rate(web) is 12%, above 1%) fired; the previous release serves");
        load.Failures.ShouldBeEmpty($"{load.Failures.Count} of {load.Requests} failed");
        var service = (await fixture.StatusAsync(Token)).Services.ShouldHaveSingleItem();
        service.ReleaseId.ShouldBe(first.ReleaseId);
        await Poll.UntilAsync(
            async ct => (await fixture.StatusAsync(ct)).Services[0].Instances.All(i => i.ReleaseId == first.ReleaseId),
            "the aborted release's instances stop", TimeSpan.FromSeconds(30), Token);
    }
}
