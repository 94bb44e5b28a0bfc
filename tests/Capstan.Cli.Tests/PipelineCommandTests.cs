using System.Text.Json;

namespace Capstan.Cli.Tests;

/// <summary><c>capstan pipeline run|runs|logs</c> and <c>capstan artifact list|show</c>, in-process, with real jobs.</summary>
public sealed class PipelineCommandTests : IDisposable
{
    private const string Manifest = """
        version: 1
        app: shop
        pipeline:
          jobs:
            lint: { run: echo linting }
            build:
              needs: [lint]
              run: 'mkdir -p out; echo app > out/app.txt; echo "token=$DEPLOY_TOKEN"'
              secrets: [DEPLOY_TOKEN]
              artifact: out
        environments:
          staging: {}
        secrets:
          DEPLOY_TOKEN: {}
        """;

    private readonly SecretProject _project = new(Manifest);

    [Fact]
    public async Task Run_PrintsTimestampedLines_AndSucceeds_WithTheSecretMaskedEverywhere()
    {
        await _project.Set("DEPLOY_TOKEN", "staging", "dt-0123456789abcdef");

        var run = await _project.Run("pipeline", "run", "--env", "staging");

        run.ExitCode.ShouldBe(ExitCodes.Success, run.Error + run.Output);
        run.Output.ShouldContain("▶ lint started");
        run.Output.ShouldContain("✓ lint passed in ");
        run.Output.ShouldContain("✓ build passed in ");
        run.Output.ShouldMatch(@"run run_\S+ succeeded in [0-9.]+s: 2 passed");
        var logs = await _project.Run("pipeline", "logs", "--job", "build");
        logs.ExitCode.ShouldBe(ExitCodes.Success, logs.Error);
        logs.Output.ShouldContain("token=***");
        foreach (var text in new[] { run.Output, run.Error, logs.Output, File.ReadAllText(Directory.GetFiles(_project.CapstanDirectory, "build.log", SearchOption.AllDirectories).Single()) })
        {
            text.ShouldNotContain("dt-0123456789abcdef");
        }
    }

    [Fact]
    public async Task Run_WithoutEnv_WhenAJobUsesSecrets_IsRefusedWithExit3()
    {
        var run = await _project.Run("pipeline", "run");

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.Error.ShouldContain("job 'build' uses secret 'DEPLOY_TOKEN'; choose the environment whose secrets the jobs get with --env ENV");
    }

    [Fact]
    public async Task Run_OnlyTheAskedJob_WithJson_StreamsOneEventPerLine()
    {
        var run = await _project.Run("pipeline", "run", "--job", "lint", "--json");

        run.ExitCode.ShouldBe(ExitCodes.Success, run.Error);
        var events = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        events.Select(e => e.GetProperty("event").GetString()).ShouldBe(["run.started", "job.started", "job.finished", "run.finished"]);
        events[0].GetProperty("jobs").EnumerateArray().Select(j => j.GetProperty("name").GetString()).ShouldBe(["lint"]);
        events[2].GetProperty("outcome").GetString().ShouldBe("passed");
        events[3].GetProperty("status").GetString().ShouldBe("succeeded");
    }

    [Fact]
    public async Task Run_UnknownJob_IsRefusedWithExit3_AndASuggestion()
    {
        var run = await _project.Run("pipeline", "run", "--job", "lnt");

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.Error.ShouldContain("unknown job 'lnt' (did you mean 'lint'?); the pipeline's jobs are: build, lint");
    }

    [Fact]
    public async Task Run_AFailingJob_ExitsOne_AndShowsTheEndOfItsLog()
    {
        _project.Write("capstan.yaml", "version: 1\napp: shop\npipeline:\n  jobs:\n    test: { run: 'echo assertion failed: 1 != 2; exit 1' }\n");

        var run = await _project.Run("pipeline", "run");

        run.ExitCode.ShouldBe(ExitCodes.Failure);
        run.Output.ShouldContain("✗ test failed in ");
        run.Output.ShouldContain("exited with code 1");
        run.Output.ShouldContain("│ assertion failed: 1 != 2");
    }

    [Fact]
    public async Task Run_ACycle_IsRefusedByValidationBeforeAnythingRuns()
    {
        _project.Write("capstan.yaml", "version: 1\napp: shop\npipeline:\n  jobs:\n    a: { needs: [b], run: touch ran }\n    b: { needs: [a], run: touch ran }\n");

        var run = await _project.Run("pipeline", "run");

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.Error.ShouldContain("CAP013");
        File.Exists(Path.Combine(_project.Path, "ran")).ShouldBeFalse();
    }

    [Fact]
    public async Task Runs_ListsTheRuns_NewestFirst_AndLogsOfAnUnknownRunIsAnError()
    {
        _project.Write("capstan.yaml", "version: 1\napp: shop\npipeline:\n  jobs:\n    ok: { run: 'true' }\n");
        var first = await _project.Run("pipeline", "run", "--json");
        var second = await _project.Run("pipeline", "run", "--json");

        var runs = await _project.Run("pipeline", "runs", "--json");

        runs.ExitCode.ShouldBe(ExitCodes.Success, runs.Error);
        var ids = JsonDocument.Parse(runs.Output).RootElement.EnumerateArray().Select(r => r.GetProperty("id").GetString()).ToList();
        ids.ShouldBe([RunId(second), RunId(first)]);
        var table = await _project.Run("pipeline", "runs");
        table.Output.ShouldStartWith("RUN");
        table.Output.ShouldContain("1 succeeded");
        var missing = await _project.Run("pipeline", "logs", "run_nope");
        missing.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        missing.Error.ShouldContain("there is no run 'run_nope' of shop");
    }

    [Fact]
    public async Task Artifacts_AreListedAndShown_ByDigestOrAUniquePrefix()
    {
        await _project.Set("DEPLOY_TOKEN", "staging", "dt-0123456789abcdef");
        var run = await _project.Run("pipeline", "run", "--env", "staging", "--json");
        run.ExitCode.ShouldBe(ExitCodes.Success, run.Error);

        var list = await _project.Run("artifact", "list", "--json");
        var artifact = JsonDocument.Parse(list.Output).RootElement.EnumerateArray().Single();
        var digest = artifact.GetProperty("digest").GetString()!;
        var show = await _project.Run("artifact", "show", digest["sha256:".Length..][..12]);

        artifact.GetProperty("job").GetString().ShouldBe("build");
        digest.ShouldMatch("^sha256:[0-9a-f]{64}$");
        show.ExitCode.ShouldBe(ExitCodes.Success, show.Error);
        show.Output.ShouldContain($"digest:   {digest}");
        show.Output.ShouldContain("job:      build");
        show.Output.ShouldNotContain("missing");
        var bad = await _project.Run("artifact", "show", "XYZ");
        bad.ExitCode.ShouldBe(ExitCodes.Usage);
        bad.Error.ShouldContain("'XYZ' is not a digest");
    }

    public void Dispose() => _project.Dispose();

    private static string RunId(CliRun run) =>
        JsonDocument.Parse(run.Output.Split('\n')[0]).RootElement.GetProperty("run").GetString()!;
}
