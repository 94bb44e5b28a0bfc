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
