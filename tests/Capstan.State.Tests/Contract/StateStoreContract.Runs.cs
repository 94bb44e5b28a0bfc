using Capstan.Testing;

namespace Capstan.State.Tests;

public abstract partial class StateStoreContract
{
    [Fact]
    public async Task JobWithTestsArtifactAndReuse_RoundTrips_AndItsRunKeepsTheEnvironment()
    {
        var run = NewRun("run_1") with { Environment = "staging" };
        await Store.Runs.CreateAsync(run, Ct).DefaultTimeout();
        var failures = Enumerable.Range(0, TestSummary.MaxFailedTests + 5).Select(i => $"Shop.Tests.Cart_{i}(\"ünïcode\")").ToArray();
        var test = NewJob("run_1", "test", JobStatus.Failed, inputsHash: "in-1", finishedMinute: 3) with
        {
            Tests = new TestSummary { Passed = 41, Failed = failures.Length, Skipped = 2, FailedTests = failures },
            ArtifactDigest = Digest('b'),
            ReusedRunId = "run_0",
        };
        await Store.Runs.UpsertJobAsync(test, Ct).DefaultTimeout();

        var details = (await Store.Runs.GetAsync("run_1", Ct).DefaultTimeout()).ShouldNotBeNull();

        details.Run.Environment.ShouldBe("staging");
        var stored = details.Jobs.ShouldHaveSingleItem();
        stored.ShouldBe(test with { Tests = test.Tests with { FailedTests = failures[..TestSummary.MaxFailedTests] } });
        stored.Tests.ShouldNotBeNull().Failed.ShouldBe(failures.Length, "the count is the report's, even when names are cut");
    }

    [Fact]
    public async Task CreateRun_ThenGet_ReturnsTheRunWithItsJobsByName()
    {
        var run = NewRun("run_1");
        await Store.Runs.CreateAsync(run, Ct).DefaultTimeout();
        var test = NewJob("run_1", "test", JobStatus.Failed, inputsHash: "in-2", finishedMinute: 3) with { ExitCode = 2, Detail = "2 tests failed", Attempt = 2 };
        var build = NewJob("run_1", "build", JobStatus.Succeeded, inputsHash: "in-1", finishedMinute: 2) with { ExitCode = 0 };
        await Store.Runs.UpsertJobAsync(test, Ct).DefaultTimeout();
        await Store.Runs.UpsertJobAsync(build, Ct).DefaultTimeout();

        var details = (await Store.Runs.GetAsync("run_1", Ct).DefaultTimeout()).ShouldNotBeNull();

        details.Run.ShouldBe(run);
        details.Jobs.ShouldBe([build, test]);
    }

    [Fact]
    public async Task CreateRun_WithoutOptionalFields_KeepsThemNull()
    {
        var run = NewRun("run_1") with { Commit = null };
        await Store.Runs.CreateAsync(run, Ct).DefaultTimeout();
        var job = new JobRun { RunId = "run_1", Job = "build", Status = JobStatus.Pending, Attempt = 1 };
        await Store.Runs.UpsertJobAsync(job, Ct).DefaultTimeout();

        var details = (await Store.Runs.GetAsync("run_1", Ct).DefaultTimeout()).ShouldNotBeNull();

        details.Run.ShouldBe(run);
        details.Jobs.ShouldBe([job]);
    }

    [Fact]
    public async Task GetRun_ThatDoesNotExist_ReturnsNull()
    {
        (await Store.Runs.GetAsync("run_missing", Ct).DefaultTimeout()).ShouldBeNull();
    }

    [Fact]
    public async Task UpdateRunStatus_SetsTheStatusAndFinishTime()
    {
        await Store.Runs.CreateAsync(NewRun("run_1"), Ct).DefaultTimeout();

        (await Store.Runs.UpdateStatusAsync("run_1", RunStatus.Succeeded, At(9), Ct).DefaultTimeout()).ShouldBeTrue();

        var run = (await Store.Runs.GetAsync("run_1", Ct).DefaultTimeout()).ShouldNotBeNull().Run;
        run.Status.ShouldBe(RunStatus.Succeeded);
        run.FinishedAt.ShouldBe(At(9));
    }

    [Fact]
    public async Task UpdateRunStatus_OfAnUnknownRun_ReturnsFalse()
    {
        (await Store.Runs.UpdateStatusAsync("run_missing", RunStatus.Failed, At(1), Ct).DefaultTimeout()).ShouldBeFalse();
    }

