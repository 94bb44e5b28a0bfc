using System.Collections.Concurrent;
using System.Net;
using Capstan.Edge.Routing;
using Capstan.Edge.Tests.Support;
using Capstan.Testing;

namespace Capstan.Edge.Tests.Routing;

/// <summary>An instance that dies under load: HAProxy retries on another server, and clients see no error.</summary>
public sealed class EdgeFailoverTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RequestsToAnInstanceThatJustDied_AreRetriedOnAnother_AndNoClientSeesAnError()
    {
        await using var survivor = await TestAppInstance.StartAsync("survivor", Ct);
        await using var victim = await TestAppInstance.StartAsync("victim", Ct);
        await using var test = await TestEdge.StartAsync();
        await test.ApplyAsync(new EdgeBackend
        {
            Name = "web",
            Host = "web.localhost",
            Servers = [new EdgeServer { Name = "survivor", Address = survivor.Address }, new EdgeServer { Name = "victim", Address = victim.Address }],
        });

        var answers = new ConcurrentQueue<(HttpStatusCode Status, string Body)>();
        var afterKill = -1;
        async Task ClientAsync()
        {
            // Until 200 answers came after the kill, however long the kill takes on a loaded machine.
            while (Volatile.Read(ref afterKill) < 0 || answers.Count < afterKill + 200)
            {
                answers.Enqueue(await test.GetAsync("web.localhost"));
            }
        }

        // Four clients on keep-alive connections; the victim is killed while they run, with connections open to it.
        var clients = Enumerable.Range(0, 4).Select(_ => Task.Run(ClientAsync)).ToList();
        await Poll.UntilAsync(() => answers.Count >= 60, "the clients are well under way", Ct).DefaultTimeout();
        await victim.KillAsync();
        Volatile.Write(ref afterKill, answers.Count);
        await Task.WhenAll(clients).DefaultTimeout();

        answers.Where(a => a.Status != HttpStatusCode.OK).ShouldBeEmpty();
        answers.Take(afterKill).Select(a => a.Body).Distinct().Order().ShouldBe(["survivor", "victim"]);
        // The requests in flight at the kill may still have been answered by the victim; none after them.
        answers.Skip(afterKill + 8).Select(a => a.Body).Distinct().ShouldBe(["survivor"]);
        var stats = (await test.Edge.RuntimeApi.ShowStatAsync(Ct).DefaultTimeout()).Single(r => r.Proxy == "web" && r.Name == "victim");
        (stats.Retries + stats.Redispatches).ShouldBeGreaterThan(0, "requests sent to the dead instance were retried");
    }
}
