using Capstan.Cli.Pipelines;
using Capstan.Pipelines.Running;
using Capstan.State;
using Spectre.Console;

namespace Capstan.Cli.Tests;

/// <summary>The live terminal view and the plain lines, fed the events of a run.</summary>
public sealed class PipelineViewTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task LiveView_ShowsEveryJobWithItsNeedsAndState_ThenTheFailedLogAndTotals()
    {
        using var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.Yes, ColorSystem = ColorSystemSupport.NoColors, Out = new AnsiConsoleOutput(output) });
        var live = new LiveProgress(console);

        var finished = await live.ShowAsync(() => Task.FromResult(Feed(live)));

        finished.Status.ShouldBe(RunStatus.Failed);
        var text = output.ToString();
        text.ShouldContain("run run_1");
        text.ShouldContain("lint");
        text.ShouldContain("✓");
        text.ShouldContain("↺");
        text.ShouldContain("cached");
        text.ShouldContain("exited with code 1");
        text.ShouldContain("│ expected 1 but was 2");
        text.ShouldContain("run run_1 failed in 3.0s: 1 passed, 1 failed, 1 cached");
        text.ShouldContain("tests: 4 passed, 1 failed, 0 skipped");
        text.ShouldContain("failed: test: Cart.adds");
    }

    [Fact]
    public void PlainLines_AreTimestamped_OneAJob_WithTheFailedTail()
    {
        using var output = new StringWriter();

        Feed(new PlainProgress(output));

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.ShouldContain(l => l.EndsWith("▶ lint started", StringComparison.Ordinal));
        lines.ShouldContain(l => l.EndsWith("✓ lint passed in 1.0s", StringComparison.Ordinal));
        lines.ShouldContain(l => l.Contains("↺ build cached: inputs unchanged since run run_0", StringComparison.Ordinal));
        lines.ShouldContain(l => l.Contains("✗ test failed in 2.0s: exited with code 1 · tests: 4 passed, 1 failed, 0 skipped", StringComparison.Ordinal));
        lines.ShouldContain("  │ expected 1 but was 2");
        lines.ShouldContain(l => l.StartsWith("JOB", StringComparison.Ordinal) && l.Contains("STATE", StringComparison.Ordinal) && l.Contains("TESTS", StringComparison.Ordinal));
        lines.ShouldContain(l => l.StartsWith("✗ test", StringComparison.Ordinal) && l.Contains("2.0s", StringComparison.Ordinal) && l.Contains("4 passed, 1 failed", StringComparison.Ordinal));
    }

    private static RunFinished Feed(IPipelineObserver observer)
    {
        observer.OnEvent(new RunStarted
        {
            At = At,
            RunId = "run_1",
            Jobs = ["lint", "build", "test"],
            Needs = new Dictionary<string, IReadOnlyList<string>> { ["lint"] = [], ["build"] = [], ["test"] = ["lint"] },
        });
        var lint = new JobReport { Job = "lint", Outcome = JobOutcome.Passed, Duration = TimeSpan.FromSeconds(1), Attempts = 1 };
        var build = new JobReport { Job = "build", Outcome = JobOutcome.Cached, Reason = "inputs unchanged since run run_0", ReusedRunId = "run_0" };
        var test = new JobReport
        {
            Job = "test",
            Outcome = JobOutcome.Failed,
            Reason = "exited with code 1",
            ExitCode = 1,
            Duration = TimeSpan.FromSeconds(2),
            Attempts = 1,
            LogPath = ".capstan/runs/run_1/test.log",
            Tail = ["running 5 tests", "expected 1 but was 2"],
            Tests = new TestSummary { Passed = 4, Failed = 1, Skipped = 0, FailedTests = ["Cart.adds"] },
        };
        observer.OnEvent(new JobStarted { At = At, Job = "lint", Attempt = 1, Attempts = 1 });
        observer.OnEvent(new JobFinished { At = At, Report = lint });
        observer.OnEvent(new JobFinished { At = At, Report = build });
        observer.OnEvent(new JobStarted { At = At, Job = "test", Attempt = 1, Attempts = 1 });
        observer.OnEvent(new JobFinished { At = At, Report = test });
        var finished = new RunFinished { At = At, RunId = "run_1", Status = RunStatus.Failed, Duration = TimeSpan.FromSeconds(3), Jobs = [lint, build, test] };
        observer.OnEvent(finished);
        return finished;
    }
}
