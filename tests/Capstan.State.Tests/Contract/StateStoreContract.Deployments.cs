using System.Data.Common;
using Capstan.Testing;

namespace Capstan.State.Tests;

public abstract partial class StateStoreContract
{
    [Fact]
    public async Task CreateDeployment_ThenGet_ReturnsIt()
    {
        await Store.Releases.AddAsync(NewRelease("rel_1"), Ct).DefaultTimeout();
        var deployment = NewDeployment("dep_1", "rel_1") with { State = """{"weights":[100,0],"note":"ü"}""" };

        await Store.Deployments.CreateAsync(deployment, Ct).DefaultTimeout();

        (await Store.Deployments.GetAsync("dep_1", Ct).DefaultTimeout()).ShouldBe(deployment);
        (await Store.Deployments.GetAsync("dep_missing", Ct).DefaultTimeout()).ShouldBeNull();
    }

    [Fact]
    public async Task CreateDeployment_RecordsThePreviousRelease_WhichNoUpdateOfAStartedDeploymentChanges()
    {
        await Store.Releases.AddAsync(NewRelease("rel_1"), Ct).DefaultTimeout();
        await Store.Releases.AddAsync(NewRelease("rel_2", minute: 1), Ct).DefaultTimeout();
        await Store.Releases.AddAsync(NewRelease("rel_3", minute: 2), Ct).DefaultTimeout();
        var created = NewDeployment("dep_1", "rel_2", previousReleaseId: "rel_1") with { Status = DeploymentStatus.InProgress };
        await Store.Deployments.CreateAsync(created, Ct).DefaultTimeout();

        var updated = await Store.Deployments.TryUpdateAsync(created with { Step = "canary 25%", PreviousReleaseId = "rel_3" }, 1, Ct).DefaultTimeout();

        updated.ShouldNotBeNull().PreviousReleaseId.ShouldBe("rel_1");
        (await Store.Deployments.GetAsync("dep_1", Ct).DefaultTimeout()).ShouldNotBeNull().PreviousReleaseId.ShouldBe("rel_1");
    }

    [Fact]
    public async Task APendingDeployment_TakesItsPreviousReleaseWhenItStarts_ThenKeepsIt()
    {
        await Store.Releases.AddAsync(NewRelease("rel_1"), Ct).DefaultTimeout();
        await Store.Releases.AddAsync(NewRelease("rel_2", minute: 1), Ct).DefaultTimeout();
        await Store.Releases.AddAsync(NewRelease("rel_3", minute: 2), Ct).DefaultTimeout();
        var queued = NewDeployment("dep_1", "rel_3", previousReleaseId: "rel_1") with { Status = DeploymentStatus.Pending, Step = "queued" };
        await Store.Deployments.CreateAsync(queued, Ct).DefaultTimeout();

        // Queued behind rel_2's deployment: when it starts, rel_2 is what it replaces.
        var started = await Store.Deployments.TryUpdateAsync(queued with { Status = DeploymentStatus.InProgress, Step = "created", PreviousReleaseId = "rel_2" }, 1, Ct).DefaultTimeout();
        started.ShouldNotBeNull().PreviousReleaseId.ShouldBe("rel_2");

        var later = await Store.Deployments.TryUpdateAsync(started with { Step = "switched", PreviousReleaseId = "rel_1" }, 2, Ct).DefaultTimeout();
        later.ShouldNotBeNull().PreviousReleaseId.ShouldBe("rel_2", "no longer pending: the previous release is fixed");
    }

    [Fact]
    public async Task CreateDeployment_WithAPreviousReleaseThatDoesNotExist_Fails()
    {
        await Store.Releases.AddAsync(NewRelease("rel_1"), Ct).DefaultTimeout();

        await Should.ThrowAsync<DbException>(
            () => Store.Deployments.CreateAsync(NewDeployment("dep_1", "rel_1", previousReleaseId: "rel_missing"), Ct).DefaultTimeout());

        (await Store.Deployments.GetAsync("dep_1", Ct).DefaultTimeout()).ShouldBeNull();
    }

