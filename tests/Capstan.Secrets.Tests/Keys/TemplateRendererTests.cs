using Capstan.Manifest.Values;
using Capstan.Secrets.Resolution;
using Capstan.Secrets.Vault;

namespace Capstan.Secrets.Tests.Keys;

public class TemplateRendererTests
{
    private sealed class FakeResolver(Dictionary<(string, string), string> values) : ISecretResolver
    {
        public List<string> Asked { get; } = [];

        public Task<RevealedSecret> ResolveAsync(string environment, string name, CancellationToken cancellationToken)
        {
            Asked.Add(name);
            return values.TryGetValue((environment, name), out var value)
                ? Task.FromResult(new RevealedSecret(environment, name, 1, value))
                : throw new SecretsException($"secret {name} has no value in environment {environment}; set it with: capstan secret set {name} --env {environment}");
        }
    }

    [Fact]
    public async Task Render_ResolvesSecretsPerEnvironment_AndVariables()
    {
        var resolver = new FakeResolver(new() { [("production", "DB_PASSWORD")] = "pw$1", [("staging", "DB_PASSWORD")] = "other" });
        var template = Template.Literal("postgres://app:${secret:DB_PASSWORD}@db:${PORT}/shop?x=$${literal}");

        var rendered = await TemplateRenderer.RenderAsync(template, "production", resolver, name => name == "PORT" ? "5432" : null, "services.api.env.DATABASE_URL", TestContext.Current.CancellationToken);

        rendered.ShouldBe("postgres://app:pw$1@db:5432/shop?x=${literal}");
    }

    [Fact]
    public async Task Render_OfAMissingSecretOrVariable_SaysWhichAndWhere()
    {
        var resolver = new FakeResolver([]);

        var secret = await Should.ThrowAsync<SecretsException>(() => TemplateRenderer.RenderAsync(
            Template.Literal("${secret:TOKEN}"), "staging", resolver, _ => null, "x", TestContext.Current.CancellationToken));
        var variable = await Should.ThrowAsync<SecretsException>(() => TemplateRenderer.RenderAsync(
            Template.Literal("${REGION}"), "staging", resolver, _ => null, "services.api.env.REGION", TestContext.Current.CancellationToken));

        secret.Message.ShouldBe("secret TOKEN has no value in environment staging; set it with: capstan secret set TOKEN --env staging");
        variable.Message.ShouldBe("${REGION} in services.api.env.REGION is not set");
    }
}