    [Fact]
    public async Task UpsertJob_Twice_KeepsOneRowWithTheLatestValues()
    {
        await Store.Runs.CreateAsync(NewRun("run_1"), Ct).DefaultTimeout();
        await Store.Runs.UpsertJobAsync(NewJob("run_1", "build", JobStatus.Failed, finishedMinute: 1) with { ExitCode = 1 }, Ct).DefaultTimeout();
        var retry = NewJob("run_1", "build", JobStatus.Succeeded, inputsHash: "in-1", finishedMinute: 4) with { Attempt = 2, ExitCode = 0 };

        await Store.Runs.UpsertJobAsync(retry, Ct).DefaultTimeout();

        (await Store.Runs.GetAsync("run_1", Ct).DefaultTimeout()).ShouldNotBeNull().Jobs.ShouldBe([retry]);
    }

    [Fact]
    public async Task ListRecentRuns_ReturnsTheAppsNewestFirst_UpToTheLimit()
    {
        for (var i = 1; i <= 5; i++)
        {
            await Store.Runs.CreateAsync(NewRun($"run_{i}", minute: i), Ct).DefaultTimeout();
        }

        await Store.Runs.CreateAsync(NewRun("run_other", app: "blog", minute: 10), Ct).DefaultTimeout();

        var runs = await Store.Runs.ListRecentAsync("shop", 3, Ct).DefaultTimeout();

        runs.Select(r => r.Id).ShouldBe(["run_5", "run_4", "run_3"]);
    }

    [Fact]
    public async Task FindLastSucceeded_ReturnsTheNewestSuccessWithTheSameInputs_OfThatAppAndJob()
    {
        await Store.Runs.CreateAsync(NewRun("run_1", minute: 1), Ct).DefaultTimeout();
        await Store.Runs.CreateAsync(NewRun("run_2", minute: 2), Ct).DefaultTimeout();
        await Store.Runs.CreateAsync(NewRun("run_3", minute: 3), Ct).DefaultTimeout();
        await Store.Runs.CreateAsync(NewRun("run_blog", app: "blog", minute: 4), Ct).DefaultTimeout();
        await Store.Runs.UpsertJobAsync(NewJob("run_1", "build", JobStatus.Succeeded, "in-1", finishedMinute: 1), Ct).DefaultTimeout();
        await Store.Runs.UpsertJobAsync(NewJob("run_2", "build", JobStatus.Succeeded, "in-1", finishedMinute: 2), Ct).DefaultTimeout();
        await Store.Runs.UpsertJobAsync(NewJob("run_3", "build", JobStatus.Failed, "in-1", finishedMinute: 3), Ct).DefaultTimeout();
        await Store.Runs.UpsertJobAsync(NewJob("run_3", "test", JobStatus.Succeeded, "in-1", finishedMinute: 3), Ct).DefaultTimeout();
        await Store.Runs.UpsertJobAsync(NewJob("run_blog", "build", JobStatus.Succeeded, "in-1", finishedMinute: 4), Ct).DefaultTimeout();

        var found = await Store.Runs.FindLastSucceededAsync("shop", "build", "in-1", Ct).DefaultTimeout();

        found.ShouldNotBeNull().RunId.ShouldBe("run_2");
        (await Store.Runs.FindLastSucceededAsync("shop", "build", "in-2", Ct).DefaultTimeout()).ShouldBeNull();
        (await Store.Runs.FindLastSucceededAsync("shop", "deploy", "in-1", Ct).DefaultTimeout()).ShouldBeNull();
    }

    [Fact]
    public async Task Statuses_RoundTripEveryValue()
    {
        foreach (var (status, i) in Enum.GetValues<RunStatus>().Select((s, i) => (s, i)))
        {
            await Store.Runs.CreateAsync(NewRun($"run_{i}") with { Status = status }, Ct).DefaultTimeout();
            (await Store.Runs.GetAsync($"run_{i}", Ct).DefaultTimeout()).ShouldNotBeNull().Run.Status.ShouldBe(status);
        }

        foreach (var status in Enum.GetValues<JobStatus>())
        {
            await Store.Runs.UpsertJobAsync(NewJob("run_0", "build", status), Ct).DefaultTimeout();
            (await Store.Runs.GetAsync("run_0", Ct).DefaultTimeout()).ShouldNotBeNull().Jobs.Single().Status.ShouldBe(status);
        }
    }
}
