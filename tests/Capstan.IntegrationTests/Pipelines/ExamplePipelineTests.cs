using System.Text.Json;
using Capstan.Testing;

namespace Capstan.IntegrationTests.Pipelines;

/// <summary>
/// The example's own pipeline (lint, secret scan, tests with a TRX report, publish with an artifact), run by the CLI
/// as a real process on a copy of examples/hello, twice: the second run reuses every unchanged job.
/// </summary>
public class ExamplePipelineTests
{
    private static readonly string CapstanDll = Path.Combine(AppContext.BaseDirectory, "capstan.dll");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TheExamplePipeline_RunsGreen_ThenAnUnchangedRerunReusesItsJobsAndArtifact()
    {
        using var folder = new TempDirectory("capstan-example-");
        Copy(RepositoryRoot.Combine("examples", "hello"), folder.Path);
        File.Copy(RepositoryRoot.Combine("nuget.config"), Path.Combine(folder.Path, "nuget.config"));

        var first = await Capstan(folder.Path, TimeSpan.FromMinutes(8), "pipeline", "run");

        first.ExitCode.ShouldBe(0, first.StandardOutput + first.StandardError);
        first.StandardOutput.ShouldContain("✓ lint passed");
        first.StandardOutput.ShouldContain("✓ scan passed");
        first.StandardOutput.ShouldContain("✓ test passed");
        first.StandardOutput.ShouldContain("tests: 14 passed, 0 failed, 0 skipped");
        first.StandardOutput.ShouldContain("✓ build passed");
        File.Exists(Path.Combine(folder.Path, "out", "Hello.dll")).ShouldBeTrue();

        Directory.Delete(Path.Combine(folder.Path, "out"), recursive: true);
        var second = await Capstan(folder.Path, TimeSpan.FromMinutes(2), "pipeline", "run");

        second.ExitCode.ShouldBe(0, second.StandardOutput + second.StandardError);
        second.StandardOutput.ShouldContain("↺ lint cached");
        second.StandardOutput.ShouldContain("↺ test cached");
        second.StandardOutput.ShouldContain("↺ build cached");
        second.StandardOutput.ShouldContain("✓ scan passed", customMessage: "a job without inputs always runs");
        File.Exists(Path.Combine(folder.Path, "out", "Hello.dll")).ShouldBeTrue("the artifact was restored");

        var artifacts = await Capstan(folder.Path, TimeSpan.FromMinutes(1), "artifact", "list", "--json");
        var artifact = JsonDocument.Parse(artifacts.StandardOutput).RootElement.EnumerateArray().ShouldHaveSingleItem();
        artifact.GetProperty("job").GetString().ShouldBe("build");
    }

    private static Task<ProcessResult> Capstan(string project, TimeSpan timeout, params string[] args) =>
        ProcessRunner.RunAsync("dotnet", [CapstanDll, .. args, "--project", project], timeout, Ct);

    /// <summary>The example's sources, without what builds and runs leave in it.</summary>
    internal static void Copy(string from, string to)
    {
        string[] skipped = ["bin", "obj", "out", "TestResults", ".capstan", "data"];
        foreach (var directory in Directory.EnumerateDirectories(from))
        {
            var name = Path.GetFileName(directory);
            if (!skipped.Contains(name))
            {
                var target = Path.Combine(to, name);
                Directory.CreateDirectory(target);
                Copy(directory, target);
            }
        }

        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }
}
