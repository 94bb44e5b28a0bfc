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
                var (code, output, _) = await Cli.RunAsync(["logs", "web", "--env", "staging", "--project", fixture.Project], ct);
                text = output;
                return code == 0 && ids.All(id => output.Contains(id, StringComparison.Ordinal));
            },
            "both instances' start lines are in the logs", TimeSpan.FromSeconds(30), Token);

        text.ShouldContain("testapp v1 listening on 127.0.0.1:");
        var (unknownCode, _, unknownError) = await Cli.RunAsync(["logs", "api", "--env", "staging", "--project", fixture.Project], Token);
        unknownCode.ShouldBe(3);
        unknownError.ShouldContain("no service 'api'");
    }

    [Fact]
    public async Task ASecretInTheRunCommand_ReachesTheService_ButNeitherItsRecordNorItsLog()
    {
        await using var fixture = await DeploymentFixture.StartAsync("blue-green", 1, Token);
        const string value = "s3cr3t-run-value-81f2";
        File.WriteAllText(Path.Combine(fixture.Project, "capstan.yaml"),
            TestApp.Manifest("blue-green", 1, "PRINT_ENV: API_TOKEN").Replace("run: dotnet", "run: API_TOKEN=${secret:API_TOKEN} dotnet", StringComparison.Ordinal)
            + "\nsecrets:\n  API_TOKEN: {}\n");
        var (setCode, _, setError) = await Cli.RunAsync(["secret", "set", "API_TOKEN", "--env", "staging", "--value", value, "--project", fixture.Project], Token);
        setCode.ShouldBe(0, setError);

        await fixture.ShouldSucceedAsync((await fixture.DeployAsync(cancellationToken: Token))[0], Token);

        var instance = fixture.Server!.Agent.Instances().ShouldHaveSingleItem();
        var folder = Path.Combine(fixture.Project, ".capstan", "instances", instance.Id);
        string log = "";
        await Poll.UntilAsync(
            async ct => (log = (await Cli.RunAsync(["logs", "web", "--env", "staging", "--project", fixture.Project], ct)).Output).Contains("API_TOKEN=", StringComparison.Ordinal),
            "the app printed its token", TimeSpan.FromSeconds(30), Token);
        log.ShouldContain("API_TOKEN=***", customMessage: "the service got the value, and the log masks it");
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            File.ReadAllText(file).ShouldNotContain(value, customMessage: file);
        }

        foreach (var file in Directory.EnumerateFiles(Path.Combine(fixture.Project, ".capstan", "releases"), "*.json", SearchOption.AllDirectories))
        {
            File.ReadAllText(file).ShouldNotContain(value, customMessage: file);
        }
    }
}
