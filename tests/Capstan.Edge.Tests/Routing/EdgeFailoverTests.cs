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

        var answers = new ConcurrentQueue<(HttpStatusCode Status, string Body, bool SentAfterKill)>();
        var killed = 0;
        async Task ClientAsync()
        {
            // Until 200 requests were sent after the kill, however long the kill takes on a loaded machine.
            while (answers.Count(a => a.SentAfterKill) < 200)
            {
                var afterKill = Volatile.Read(ref killed) == 1;
                var (status, body) = await test.GetAsync("web.localhost");
                answers.Enqueue((status, body, afterKill));
            }
        }

        // Four clients on keep-alive connections; the victim is killed while they run, with connections open to it.
        var clients = Enumerable.Range(0, 4).Select(_ => Task.Run(ClientAsync)).ToList();
        await Poll.UntilAsync(() => answers.Count >= 60, "the clients are well under way", Ct).DefaultTimeout();
        await victim.KillAsync();
        Volatile.Write(ref killed, 1);
        await Task.WhenAll(clients).DefaultTimeout();

        answers.Where(a => a.Status != HttpStatusCode.OK).ShouldBeEmpty();
        answers.Where(a => !a.SentAfterKill).Select(a => a.Body).Distinct().Order().ShouldBe(["survivor", "victim"]);
        answers.Where(a => a.SentAfterKill).Select(a => a.Body).Distinct().ShouldBe(["survivor"]);
        var stats = (await test.Edge.RuntimeApi.ShowStatAsync(Ct).DefaultTimeout()).Single(r => r.Proxy == "web" && r.Name == "victim");
        (stats.Retries + stats.Redispatches).ShouldBeGreaterThan(0, "requests sent to the dead instance were retried");
    }
}
