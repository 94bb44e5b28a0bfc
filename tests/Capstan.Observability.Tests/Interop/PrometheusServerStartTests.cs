using Capstan.Testing;

namespace Capstan.Observability.Tests.Interop;

public sealed class PrometheusServerStartTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnInvalidRuleFile_StopsPrometheusAtStart_WithItsLogInTheMessage()
    {
        var start = PrometheusServer.StartAsync(new PrometheusOptions
        {
            RuleFiles = new Dictionary<string, string>
            {
                ["broken.yml"] = "groups:\n  - name: g\n    rules:\n      - alert: Broken\n        expr: sum(\n",
            },
        }, Ct);

        var failure = await Should.ThrowAsync<InvalidOperationException>(start.DefaultTimeout());

        failure.Message.ShouldStartWith("Prometheus exited with 1 before it was ready.");
        failure.Message.ShouldContain("--config.file=");
        failure.Message.ShouldContain("broken.yml");
        failure.Message.ShouldContain("rules/broken.yml: 5:15: group \\\"g\\\", rule 1, \\\"Broken\\\": could not parse expression");
    }
}
