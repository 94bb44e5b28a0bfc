using System.Diagnostics;
using Capstan.Pipelines.Running;
using Capstan.State;
using Capstan.Testing;

namespace Capstan.Pipelines.Tests.Running;

/// <summary>The DAG as real processes: parallelism, needs, fail-fast, conditions, retries, timeouts, cancellation.</summary>
public sealed class SchedulingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TwoIndependentTwoSecondJobs_RunInParallel()
    {
        await using var project = new PipelineProject("""
            a: { run: sleep 2 }
            b: { run: sleep 2 }
            """);

        var clock = Stopwatch.StartNew();
        var outcome = await project.RunAsync(r => r with { Parallelism = 2 });

        outcome.Finished.Status.ShouldBe(RunStatus.Succeeded);
        // Loosely: in sequence they would take 4 s.
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(3.5));
    }

    [Fact]
    public async Task WithParallelismOne_JobsRunOneAtATime()
    {
        await using var project = new PipelineProject("""
            a: { run: 'echo start-a >> order; sleep 0.3; echo end-a >> order' }
            b: { run: 'echo start-b >> order; sleep 0.3; echo end-b >> order' }
            """);

        var outcome = await project.RunAsync(r => r with { Parallelism = 1 });

        outcome.Finished.Status.ShouldBe(RunStatus.Succeeded);
        File.ReadAllLines(project.Combine("order")).ShouldBe(["start-a", "end-a", "start-b", "end-b"]);
    }

    [Fact]
    public async Task AJob_StartsOnlyAfterEverythingItNeeds()
    {
        await using var project = new PipelineProject("""
            build: { needs: [lint, test], run: 'echo build >> order' }
            lint: { run: 'sleep 0.2; echo lint >> order' }
            test: { run: 'sleep 0.4; echo test >> order' }
            """);

        var outcome = await project.RunAsync();

        outcome.Finished.Status.ShouldBe(RunStatus.Succeeded);
        File.ReadAllLines(project.Combine("order"))[^1].ShouldBe("build");
        outcome.Events.OfType<RunStarted>().Single().Jobs.ShouldBe(["lint", "test", "build"]);
    }

    [Fact]
    public async Task AFailure_CancelsRunningJobs_AndJobsThatNeedIt_ButNotJobsThatContinueOnError()
    {
        await using var project = new PipelineProject("""
            fails: { run: 'sleep 0.3; exit 4' }
            slow: { run: 'sleep 60' }
            patient: { run: 'sleep 1; echo finished', continue_on_error: true }
            after: { needs: [slow], run: 'echo never' }
            """);

        var clock = Stopwatch.StartNew();
        var outcome = await project.RunAsync(r => r with { Parallelism = 4 });

        outcome.Finished.Status.ShouldBe(RunStatus.Failed);
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(30), "the 60-second job was cancelled");
        outcome.Job("fails").Outcome.ShouldBe(JobOutcome.Failed);
        outcome.Job("fails").Reason.ShouldBe("exited with code 4");
        outcome.Job("fails").ExitCode.ShouldBe(4);
        outcome.Job("slow").Outcome.ShouldBe(JobOutcome.Cancelled);
        outcome.Job("slow").Reason.ShouldBe("cancelled: job 'fails' failed");
        outcome.Job("patient").Outcome.ShouldBe(JobOutcome.Passed);
        outcome.Job("after").Outcome.ShouldBe(JobOutcome.Cancelled);
    }

    [Fact]
    public async Task FailedJobsLog_TailIsReported()
    {
        await using var project = new PipelineProject("""
            broken: { run: 'for i in $(seq 1 30); do echo line $i; done; echo "the reason" >&2; exit 1' }
            """);

        var outcome = await project.RunAsync();

        var report = outcome.Job("broken");
        report.Tail.Count.ShouldBe(20);
        // stdout and stderr come through two pipes, so the last stdout lines and the stderr line may be read in
        // either order: the tail holds both ends of the output.
        report.Tail.ShouldContain("the reason");
        report.Tail.ShouldContain("line 30");
        report.Tail.ShouldNotContain("line 1");
        outcome.Log("broken").ShouldContain("line 1\n");
    }

    [Fact]
    public async Task Conditions_FailureAndAlwaysRunAfterAFailure_SuccessIsNotRun()
    {
        await using var project = new PipelineProject("""
            test: { run: exit 1 }
            deploy: { needs: [test], run: echo deploying }
            notify: { needs: [deploy], if: failure(), run: echo notify }
            cleanup: { needs: [test], if: always(), run: echo cleanup }
            celebrate: { needs: [test], if: failure(), run: echo sad }
            """);

        var outcome = await project.RunAsync();

        outcome.Job("deploy").Outcome.ShouldBe(JobOutcome.Cancelled);
        outcome.Job("notify").Outcome.ShouldBe(JobOutcome.Passed, "failure() looks at every job upstream");
        outcome.Job("cleanup").Outcome.ShouldBe(JobOutcome.Passed);
        outcome.Job("celebrate").Outcome.ShouldBe(JobOutcome.Passed);
        outcome.Finished.Status.ShouldBe(RunStatus.Failed);
    }

    [Fact]
    public async Task Conditions_FailureIsSkippedWhenNothingFailed()
    {
        await using var project = new PipelineProject("""
            test: { run: "true" }
            rollback: { needs: [test], if: failure(), run: echo rollback }
            """);

        var outcome = await project.RunAsync();

        outcome.Job("rollback").Outcome.ShouldBe(JobOutcome.Skipped);
        outcome.Job("rollback").Reason.ShouldBe("if: failure(), and no job it needs failed");
        outcome.Finished.Status.ShouldBe(RunStatus.Succeeded);
    }

    [Fact]
    public async Task ContinueOnError_AFailureThatDoesNotFailThePipeline_CountsAsSuccessDownstream()
    {
        await using var project = new PipelineProject("""
            flaky: { run: exit 1, continue_on_error: true }
            next: { needs: [flaky], run: echo next }
            """);

        var outcome = await project.RunAsync();

        outcome.Job("flaky").Outcome.ShouldBe(JobOutcome.Failed);
        outcome.Job("next").Outcome.ShouldBe(JobOutcome.Passed);
        outcome.Finished.Status.ShouldBe(RunStatus.Succeeded);
    }

    [Fact]
    public async Task Retry_AFailingAttempt_IsTriedAgainAfterTheBackoff()
    {
        await using var project = new PipelineProject("""
            flaky:
              run: 'echo x >> attempts; test $(wc -l < attempts) -ge 3'
              retry: { attempts: 3, backoff: 10ms }
            """);

        var outcome = await project.RunAsync();

        outcome.Job("flaky").Outcome.ShouldBe(JobOutcome.Passed);
        outcome.Job("flaky").Attempts.ShouldBe(3);
        outcome.Events.OfType<JobRetrying>().Select(e => e.Delay).ShouldBe([TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(20)]);
        outcome.Events.OfType<JobStarted>().Select(e => e.Attempt).ShouldBe([1, 2, 3]);
        var stored = await (await project.StoreAsync()).Runs.GetAsync(outcome.Finished.RunId, Ct);
        stored.ShouldNotBeNull().Jobs.Single().Attempt.ShouldBe(3);
    }

    [Fact]
    public async Task Retry_GivesUpAfterTheLastAttempt()
    {
        await using var project = new PipelineProject("""
            broken: { run: exit 2, retry: { attempts: 2, backoff: 1ms } }
            """);

        var outcome = await project.RunAsync();

        outcome.Job("broken").Outcome.ShouldBe(JobOutcome.Failed);
        outcome.Job("broken").Attempts.ShouldBe(2);
    }

    [Fact]
    public async Task Timeout_IsReportedAsATimeout_NamingTheLimit()
    {
        await using var project = new PipelineProject("""
            test: { run: sleep 60, timeout: 500ms }
            """);

        var outcome = await project.RunAsync();

        outcome.Job("test").Outcome.ShouldBe(JobOutcome.TimedOut);
        outcome.Job("test").Reason.ShouldBe("timed out after 500ms");
        outcome.Finished.Status.ShouldBe(RunStatus.Failed);
    }

    [Fact]
    public async Task Steps_RunInOrder_AStepTimeoutNamesTheStep_AndContinueOnErrorGoesOn()
    {
        await using var project = new PipelineProject("""
            test:
              steps:
                - { name: first, run: echo one }
                - { name: optional, run: exit 3, continue_on_error: true }
                - { name: slow, run: sleep 60, timeout: 300ms }
                - { name: never, run: echo never }
            """);

        var outcome = await project.RunAsync();

        outcome.Job("test").Outcome.ShouldBe(JobOutcome.TimedOut);
        outcome.Job("test").Reason.ShouldBe("step 'slow' timed out after 300ms");
        var log = outcome.Log("test");
        log.ShouldContain("▶ first\none\n");
        log.ShouldContain("step 'optional' exited with code 3; continuing");
        log.ShouldNotContain("▶ never");
    }

    [Fact]
    public async Task Cancellation_StopsEveryJob_AndTheRunEndsCancelled()
    {
        await using var project = new PipelineProject("""
            a: { run: 'echo $$ > a.pid; sleep 60' }
            b: { needs: [a], if: always(), run: echo never }
            """);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var run = project.RunAsync(cancellationToken: cancel.Token);
        await Poll.UntilAsync(() => File.Exists(project.Combine("a.pid")), "job a started", Ct);
        await cancel.CancelAsync();
        var outcome = await run;

        outcome.Finished.Status.ShouldBe(RunStatus.Cancelled);
        outcome.Job("a").Outcome.ShouldBe(JobOutcome.Cancelled);
        outcome.Job("b").Outcome.ShouldBe(JobOutcome.Cancelled);
        var stored = await (await project.StoreAsync()).Runs.GetAsync(outcome.Finished.RunId, Ct);
        stored.ShouldNotBeNull().Run.Status.ShouldBe(RunStatus.Cancelled);
    }

    [Fact]
    public async Task UnknownJob_IsRefusedBeforeAnythingRuns()
    {
        await using var project = new PipelineProject("""
            build: { run: touch ran }
            """);

        var error = await Should.ThrowAsync<PipelineException>(() => project.RunAsync(r => r with { Jobs = ["biuld"] }));

        error.Message.ShouldBe("unknown job 'biuld' (did you mean 'build'?); the pipeline's jobs are: build");
        File.Exists(project.Combine("ran")).ShouldBeFalse();
    }

    [Fact]
    public async Task SelectedJob_RunsWithWhatItNeeds_AndNothingElse()
    {
        await using var project = new PipelineProject("""
            lint: { run: touch lint }
            test: { needs: [lint], run: touch test }
            docs: { run: touch docs }
            """);

        var outcome = await project.RunAsync(r => r with { Jobs = ["test"] });

        outcome.Finished.Jobs.Select(j => j.Job).ShouldBe(["lint", "test"]);
        File.Exists(project.Combine("docs")).ShouldBeFalse();
    }

    [Fact]
    public async Task JobEnvironment_IsCleanAndDocumented_WithPipelineAndJobVariables()
    {
        await using var project = new PipelineProject(
            """
            show:
              env: { LEVEL: job, COMBINED: "${PIPELINE_VAR}-x" }
              run: env | sort > env.txt
            """,
            pipelineEnv: "{ PIPELINE_VAR: p, LEVEL: pipeline }");

        var outcome = await project.RunAsync(r => r with { CallerEnvironment = name => name switch { "PATH" => "/usr/bin:/bin", "AWS_SECRET_ACCESS_KEY" => "leak", _ => null } });

        outcome.Finished.Status.ShouldBe(RunStatus.Succeeded);
        var env = File.ReadAllLines(project.Combine("env.txt")).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        env["LEVEL"].ShouldBe("job");
        env["COMBINED"].ShouldBe("p-x");
        env["CI"].ShouldBe("true");
        env["CAPSTAN_JOB"].ShouldBe("show");
        env["CAPSTAN_RUN_ID"].ShouldBe(outcome.Finished.RunId);
        env["CAPSTAN_ATTEMPT"].ShouldBe("1");
        env.ShouldNotContainKey("AWS_SECRET_ACCESS_KEY");
    }

    [Fact]
    public async Task RunAndJobs_AreRecordedInTheStateStore()
    {
        await using var project = new PipelineProject("""
            ok: { run: "true" }
            bad: { run: exit 9, continue_on_error: true }
            """);

        var outcome = await project.RunAsync(r => r with { Commit = "0123456789abcdef", Trigger = "push" });

        var stored = (await (await project.StoreAsync()).Runs.GetAsync(outcome.Finished.RunId, Ct)).ShouldNotBeNull();
        stored.Run.Status.ShouldBe(RunStatus.Succeeded);
        stored.Run.Commit.ShouldBe("0123456789abcdef");
        stored.Run.Trigger.ShouldBe("push");
        stored.Run.FinishedAt.ShouldNotBeNull();
        stored.Jobs.Single(j => j.Job == "ok").Status.ShouldBe(JobStatus.Succeeded);
        var bad = stored.Jobs.Single(j => j.Job == "bad");
        bad.Status.ShouldBe(JobStatus.Failed);
        bad.ExitCode.ShouldBe(9);
        bad.Detail.ShouldBe("exited with code 9");
    }
}
