using Capstan.Pipelines.Running;
using Capstan.Secrets.Keys;
using Capstan.Secrets.Resolution;
using Capstan.Secrets.Vault;
using Capstan.State;

namespace Capstan.Pipelines.Tests.Running;

/// <summary>Skipping unchanged jobs, artifacts built once, caches and test reports, through real runs.</summary>
public sealed class ReuseTests
{
    private const string BuildJob = """
        build:
          inputs: ["src/**"]
          env: { FLAVOUR: plain }
          run: 'mkdir -p out; cat src/*.txt > out/app.txt; echo "$FLAVOUR" > out/flavour; echo ran >> runs.log'
          artifact: out
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UnchangedJob_IsSkipped_AndItsArtifactRestored()
    {
        await using var project = new PipelineProject(BuildJob);
        project.Write("src/a.txt", "hello\n");

        var first = await project.RunAsync();
        Directory.Delete(project.Combine("out"), recursive: true);
        var second = await project.RunAsync();

        first.Job("build").Outcome.ShouldBe(JobOutcome.Passed);
        second.Job("build").Outcome.ShouldBe(JobOutcome.Cached);
        second.Job("build").ReusedRunId.ShouldBe(first.Finished.RunId);
        second.Job("build").ArtifactDigest.ShouldBe(first.Job("build").ArtifactDigest);
        File.ReadAllLines(project.Combine("runs.log")).Length.ShouldBe(1, "the second run did not run the script");
        File.ReadAllText(project.Combine("out", "app.txt")).ShouldBe("hello\n", "the artifact was put back");
        second.Finished.Status.ShouldBe(RunStatus.Succeeded);
    }

    [Fact]
    public async Task ChangedInputFile_RunsTheJobAgain()
    {
        await using var project = new PipelineProject(BuildJob);
        project.Write("src/a.txt", "hello\n");
        await project.RunAsync();

        project.Write("src/a.txt", "changed\n");
        var second = await project.RunAsync();

        second.Job("build").Outcome.ShouldBe(JobOutcome.Passed);
    }

    [Fact]
    public async Task ChangedEnvironmentValue_RunsTheJobAgain()
    {
        await using var project = new PipelineProject(BuildJob);
        project.Write("src/a.txt", "hello\n");
        await project.RunAsync();

        project.WriteManifest(BuildJob.Replace("FLAVOUR: plain", "FLAVOUR: spicy", StringComparison.Ordinal));
        var second = await project.RunAsync();

        second.Job("build").Outcome.ShouldBe(JobOutcome.Passed);
        File.ReadAllText(project.Combine("out", "flavour")).ShouldBe("spicy\n");
    }

    [Fact]
    public async Task NewSecretVersion_RunsTheJobAgain_AndTheSecretIsMaskedInTheLog()
    {
        const string job = """
            publish:
              inputs: ["src/**"]
              secrets: [TOKEN]
              run: 'echo "token is $TOKEN"'
            """;
        await using var project = new PipelineProject(job, extra: "secrets:\n  TOKEN: {}\n");
        project.Write("src/a.txt", "hello\n");
        var store = await project.StoreAsync();
        using var keys = new KeyRing(MasterKey.Generate(), "test");
        var vault = new SecretVault(store, keys, "shop", "test");
        await vault.SetAsync("staging", "TOKEN", "tok-0123456789-first", Ct);
        var resolver = new VaultSecretResolver(vault);

        var first = await project.RunAsync(r => r with { Environment = "staging" }, resolver);
        var unchanged = await project.RunAsync(r => r with { Environment = "staging" }, resolver);
        await vault.SetAsync("staging", "TOKEN", "tok-0123456789-second", Ct);
        var rotated = await project.RunAsync(r => r with { Environment = "staging" }, resolver);

        first.Job("publish").Outcome.ShouldBe(JobOutcome.Passed);
        unchanged.Job("publish").Outcome.ShouldBe(JobOutcome.Cached);
        rotated.Job("publish").Outcome.ShouldBe(JobOutcome.Passed);
        var log = rotated.Log("publish");
        log.ShouldContain("token is ***");
        log.ShouldNotContain("tok-0123456789");
    }

    [Fact]
    public async Task SecretWithoutEnvironment_IsRefusedBeforeAnythingRuns_NamingTheJobAndTheOption()
    {
        await using var project = new PipelineProject("deploy: { secrets: [TOKEN], run: touch ran }", extra: "secrets:\n  TOKEN: {}\n");

        var error = await Should.ThrowAsync<PipelineException>(() => project.RunAsync());

        error.Message.ShouldBe("job 'deploy' uses secret 'TOKEN'; choose the environment whose secrets the jobs get with --env ENV");
        File.Exists(project.Combine("ran")).ShouldBeFalse();
    }

    [Fact]
    public async Task MissingSecret_IsRefusedBeforeAnythingRuns_NamingItsEnvironmentAndTheCommand()
    {
        await using var project = new PipelineProject("deploy: { secrets: [TOKEN], run: touch ran }", extra: "secrets:\n  TOKEN: {}\n");
        var store = await project.StoreAsync();
        using var keys = new KeyRing(MasterKey.Generate(), "test");
        var resolver = new VaultSecretResolver(new SecretVault(store, keys, "shop", "test"));

        var error = await Should.ThrowAsync<PipelineException>(() => project.RunAsync(r => r with { Environment = "production" }, resolver));

        error.Message.ShouldStartWith("job 'deploy': ");
        error.Message.ShouldContain("TOKEN");
        error.Message.ShouldContain("production");
        error.Message.ShouldContain("capstan secret set TOKEN --env production");
        File.Exists(project.Combine("ran")).ShouldBeFalse();
    }

    [Fact]
    public async Task Force_RunsUnchangedJobs_AndTheSameInputsGiveTheSameArtifactDigest()
    {
        await using var project = new PipelineProject(BuildJob);
        project.Write("src/a.txt", "hello\n");
        project.Write("src/b.txt", "world\n");

        var first = await project.RunAsync();
        File.SetLastWriteTimeUtc(project.Combine("src", "a.txt"), DateTime.UtcNow.AddDays(-3));
        var second = await project.RunAsync(r => r with { ReuseUnchangedJobs = false });

        second.Job("build").Outcome.ShouldBe(JobOutcome.Passed);
        second.Job("build").ArtifactDigest.ShouldNotBeNull().ShouldBe(first.Job("build").ArtifactDigest);
        var artifact = await (await project.StoreAsync()).Artifacts.GetAsync(first.Job("build").ArtifactDigest!, Ct);
        artifact.ShouldNotBeNull().Job.ShouldBe("build");
        File.Exists(Path.Combine(project.Path, artifact.Location)).ShouldBeTrue();
    }

    [Fact]
    public async Task ArtifactNotProduced_FailsTheJob()
    {
        await using var project = new PipelineProject("build: { run: 'true', artifact: out }");

        var outcome = await project.RunAsync();

        outcome.Job("build").Outcome.ShouldBe(JobOutcome.Failed);
        outcome.Job("build").Reason.ShouldBe("its artifact 'out' was not produced (no such folder after the job)");
    }

    [Fact]
    public async Task Cache_IsSavedAfterAMiss_AndRestoredOnTheNextRun()
    {
        await using var project = new PipelineProject("""
            deps:
              cache: { key: [deps.lock], paths: [vendor] }
              run: 'if [ -f vendor/lib.txt ]; then echo "restored"; else mkdir -p vendor; echo lib > vendor/lib.txt; echo "downloaded"; fi'
            """);
        project.Write("deps.lock", "lib 1.0\n");

        var first = await project.RunAsync();
        Directory.Delete(project.Combine("vendor"), recursive: true);
        var second = await project.RunAsync();
        project.Write("deps.lock", "lib 2.0\n");
        Directory.Delete(project.Combine("vendor"), recursive: true);
        var third = await project.RunAsync();

        first.Log("deps").ShouldContain("downloaded");
        first.Job("deps").Cache.ShouldNotBeNull().ShouldStartWith("saved");
        second.Log("deps").ShouldContain("restored\n");
        second.Job("deps").Cache.ShouldNotBeNull().ShouldStartWith("restored");
        third.Log("deps").ShouldContain("downloaded", customMessage: "a changed key file starts from an empty cache");
    }

    [Fact]
    public async Task Reports_AreReadAfterTheJob_EvenWhenItFails_AndOldReportsAreNotCounted()
    {
        await using var project = new PipelineProject("""
            test:
              reports: ["results/*.xml"]
              run: |
                mkdir -p results
                cat > results/junit-$CAPSTAN_RUN_ID.xml <<'XML'
                <testsuite name="cart"><testcase classname="Cart" name="adds"/><testcase classname="Cart" name="removes"><failure message="expected 1"/></testcase><testcase classname="Cart" name="later"><skipped/></testcase></testsuite>
                XML
                exit 1
            """);

        var first = await project.RunAsync();
        foreach (var old in Directory.GetFiles(project.Combine("results")))
        {
            File.SetLastWriteTimeUtc(old, DateTime.UtcNow.AddMinutes(-1)); // as a report of an earlier day would be
        }

        var second = await project.RunAsync();

        var tests = second.Job("test").Tests.ShouldNotBeNull();
        (tests.Passed, tests.Failed, tests.Skipped).ShouldBe((1, 1, 1), "the first run's report is older than the second job");
        tests.FailedTests.ShouldHaveSingleItem().ShouldContain("removes");
        first.Job("test").Outcome.ShouldBe(JobOutcome.Failed);
        var stored = await (await project.StoreAsync()).Runs.GetAsync(second.Finished.RunId, Ct);
        stored.ShouldNotBeNull().Jobs.Single().Tests.ShouldBe(tests);
    }

    [Fact]
    public async Task ReportGlobMatchingNothing_IsAWarning_NotAFailure()
    {
        await using var project = new PipelineProject("""test: { run: "true", reports: ["TestResults/*.trx"] }""");

        var outcome = await project.RunAsync();

        outcome.Job("test").Outcome.ShouldBe(JobOutcome.Passed);
        outcome.Job("test").Warnings.ShouldHaveSingleItem().ShouldContain("TestResults/*.trx");
    }
}