    [Fact]
    public async Task GetLastSucceeded_ReturnsTheNewestSucceededByFinishTime_OfThatAppAndEnvironment()
    {
        await Store.Releases.AddAsync(NewRelease("rel_1"), Ct).DefaultTimeout();
        (await Store.Deployments.GetLastSucceededAsync("shop", "production", Ct).DefaultTimeout()).ShouldBeNull();

        // dep_2 was created after dep_1 but finished before it; dep_3 failed later; dep_4 is staging; dep_5 is still under way.
        await FinishAsync(NewDeployment("dep_1", "rel_1", minute: 1), DeploymentStatus.Succeeded, finishedMinute: 20);
        await FinishAsync(NewDeployment("dep_2", "rel_1", minute: 2), DeploymentStatus.Succeeded, finishedMinute: 10);
        await FinishAsync(NewDeployment("dep_3", "rel_1", minute: 3), DeploymentStatus.Failed, finishedMinute: 30);
        await FinishAsync(NewDeployment("dep_4", "rel_1", "staging", minute: 4), DeploymentStatus.Succeeded, finishedMinute: 40);
        await Store.Deployments.CreateAsync(NewDeployment("dep_5", "rel_1", minute: 5), Ct).DefaultTimeout();

        (await Store.Deployments.GetLastSucceededAsync("shop", "production", Ct).DefaultTimeout()).ShouldNotBeNull().Id.ShouldBe("dep_1");
        (await Store.Deployments.GetLastSucceededAsync("shop", "staging", Ct).DefaultTimeout()).ShouldNotBeNull().Id.ShouldBe("dep_4");
        (await Store.Deployments.GetLastSucceededAsync("shop", "qa", Ct).DefaultTimeout()).ShouldBeNull();
        (await Store.Deployments.GetLastSucceededAsync("blog", "production", Ct).DefaultTimeout()).ShouldBeNull();
    }

    [Fact]
    public async Task GetLastSucceeded_WhenASucceededDeploymentHasNoFinishTime_UsesItsUpdateTime()
    {
        await Store.Releases.AddAsync(NewRelease("rel_1"), Ct).DefaultTimeout();
        await FinishAsync(NewDeployment("dep_1", "rel_1", minute: 1), DeploymentStatus.Succeeded, finishedMinute: 20);
        var unfinished = NewDeployment("dep_2", "rel_1", minute: 2);
        await Store.Deployments.CreateAsync(unfinished, Ct).DefaultTimeout();
        (await Store.Deployments.TryUpdateAsync(unfinished with { Status = DeploymentStatus.Succeeded, UpdatedAt = At(10) }, 1, Ct).DefaultTimeout()).ShouldNotBeNull();

        (await Store.Deployments.GetLastSucceededAsync("shop", "production", Ct).DefaultTimeout()).ShouldNotBeNull().Id.ShouldBe("dep_1");
    }

    [Fact]
    public async Task TryUpdate_AtTheCurrentRevision_SavesTheChangesAndRaisesTheRevision()
    {
        await Store.Releases.AddAsync(NewRelease("rel_1"), Ct).DefaultTimeout();
        var created = NewDeployment("dep_1", "rel_1");
        await Store.Deployments.CreateAsync(created, Ct).DefaultTimeout();
        var changed = created with
        {
            Status = DeploymentStatus.Succeeded,
            Step = "canary 100%",
            State = """{"step":3}""",
            UpdatedAt = At(7),
            FinishedAt = At(7),
            Reason = "all checks passed",
            Strategy = "ignored: not changeable",
        };

        var updated = await Store.Deployments.TryUpdateAsync(changed, expectedRevision: 1, Ct).DefaultTimeout();

        var expected = changed with { Strategy = created.Strategy, Revision = 2 };
        updated.ShouldBe(expected);
        (await Store.Deployments.GetAsync("dep_1", Ct).DefaultTimeout()).ShouldBe(expected);
    }

    [Fact]
    public async Task TryUpdate_AtAStaleRevision_ReturnsNullAndChangesNothing()
    {
        await Store.Releases.AddAsync(NewRelease("rel_1"), Ct).DefaultTimeout();
        var created = NewDeployment("dep_1", "rel_1");
        await Store.Deployments.CreateAsync(created, Ct).DefaultTimeout();
        var first = (await Store.Deployments.TryUpdateAsync(created with { Step = "first" }, 1, Ct).DefaultTimeout()).ShouldNotBeNull();

        var second = await Store.Deployments.TryUpdateAsync(created with { Step = "second" }, 1, Ct).DefaultTimeout();

        second.ShouldBeNull();
        (await Store.Deployments.GetAsync("dep_1", Ct).DefaultTimeout()).ShouldBe(first);
    }

    [Fact]
    public async Task TryUpdate_ByManyAtOnceAtTheSameRevision_LetsExactlyOneWin()
    {
        await Store.Releases.AddAsync(NewRelease("rel_1"), Ct).DefaultTimeout();
        var created = NewDeployment("dep_1", "rel_1");
        await Store.Deployments.CreateAsync(created, Ct).DefaultTimeout();

        var results = await Task.WhenAll(Enumerable.Range(1, 8).Select(i => Task.Run(
            () => Store.Deployments.TryUpdateAsync(created with { Step = $"writer {i}" }, 1, Ct),
            Ct))).DefaultTimeout();

        var winner = results.Where(r => r is not null).ShouldHaveSingleItem().ShouldNotBeNull();
        winner.Revision.ShouldBe(2);
        (await Store.Deployments.GetAsync("dep_1", Ct).DefaultTimeout()).ShouldBe(winner);
    }

