using Capstan.Cli;
using Capstan.Testing;

namespace Capstan.Deployments.Tests;

public sealed class LogsTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Logs_OfAServiceInAnEnvironment_MergeTheOutputOfItsInstances()
    {
        await using var fixture = await DeploymentFixture.StartAsync("blue-green", 2, Token);
        await fixture.ShouldSucceedAsync((await fixture.DeployAsync(cancellationToken: Token))[0], Token);
        var ids = fixture.Server!.Agent.Instances().Select(i => i.Id).ToList();

        string text = "";
        await Poll.UntilAsync(
            async ct =>
            {
                var (code, output, _) = await RunAsync(["logs", "web", "--env", "staging", "--project", fixture.Project], ct);
                text = output;
                return code == 0 && ids.All(id => output.Contains(id, StringComparison.Ordinal));
            },
            "both instances' start lines are in the logs", TimeSpan.FromSeconds(30), Token);

        text.ShouldContain("testapp v1 listening on 127.0.0.1:");
        var (unknownCode, _, unknownError) = await RunAsync(["logs", "api", "--env", "staging", "--project", fixture.Project], Token);
        unknownCode.ShouldBe(3);
        unknownError.ShouldContain("no service 'api'");
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CapstanCli.RunAsync(args, new Capstan.Cli.Output.CliConsole(output, error, colors: false, Directory.GetCurrentDirectory()), handleSignals: false, cancellationToken);
        return (code, output.ToString(), error.ToString());
    }
}
