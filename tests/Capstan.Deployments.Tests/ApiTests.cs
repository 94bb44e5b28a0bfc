using System.Net;
using System.Net.Http.Json;
using Capstan.Contracts;

namespace Capstan.Deployments.Tests;

public sealed class ApiTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheApi_RefusesRequestsWithoutAValidToken_AndSaysHowToGetOne()
    {
        await using var fixture = await DeploymentFixture.StartAsync(cancellationToken: Token);
        using var anonymous = new HttpClient { BaseAddress = fixture.Api.BaseAddress };

        using var none = await anonymous.GetAsync("api/apps/shop/status", Token);
        none.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await none.Content.ReadAsStringAsync(Token)).ShouldContain("needs a token");

        anonymous.DefaultRequestHeaders.Authorization = new("Bearer", "cap_not-a-real-token");
        using var wrong = await anonymous.GetAsync("api/apps/shop/status", Token);
        wrong.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await wrong.Content.ReadAsStringAsync(Token)).ShouldNotContain("cap_not-a-real-token");

        (await anonymous.GetAsync("api/health", Token)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task AMadeToken_Works_IsStoredOnlyAsAHash_AndCanBeRevoked()
    {
        await using var fixture = await DeploymentFixture.StartAsync(cancellationToken: Token);
        using var response = await fixture.Api.PostAsJsonAsync("api/tokens", new TokenRequest { Name = "ci" }, ApiJson.Default.TokenRequest, Token);
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var created = (await response.Content.ReadFromJsonAsync(ApiJson.Default.TokenCreated, Token))!;

        using var ci = new HttpClient { BaseAddress = fixture.Api.BaseAddress };
        ci.DefaultRequestHeaders.Authorization = new("Bearer", created.Token);
        (await ci.GetAsync("api/apps/shop/status", Token)).StatusCode.ShouldBe(HttpStatusCode.OK);
        File.ReadAllBytes(Path.Combine(fixture.Project, ".capstan", "state.db")).AsSpan()
            .IndexOf(System.Text.Encoding.UTF8.GetBytes(created.Token)).ShouldBe(-1);

        (await fixture.Api.DeleteAsync("api/tokens/ci", Token)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await ci.GetAsync("api/apps/shop/status", Token)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task BadDeployRequests_GetClearErrors_AndChangeNothing()
    {
        await using var fixture = await DeploymentFixture.StartAsync(cancellationToken: Token);

        (await Should.ThrowAsync<InvalidOperationException>(() => fixture.DeployAsync("production", cancellationToken: Token)))
            .Message.ShouldContain("environment 'production' is not declared");
        File.WriteAllText(Path.Combine(fixture.Project, "capstan.yaml"), $$"""
            version: 1
            app: shop
            services:
              web:
                artifact: build
                run: {{Capstan.Testing.TestApp.Command}}
            pipeline:
              jobs:
                build: { run: mkdir -p out, artifact: out }
            environments:
              staging: {}
            """);
        (await Should.ThrowAsync<InvalidOperationException>(() => fixture.DeployAsync(cancellationToken: Token)))
            .Message.ShouldContain("has never been built: run 'capstan pipeline run' first");
        (await Should.ThrowAsync<InvalidOperationException>(() => fixture.DeployAsync(artifact: "sha256:0123", cancellationToken: Token)))
            .Message.ShouldContain("no artifact sha256:0123 is known");

        (await fixture.Server!.Store.Deployments.ListAsync("shop", null, 10, Token)).ShouldBeEmpty();
        fixture.Server.Agent.Instances().ShouldBeEmpty();
    }

    [Fact]
    public async Task ABodyThatIsNotTheExpectedJson_IsRefused_NamingWhatIsWrong()
    {
        await using var fixture = await DeploymentFixture.StartAsync(cancellationToken: Token);

        using var missing = await fixture.Api.PostAsync("api/apps/shop/deployments", new StringContent("""{"environment":"staging"}""", System.Text.Encoding.UTF8, "application/json"), Token);
        missing.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await missing.Content.ReadFromJsonAsync(ApiJson.Default.ApiError, Token))!.Error.ShouldContain("missing required properties including: 'manifest'");

        using var garbled = await fixture.Api.PostAsync("api/apps/shop/deployments", new StringContent("not json", System.Text.Encoding.UTF8, "application/json"), Token);
        garbled.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await garbled.Content.ReadFromJsonAsync(ApiJson.Default.ApiError, Token))!.Error.ShouldContain("BytePositionInLine: 1");

        (await fixture.Server!.Store.Deployments.ListAsync("shop", null, 10, Token)).ShouldBeEmpty();
    }

    [Fact]
    public async Task TheOpenApiDocument_DescribesTheDeploymentEndpoints()
    {
        await using var fixture = await DeploymentFixture.StartAsync(cancellationToken: Token);
        var document = await fixture.Api.GetStringAsync("openapi/v1.json", Token);
        document.ShouldContain("/api/apps/{app}/deployments");
        document.ShouldContain("/api/apps/{app}/rollbacks");
    }
}
