using System.Diagnostics;
using System.Net;
using Capstan.Testing;

namespace Capstan.Deployments.Tests;

/// <summary>Capstan's own process killed with SIGKILL: the data plane keeps serving, and a restart adopts it.</summary>
public sealed class CrashTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WhenTheServerIsKilledDuringADeployment_TrafficContinues_AndTheRestartAdoptsWithoutDuplicates()
    {
        await using var fixture = await DeploymentFixture.StartAsync("blue-green", 2, Token);
        await fixture.ShouldSucceedAsync((await fixture.DeployAsync(cancellationToken: Token))[0], Token);
        await fixture.StopServerAsync();

        // The same project, now served by a real 'capstan server' process that can be SIGKILLed.
        using var server = StartServerProcess(fixture);
        using var killServer = Killer(server);
        await WaitForHealthAsync(fixture);
        var v1 = (await fixture.StatusAsync(Token)).Services.ShouldHaveSingleItem().Instances.Select(i => i.Pid).Order().ToList();
        v1.Count.ShouldBe(2);

        fixture.WriteManifest("blue-green", 2, env: "READY_DELAY_MS: \"60000\"");
        await using var load = new LoadLoop(fixture);
        var deployment = (await fixture.DeployAsync(cancellationToken: Token)).ShouldHaveSingleItem();
        await Poll.UntilAsync(
            async ct => (await fixture.StatusAsync(ct)).Services[0].Instances.Count(i => i.ReleaseId == deployment.ReleaseId) == 2,
            "the new release's instances start", TimeSpan.FromSeconds(30), Token);

        server.Kill(entireProcessTree: false); // SIGKILL
        await server.WaitForExitAsync(Token).DefaultTimeout();
        var during = load.Requests;
        await Poll.UntilAsync(() => load.Requests > during + 100, "requests go on while no Capstan runs", Token);

        using var restarted = StartServerProcess(fixture);
        using var killRestarted = Killer(restarted);
        await WaitForHealthAsync(fixture);
        var ended = await fixture.WaitAsync(deployment, Token);
        await load.StopAsync();

        ended.Status.ShouldBe("failed");
        ended.Reason.ShouldNotBeNull().ShouldContain("before traffic switched");
        load.Failures.ShouldBeEmpty($"{load.Failures.Count} of {load.Requests} failed");
        load.Bodies.Keys.ShouldBe(["v1"]);
        var after = (await fixture.StatusAsync(Token)).Services.ShouldHaveSingleItem();
        await Poll.UntilAsync(
            async ct => (await fixture.StatusAsync(ct)).Services[0].Instances.Count == 2,
            "the interrupted release's instances are stopped", TimeSpan.FromSeconds(30), Token);
        // The same two v1 processes serve: adopted, not started again.
        (await fixture.StatusAsync(Token)).Services[0].Instances.Select(i => i.Pid).Order().ShouldBe(v1);
        after.Version.ShouldBe(1);

        restarted.Kill();
        await restarted.WaitForExitAsync(Token).DefaultTimeout();
    }

    [Fact]
    public async Task WhenTheServerIsKilledAfterABlueGreenSwitch_TheRestartFinishesTheDeployment_WithNoFailedRequest()
    {
        // v1 answers slowly: the requests it has in flight at the switch keep the drain that follows open, and the server
        // is killed in it, with all new requests already going to v2.
        await using var fixture = DeploymentFixture.Create();
        fixture.WriteManifest("blue-green", 1, env: "LATENCY_MS: \"3000\"");
        await fixture.StartServerAsync(Token);
        await fixture.ShouldSucceedAsync((await fixture.DeployAsync(cancellationToken: Token))[0], Token);
        var v1 = fixture.Server!.Agent.Instances().ShouldHaveSingleItem();
        await fixture.StopServerAsync();
        using var server = StartServerProcess(fixture);
        using var killServer = Killer(server);
        await WaitForHealthAsync(fixture);

        fixture.WriteManifest("blue-green", 1, env: "COLOR: green");
        await using var load = new LoadLoop(fixture, workers: 4);
        var deployment = (await fixture.DeployAsync(cancellationToken: Token)).ShouldHaveSingleItem();
        var step = "";
        await Poll.UntilAsync(
            async ct =>
            {
                var current = await fixture.GetAsync(deployment.Id, ct);
                step = current.Step;
                return current.Finished || step is "switched" or "draining";
            },
            "traffic switches to v2", TimeSpan.FromSeconds(60), Token);
        server.Kill(entireProcessTree: false); // SIGKILL
        await server.WaitForExitAsync(Token).DefaultTimeout();
        step.ShouldBeOneOf(["switched", "draining"], "the server was killed after the switch, before the deployment ended");

        using var restarted = StartServerProcess(fixture);
        using var killRestarted = Killer(restarted);
        await WaitForHealthAsync(fixture);
        var ended = await fixture.WaitAsync(deployment, Token);
        var before = load.Requests;
        await Poll.UntilAsync(() => load.Requests > before + 20, "requests go on after the restart", Token);
        await load.StopAsync();

        ended.Status.ShouldBe("succeeded", ended.Reason);
        load.Failures.ShouldBeEmpty($"{load.Failures.Count} of {load.Requests} failed: {string.Join(" | ", load.Failures.Take(3))}");
        (await fixture.GetThroughEdgeAsync(new HttpClient(), "/", Token)).Body.ShouldBe("v2");
        var service = (await fixture.StatusAsync(Token)).Services.ShouldHaveSingleItem();
        service.Version.ShouldBe(2);
        service.Traffic.ShouldHaveSingleItem().Version.ShouldBe(2);
        // v1 stands by for a rollback: the same process, adopted twice, never started again; one v2 instance.
        service.Instances.Where(i => i.Version == 1).ShouldHaveSingleItem().Pid.ShouldBe(v1.Pid!.Value);
        service.Instances.Count(i => i.Version == 2).ShouldBe(1);

        restarted.Kill();
        await restarted.WaitForExitAsync(Token).DefaultTimeout();
    }

    [Fact]
    public async Task KillingTheServerAtTwentySeededPointsOfACanary_EndsConsistentEveryTime_WithNoFailedRequest()
    {
        // The test is about crashes, not the analysis: a fresh instance on a busy CI machine can be slower than the
        // stable one for longer than the warm-up, so latency may rise tenfold before it counts.
        const string strategy = "{ canary: [10%, 50%, 100%], pause: 1s, min_requests: 20, abort_if: { p95_increase: 1000% } }";
        await using var fixture = await DeploymentFixture.StartAsync(strategy, 1, Token);
        await fixture.ShouldSucceedAsync((await fixture.DeployAsync(cancellationToken: Token))[0], Token);
        await fixture.StopServerAsync();
        var server = StartServerProcess(fixture);
        try
        {
            await WaitForHealthAsync(fixture);
            await using var load = new LoadLoop(fixture, workers: 2, pause: TimeSpan.FromMilliseconds(10));
            var random = new Random(20261122);
            var outcomes = new List<string>();
            for (var point = 1; point <= 20; point++)
            {
                // Each round a new release (a changed variable), killed somewhere between the request and well past
                // the end of its steps (start, warm-up, 10%, 50%, switch, drain), then restarted.
                fixture.WriteManifest(strategy, 1, env: $"ROUND: \"{point}\"");
                var deployment = (await fixture.DeployAsync(cancellationToken: Token)).ShouldHaveSingleItem();
                var killAfter = TimeSpan.FromMilliseconds(random.Next(0, 9000));
                await Task.Delay(killAfter, Token);
                var step = (await fixture.GetAsync(deployment.Id, Token)).Step;
                server.Kill(entireProcessTree: false); // SIGKILL
                await server.WaitForExitAsync(Token).DefaultTimeout();
                server.Dispose();
                server = StartServerProcess(fixture);
                await WaitForHealthAsync(fixture);
                var ended = await fixture.WaitAsync(deployment, Token);
                outcomes.Add($"{point}: killed at {killAfter.TotalMilliseconds:0} ms in '{step}' -> {ended.Status}");

                // Consistent: finished one way or the other, the serving release alone runs, at its full count.
                ended.Status.ShouldBeOneOf(["succeeded", "failed"], string.Join("\n", outcomes));
                if (ended.Status == "failed")
                {
                    ended.Reason.ShouldNotBeNull().ShouldContain("the server stopped", Case.Sensitive, string.Join("\n", outcomes));
                }

                await Poll.UntilAsync(
                    async ct =>
                    {
                        var service = (await fixture.StatusAsync(ct)).Services.Single();
                        return service.Instances.Count == 1 && service.Instances[0].ReleaseId == service.ReleaseId && service.Healthy == 1
                            && service.Traffic.Count == 1;
                    },
                    $"round {point}: one instance of the serving release, all traffic on it",
                    TimeSpan.FromSeconds(30),
                    Token);
            }

            var before = load.Requests;
            await Poll.UntilAsync(() => load.Requests > before + 50, "the load still runs", Token);
            await load.StopAsync();
            load.Failures.ShouldBeEmpty($"{load.Failures.Count} of {load.Requests} failed: {string.Join(" | ", load.Failures.Take(3))}\n{string.Join("\n", outcomes)}");
            TestContext.Current.TestOutputHelper?.WriteLine(string.Join("\n", outcomes));
        }
        finally
        {
            if (!server.HasExited)
            {
                server.Kill();
                await server.WaitForExitAsync(CancellationToken.None).DefaultTimeout();
            }

            server.Dispose();
        }
    }

    /// <summary>Kills the process when the test ends, whatever happened: the fixture then stops what it left running.</summary>
    private static IDisposable Killer(Process process) => new Disposable(() =>
    {
        if (!process.HasExited)
        {
            process.Kill();
            process.WaitForExit(10_000);
        }
    });

    private sealed class Disposable(Action action) : IDisposable
    {
        public void Dispose() => action();
    }

    private static Process StartServerProcess(DeploymentFixture fixture)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "capstan.dll"), "server", "--project", fixture.Project, "--port", fixture.ApiPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--edge-port", fixture.EdgePort.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitForHealthAsync(DeploymentFixture fixture)
    {
        using var client = new HttpClient();
        await Poll.UntilAsync(
            async ct =>
            {
                try
                {
                    return (await client.GetAsync($"http://127.0.0.1:{fixture.ApiPort}/api/health", ct)).StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            "the server answers", TimeSpan.FromSeconds(60), Token);
        fixture.Api.BaseAddress ??= new Uri($"http://127.0.0.1:{fixture.ApiPort}/");
    }
}
