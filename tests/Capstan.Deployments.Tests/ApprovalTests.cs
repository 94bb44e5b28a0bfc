using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Capstan.Contracts;
using Capstan.Testing;

namespace Capstan.Deployments.Tests;

/// <summary><c>approval:</c> environments: deployments wait for distinct people other than the deployer.</summary>
public sealed class ApprovalTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static async Task<DeploymentFixture> StartAsync(string approval)
    {
        var fixture = await DeploymentFixture.StartAsync(cancellationToken: Token);
        File.WriteAllText(Path.Combine(fixture.Project, "capstan.yaml"), TestApp.Manifest("blue-green", 1) + $"\n    approval: {approval}\n");
        return fixture;
    }

    /// <summary>A client with a token of its own, made through the API.</summary>
    private static async Task<HttpClient> PersonAsync(DeploymentFixture fixture, string name)
    {
        using var response = await fixture.Api.PostAsJsonAsync("api/tokens", new TokenRequest { Name = name }, ApiJson.Default.TokenRequest, Token);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Token));
        var created = (await response.Content.ReadFromJsonAsync(ApiJson.Default.TokenCreated, Token))!;
        var client = new HttpClient { BaseAddress = fixture.Api.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", created.Token);
        return client;
    }

    private static Task<HttpResponseMessage> VoteAsync(HttpClient client, string id, string verb, string? reason = null) =>
        client.PostAsJsonAsync($"api/apps/shop/deployments/{id}/{verb}", new DeploymentActionRequest { Reason = reason }, ApiJson.Default.DeploymentActionRequest, Token);

    private static async Task<string> ErrorOf(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync(ApiJson.Default.ApiError, Token))!.Error;

    [Fact]
    public async Task ADeployment_WaitsForTwoDistinctReviewers_TheDeployerCannotApprove_AndThenItRuns()
    {
        await using var fixture = await StartAsync("{ reviewers: 2, timeout: 1h }");
        using var bob = await PersonAsync(fixture, "bob");
        using var eve = await PersonAsync(fixture, "eve");
        var deployment = (await fixture.DeployAsync(cancellationToken: Token)).ShouldHaveSingleItem();
        deployment.Status.ShouldBe("paused");
        deployment.Step.ShouldBe("awaiting-approval");
        deployment.Approval.ShouldNotBeNull().ShouldStartWith("0 of 2 approval(s); expires");

        using var self = await VoteAsync(fixture.Api, deployment.Id, "approve");
        self.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await ErrorOf(self)).ShouldContain("token admin started deployment");

        using var first = await VoteAsync(bob, deployment.Id, "approve");
        first.StatusCode.ShouldBe(HttpStatusCode.OK, await first.Content.ReadAsStringAsync(Token));
        using var twice = await VoteAsync(bob, deployment.Id, "approve");
        twice.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await ErrorOf(twice)).ShouldContain("token bob already approved");
        // Still waiting with one of two: nothing has started.
        await Task.Delay(1500, Token);
        (await fixture.GetAsync(deployment.Id, Token)).Step.ShouldBe("awaiting-approval");
        fixture.Server!.Agent.Instances().ShouldBeEmpty();

        using var second = await VoteAsync(eve, deployment.Id, "approve");
        second.StatusCode.ShouldBe(HttpStatusCode.OK);
        await fixture.ShouldSucceedAsync(deployment, Token);
        (await fixture.GetThroughEdgeAsync(new HttpClient(), "/", Token)).Body.ShouldBe("v1");
        var audit = await fixture.Server.Store.Audit.ReadAllAsync(Token);
        audit.Where(e => e.Action == "deploy.approve").Select(e => e.Actor).ShouldBe(["token bob", "token eve"]);
    }

    [Fact]
    public async Task ARejection_CancelsTheDeployment_WithItsReason()
    {
        await using var fixture = await StartAsync("{ reviewers: 1 }");
        using var bob = await PersonAsync(fixture, "bob");
        var deployment = (await fixture.DeployAsync(cancellationToken: Token)).ShouldHaveSingleItem();

        using var noReason = await VoteAsync(bob, deployment.Id, "reject");
        noReason.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        using var rejected = await VoteAsync(bob, deployment.Id, "reject", "not during the sale");
        rejected.StatusCode.ShouldBe(HttpStatusCode.OK);
        var ended = await fixture.WaitAsync(deployment, Token);

        ended.Status.ShouldBe("cancelled");
        ended.Reason.ShouldBe("rejected by token bob: not during the sale");
        fixture.Server!.Agent.Instances().ShouldBeEmpty();
        using var late = await VoteAsync(bob, deployment.Id, "approve");
        late.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await ErrorOf(late)).ShouldContain("is not awaiting approval (cancelled)");
    }

    [Fact]
    public async Task AnApprovalNotGivenInTime_Expires()
    {
        await using var fixture = await StartAsync("{ reviewers: 1, timeout: 2s }");
        var ended = await fixture.WaitAsync((await fixture.DeployAsync(cancellationToken: Token)).ShouldHaveSingleItem(), Token);

        ended.Status.ShouldBe("cancelled");
        ended.Reason.ShouldNotBeNull().ShouldStartWith("approval expired: 0 of 1 approval(s) by ");
        fixture.Server!.Agent.Instances().ShouldBeEmpty();
    }
}
