using Capstan.State;
using Capstan.Testing;

namespace Capstan.Deployments.Tests;

/// <summary>A real server whose state is on a real PostgreSQL (a throw-away cluster, or <c>CAPSTAN_TEST_POSTGRES</c>).</summary>
public sealed class PostgresStateTests(PostgresServer postgres) : IClassFixture<PostgresServer>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AServerOnPostgres_DeploysAndRollsBack_AndARestartOnTheSameDatabaseAdoptsItsInstances()
    {
        var database = await postgres.CreateDatabaseAsync(Token);
        await using var fixture = DeploymentFixture.Create(StateLocation.Parse(database));
        fixture.WriteManifest("blue-green", 2);
        await fixture.StartServerAsync(Token);
        using var client = new HttpClient();

        await fixture.ShouldSucceedAsync((await fixture.DeployAsync(cancellationToken: Token))[0], Token);
        fixture.WriteManifest("blue-green", 2, env: "COLOR: green");
        await fixture.ShouldSucceedAsync((await fixture.DeployAsync(cancellationToken: Token))[0], Token);
        (await fixture.GetThroughEdgeAsync(client, "/", Token)).Body.ShouldBe("v2");
        var rollback = await fixture.WaitAsync((await fixture.RollbackAsync(cancellationToken: Token)).ShouldHaveSingleItem(), Token);
        rollback.Status.ShouldBe("succeeded", rollback.Reason);
        (await fixture.GetThroughEdgeAsync(client, "/", Token)).Body.ShouldBe("v1");
        var before = (await fixture.StatusAsync(Token)).Services.ShouldHaveSingleItem();
        before.Version.ShouldBe(1);
        before.Healthy.ShouldBe(2);
        var instances = before.Instances.Select(i => (i.Id, i.Pid, i.Version)).Order().ToList();

        // The control plane goes away and comes back on the same database; the instances serve throughout.
        await using (var load = new LoadLoop(fixture, workers: 2))
        {
            await fixture.StopServerAsync();
            var during = load.Requests;
            await Poll.UntilAsync(() => load.Requests > during + 20, "requests go on while no server runs", Token);
            await fixture.StartServerAsync(Token);
            await load.StopAsync();
            load.Failures.ShouldBeEmpty($"{load.Failures.Count} of {load.Requests} failed: {string.Join(" | ", load.Failures.Take(3))}");
            load.Bodies.Keys.ShouldBe(["v1"]);
        }

        // Adopted: the very processes, none started twice; the state read back from PostgreSQL says v1 serves.
        await Poll.UntilAsync(
            async ct => (await fixture.StatusAsync(ct)).Services.Single() is { Healthy: 2, Traffic.Count: 1 },
            "the restarted server routes the adopted instances",
            TimeSpan.FromSeconds(30),
            Token);
        var after = (await fixture.StatusAsync(Token)).Services.ShouldHaveSingleItem();
        after.Version.ShouldBe(1);
        after.Traffic.ShouldHaveSingleItem().Version.ShouldBe(1);
        after.Instances.Select(i => (i.Id, i.Pid, i.Version)).Order().ShouldBe(instances);
        fixture.Server!.Agent.Instances().ShouldAllBe(i => i.Adopted);
        (await fixture.Server.Store.Deployments.ListAsync("shop", null, 10, Token)).Select(d => (d.Strategy, d.Status))
            .ShouldBe([("rollback", DeploymentStatus.Succeeded), ("blue-green", DeploymentStatus.Succeeded), ("blue-green", DeploymentStatus.Succeeded)]);
        (await fixture.GetThroughEdgeAsync(client, "/", Token)).Body.ShouldBe("v1");
        File.Exists(Path.Combine(fixture.Project, ".capstan", "state.db")).ShouldBeFalse("the state is in PostgreSQL, not in SQLite");
    }
}