    [Fact]
    public async Task TryUpdate_OfAnUnknownDeployment_IsABug()
    {
        await Should.ThrowAsync<InvalidOperationException>(
            () => Store.Deployments.TryUpdateAsync(NewDeployment("dep_missing", "rel_1"), 1, Ct).DefaultTimeout());
    }

    [Fact]
    public async Task ListDeployments_ByEnvironmentOrAll_NewestFirst()
    {
        await Store.Releases.AddAsync(NewRelease("rel_1"), Ct).DefaultTimeout();
        await Store.Deployments.CreateAsync(NewDeployment("dep_1", "rel_1", "staging", minute: 1), Ct).DefaultTimeout();
        await Store.Deployments.CreateAsync(NewDeployment("dep_2", "rel_1", "production", minute: 2), Ct).DefaultTimeout();
        await Store.Deployments.CreateAsync(NewDeployment("dep_3", "rel_1", "production", minute: 3), Ct).DefaultTimeout();

        (await Store.Deployments.ListAsync("shop", "production", 10, Ct).DefaultTimeout()).Select(d => d.Id).ShouldBe(["dep_3", "dep_2"]);
        (await Store.Deployments.ListAsync("shop", null, 10, Ct).DefaultTimeout()).Select(d => d.Id).ShouldBe(["dep_3", "dep_2", "dep_1"]);
        (await Store.Deployments.ListAsync("shop", null, 1, Ct).DefaultTimeout()).Select(d => d.Id).ShouldBe(["dep_3"]);
        (await Store.Deployments.ListAsync("blog", null, 10, Ct).DefaultTimeout()).ShouldBeEmpty();
    }

    [Fact]
    public async Task ListUnfinished_ReturnsDeploymentsWithoutAFinishTime_OldestFirst()
    {
        await Store.Releases.AddAsync(NewRelease("rel_1"), Ct).DefaultTimeout();
        await Store.Deployments.CreateAsync(NewDeployment("dep_1", "rel_1", minute: 1), Ct).DefaultTimeout();
        await Store.Deployments.CreateAsync(NewDeployment("dep_2", "rel_1", minute: 2), Ct).DefaultTimeout();
        await Store.Deployments.CreateAsync(NewDeployment("dep_3", "rel_1", "staging", minute: 3), Ct).DefaultTimeout();
        var finished = NewDeployment("dep_2", "rel_1", minute: 2) with { Status = DeploymentStatus.Failed, FinishedAt = At(4), Reason = "health check failed" };
        (await Store.Deployments.TryUpdateAsync(finished, 1, Ct).DefaultTimeout()).ShouldNotBeNull();

        (await Store.Deployments.ListUnfinishedAsync(null, Ct).DefaultTimeout()).Select(d => d.Id).ShouldBe(["dep_1", "dep_3"]);
        (await Store.Deployments.ListUnfinishedAsync("shop", Ct).DefaultTimeout()).Select(d => d.Id).ShouldBe(["dep_1", "dep_3"]);
        (await Store.Deployments.ListUnfinishedAsync("blog", Ct).DefaultTimeout()).ShouldBeEmpty();
    }

    [Fact]
    public async Task DeploymentStatuses_RoundTripEveryValue()
    {
        await Store.Releases.AddAsync(NewRelease("rel_1"), Ct).DefaultTimeout();
        var deployment = NewDeployment("dep_1", "rel_1");
        await Store.Deployments.CreateAsync(deployment, Ct).DefaultTimeout();

        foreach (var status in Enum.GetValues<DeploymentStatus>())
        {
            deployment = (await Store.Deployments.TryUpdateAsync(deployment with { Status = status }, deployment.Revision, Ct).DefaultTimeout()).ShouldNotBeNull();
            (await Store.Deployments.GetAsync("dep_1", Ct).DefaultTimeout()).ShouldNotBeNull().Status.ShouldBe(status);
        }
    }

    private async Task FinishAsync(Deployment deployment, DeploymentStatus status, int finishedMinute)
    {
        await Store.Deployments.CreateAsync(deployment, Ct).DefaultTimeout();
        var finished = deployment with { Status = status, UpdatedAt = At(finishedMinute), FinishedAt = At(finishedMinute) };
        (await Store.Deployments.TryUpdateAsync(finished, deployment.Revision, Ct).DefaultTimeout()).ShouldNotBeNull();
    }
}
