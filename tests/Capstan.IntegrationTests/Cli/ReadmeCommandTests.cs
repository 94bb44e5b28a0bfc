using Capstan.Testing;

namespace Capstan.IntegrationTests.Cli;

/// <summary>The README's main command, as a newcomer types it: the root ./capstan script.</summary>
public class ReadmeCommandTests
{
    [Fact]
    public async Task TheReadmeMainCommand_ValidatesTheExample_AndASecondCallStartsWithoutBuilding()
    {
        var script = RepositoryRoot.Combine("capstan");
        // The first call may build the CLI (a clean clone, or changed sources): allow for a ReadyToRun publish of every
        // project, on 2 cores shared with the other test assemblies.
        var first = await ProcessRunner.RunAsync(script, ["validate", "examples/hello"], TimeSpan.FromMinutes(10), RepositoryRoot.Path, TestContext.Current.CancellationToken);
        first.ExitCode.ShouldBe(0, first.StandardError);
        first.StandardOutput.ShouldContain("examples/hello/capstan.yaml is valid");

        var second = await ProcessRunner.RunAsync(script, ["validate", "examples/hello"], TimeSpan.FromMinutes(1), RepositoryRoot.Path, TestContext.Current.CancellationToken);
        second.ExitCode.ShouldBe(0, second.StandardError);
        second.StandardError.ShouldNotContain("building the CLI");
    }
}
