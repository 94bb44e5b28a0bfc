using System.Net;
using System.Net.Sockets;
using Capstan.Edge.Lifecycle;
using Capstan.Edge.Routing;
using Capstan.Edge.Tests.Support;
using Capstan.Testing;

namespace Capstan.Edge.Tests.Lifecycle;

/// <summary>Starting, adopting and stopping a real HAProxy, and the errors a user can act on.</summary>
public sealed class EdgeLifecycleTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Start_RunsHaproxyDetached_ThatAnswersWithTheNoRoute404()
    {
        await using var test = await TestEdge.StartAsync();

        var (status, body) = await test.GetAsync("nobody.localhost");

        status.ShouldBe(HttpStatusCode.NotFound);
        body.ShouldBe("Capstan edge: no route for host 'nobody.localhost' and path '/'.\n");
        test.Edge.Process.Adopted.ShouldBeFalse();
        test.Edge.Url.ShouldBe($"http://127.0.0.1:{test.Options.Port}");
        // -D: the master is not Capstan's child, so it outlives Capstan being killed.
        File.ReadAllText($"/proc/{test.Edge.Process.MasterPid}/stat").Split(' ')[3].ShouldNotBe(Environment.ProcessId.ToString());
    }

    [Fact]
    public async Task Stop_EndsHaproxy_AndRemovesItsPidFileAndSockets()
    {
        await using var test = await TestEdge.StartAsync();
        var pid = test.Edge.Process.MasterPid;

        await test.Edge.StopAsync(Ct).DefaultTimeout();

        ProcessTable.IsRunning(pid).ShouldBeFalse();
        File.Exists(Path.Combine(test.Directory, "haproxy.pid")).ShouldBeFalse();
        File.Exists(Path.Combine(test.Directory, "master.sock")).ShouldBeFalse();
        File.Exists(Path.Combine(test.Directory, "admin.sock")).ShouldBeFalse();
        await Should.ThrowAsync<HttpRequestException>(() => test.GetAsync("nobody.localhost"));
    }

    [Fact]
    public async Task Start_AfterDisposingWithoutStopping_AdoptsTheRunningHaproxy_AndItsRoutes()
    {
        await using var backend = new TestBackend("web-1");
        await using var test = await TestEdge.StartAsync();
        await test.ApplyAsync(new EdgeBackend { Name = "web", Host = "web.localhost", Servers = [new EdgeServer { Name = "s1", Address = backend.Address }] });
        var pid = test.Edge.Process.MasterPid;

        await test.Edge.DisposeAsync();
        (await test.GetAsync("web.localhost")).Body.ShouldStartWith("web-1", customMessage: "HAProxy serves on while Capstan is away");
        var again = await test.StartEdgeAsync();

        again.Process.MasterPid.ShouldBe(pid);
        again.Process.Adopted.ShouldBeTrue();
        again.Reloads.ShouldBe(0, "the running HAProxy already serves the saved layout");
        (await test.GetAsync("web.localhost")).Body.ShouldStartWith("web-1");
    }

    [Fact]
    public async Task Start_AfterHaproxyWasKilled_StartsAFreshOne_OnTheSavedRoutes()
    {
        await using var backend = new TestBackend("web-1");
        await using var test = await TestEdge.StartAsync();
        await test.ApplyAsync(new EdgeBackend { Name = "web", Host = "web.localhost", Servers = [new EdgeServer { Name = "s1", Address = backend.Address }] });
        var pid = test.Edge.Process.MasterPid;
        await test.Edge.DisposeAsync();
        ProcessTable.Signal(pid, ProcessTable.SigKill);
        await Poll.UntilAsync(() => !ProcessTable.IsRunning(pid), "the killed HAProxy is gone", Ct).DefaultTimeout();

        var again = await test.StartEdgeAsync();

        again.Process.Adopted.ShouldBeFalse();
        again.Process.MasterPid.ShouldNotBe(pid);
        (await test.GetAsync("web.localhost")).Body.ShouldStartWith("web-1");
    }

    [Fact]
    public async Task Apply_AfterHaproxyDied_StartsItAgain()
    {
        await using var backend = new TestBackend("web-1");
        await using var test = await TestEdge.StartAsync();
        var pid = test.Edge.Process.MasterPid;
        ProcessTable.Signal(pid, ProcessTable.SigKill);
        await Poll.UntilAsync(() => !ProcessTable.IsRunning(pid), "the killed HAProxy is gone", Ct).DefaultTimeout();

        await test.ApplyAsync(new EdgeBackend { Name = "web", Host = "web.localhost", Servers = [new EdgeServer { Name = "s1", Address = backend.Address }] });

        test.Edge.Restarts.ShouldBe(1);
        test.Edge.Process.MasterPid.ShouldNotBe(pid);
        (await test.GetAsync("web.localhost")).Body.ShouldStartWith("web-1");
    }

    [Fact]
    public async Task Apply_AfterStop_IsRefused_RatherThanStartingHaproxyAgain()
    {
        await using var test = await TestEdge.StartAsync();
        await test.Edge.StopAsync(Ct).DefaultTimeout();

        await Should.ThrowAsync<InvalidOperationException>(() => test.ApplyAsync());

        test.Edge.Process.IsRunning.ShouldBeFalse();
    }

    [Fact]
    public async Task Start_OnAPortInUse_SaysSoClearly()
    {
        using var folder = new TempDirectory("capstan-edge-");
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;

        var error = await Should.ThrowAsync<EdgeException>(() =>
            HaproxyEdge.StartAsync(new EdgeOptions { Directory = folder.Path, Port = port }, Ct).DefaultTimeout());

        error.Message.ShouldBe($"cannot listen on 127.0.0.1:{port}: the port is in use by another process");
        File.Exists(folder.Combine("log.sock")).ShouldBeFalse("the log listener is closed again");
    }

    [Fact]
    public async Task Start_OnAConfigurationHaproxyRefuses_QuotesHaproxysAlert()
    {
        using var folder = new TempDirectory("capstan-edge-");
        var options = new EdgeOptions { Directory = folder.Path, Port = FreePort.Get() };
        folder.Write("haproxy.cfg", "global\n    no-such-keyword 1\n");

        var error = await Should.ThrowAsync<EdgeException>(() => HaproxyProcess.StartAsync(options, Ct).DefaultTimeout());

        error.Message.ShouldStartWith($"HAProxy refuses the configuration {options.ConfigPath}:");
        error.Message.ShouldContain("unknown keyword 'no-such-keyword' in 'global' section");
        File.Exists(folder.Combine("haproxy.pid")).ShouldBeFalse();
    }

    [Fact]
    public void HaproxysOwnBindError_IsRecognised()
    {
        const string stderr = "[ALERT]    (18629) : Binding [/tmp/hx/haproxy.cfg:21] for frontend capstan_edge: cannot bind socket (Address already in use) for [127.0.0.1:18080]";

        ListenPort.IsBindConflict(stderr).ShouldBeTrue();
        ListenPort.IsBindConflict("[ALERT] something else").ShouldBeFalse();
    }

    [Fact]
    public async Task Start_WithABogusHaproxyPath_SaysHowToInstallIt()
    {
        using var folder = new TempDirectory("capstan-edge-");

        var error = await Should.ThrowAsync<EdgeException>(() => HaproxyEdge.StartAsync(
            new EdgeOptions { Directory = folder.Path, Port = FreePort.Get(), HaproxyPath = "/nonexistent/haproxy" }, Ct).DefaultTimeout());

        error.Message.ShouldContain("'/nonexistent/haproxy'");
        error.Message.ShouldContain(
            "HAProxy is not installed (Capstan's edge proxy). Install it: sudo apt-get install haproxy (Debian/Ubuntu), or set CAPSTAN_HAPROXY to its path.");
    }

    [Fact]
    public void IsOurs_TakesOnlyHaproxyOnThisConfigurationFile()
    {
        var options = new EdgeOptions { Directory = "/srv/edge" };

        HaproxyProcess.IsOurs(["/usr/sbin/haproxy", "-W", "-D", "-S", "/srv/edge/master.sock,mode,600", "-p", "/srv/edge/haproxy.pid", "-f", "/srv/edge/haproxy.cfg"], options).ShouldBeTrue();
        HaproxyProcess.IsOurs(["/usr/sbin/haproxy", "-f", "/etc/haproxy/haproxy.cfg"], options).ShouldBeFalse();
        HaproxyProcess.IsOurs(["/usr/bin/vim", "-f", "/srv/edge/haproxy.cfg"], options).ShouldBeFalse("a recycled pid");
        HaproxyProcess.IsOurs([], options).ShouldBeFalse();
    }
}
