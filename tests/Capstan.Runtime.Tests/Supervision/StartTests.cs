using System.Globalization;
using Capstan.Runtime.Instances;
using Capstan.Runtime.Tests.Support;
using Capstan.Testing;

namespace Capstan.Runtime.Tests.Supervision;

/// <summary>Starting instances of the test app under real shims: port, environment, readiness, detachment.</summary>
public class StartTests
{
    [Fact]
    public async Task StartInstance_BecomesReady_OnItsOwnPort_WithItsEnvironment()
    {
        await using var harness = new RuntimeHarness();
        var supervisor = await harness.StartSupervisorAsync();
        var spec = harness.App(new Dictionary<string, string> { ["APP_VERSION"] = "v7", ["GREETING"] = "hello-runtime", ["PRINT_ENV"] = "GREETING" });

        var started = await supervisor.StartInstanceAsync(spec, RuntimeHarness.Ct);

        started.Phase.ShouldBe(InstancePhase.Starting);
        started.Port.ShouldBeInRange(harness.Ports.First, harness.Ports.Last);
        started.ShimPid.ShouldNotBeNull();
        (await supervisor.WaitUntilReadyAsync(spec.Id, TimeSpan.FromSeconds(30), RuntimeHarness.Ct).DefaultTimeout()).ShouldBeTrue();
        var ready = supervisor.Get(spec.Id)!;
        ready.Phase.ShouldBe(InstancePhase.Ready);
        ready.ReadySince.ShouldNotBeNull();
        ready.Address.ShouldBe($"127.0.0.1:{started.Port}");
        (ready.App, ready.Service, ready.Environment, ready.Version).ShouldBe(("shop", "web", "test", "v1"));
        (await Http.GetAsync(ready.Address, "/")).ShouldBe("v7");
        var pid = int.Parse(await Http.GetAsync(ready.Address, "/pid"), CultureInfo.InvariantCulture);
        await RuntimeHarness.UntilAsync(() => supervisor.Get(spec.Id)?.Pid == pid, "the supervisor knows the service's pid");
        await RuntimeHarness.UntilAsync(
            () => File.ReadAllText(Path.Combine(supervisor.DirectoryOf(spec.Id), "logs", "current.log")).Contains(" stdout GREETING=hello-runtime\n", StringComparison.Ordinal),
            "the service's output is in its log");
        supervisor.List().ShouldHaveSingleItem().Id.ShouldBe(spec.Id);
    }

    [Fact]
    public async Task Readiness_IsReportedOnlyOnceTheAppSaysItIsReady()
    {
        await using var harness = new RuntimeHarness();
        var supervisor = await harness.StartSupervisorAsync();
        var phases = new List<InstancePhase>();
        supervisor.InstanceChanged += (_, e) =>
        {
            lock (phases)
            {
                phases.Add(e.Status.Phase);
            }
        };
        var spec = harness.App(new Dictionary<string, string> { ["READY_DELAY_MS"] = "2500" });

        var started = await supervisor.StartInstanceAsync(spec, RuntimeHarness.Ct);
        await Poll.UntilAsync(_ => Http.AnswersAsync(started.Address), "the app listens", TimeoutExtensions.DefaultTimeoutSpan, RuntimeHarness.Ct);
        // The phase is read before asking the app: while the app still says 503, no probe can have passed before.
        // (On a machine so loaded that the app only listens once ready, the check on ReadySince below still holds.)
        var phaseBefore = supervisor.Get(spec.Id)!.Phase;
        if (await Http.StatusOfAsync(started.Address, "/ready") == 503)
        {
            phaseBefore.ShouldBe(InstancePhase.Starting);
        }

        (await supervisor.WaitUntilReadyAsync(spec.Id, TimeSpan.FromSeconds(30), RuntimeHarness.Ct).DefaultTimeout()).ShouldBeTrue();
        var ready = supervisor.Get(spec.Id)!;
        // The app counts its delay from its own start, which comes after the shim's launch (StartedAt).
        (ready.ReadySince!.Value - ready.StartedAt).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(2500));
        lock (phases)
        {
            phases.Distinct().ShouldBe([InstancePhase.Starting, InstancePhase.Ready]);
            phases[^1].ShouldBe(InstancePhase.Ready);
        }
    }

    [Fact]
    public async Task WaitUntilReady_ForAnAppThatNeverGetsReady_IsFalseAtTheDeadline()
    {
        await using var harness = new RuntimeHarness();
        var supervisor = await harness.StartSupervisorAsync();
        var spec = harness.App(new Dictionary<string, string> { ["NEVER_READY"] = "1" });
        var started = await supervisor.StartInstanceAsync(spec, RuntimeHarness.Ct);
        await Poll.UntilAsync(_ => Http.AnswersAsync(started.Address), "the app listens", TimeoutExtensions.DefaultTimeoutSpan, RuntimeHarness.Ct);

        (await supervisor.WaitUntilReadyAsync(spec.Id, TimeSpan.FromMilliseconds(500), RuntimeHarness.Ct).DefaultTimeout()).ShouldBeFalse();

        supervisor.Get(spec.Id)!.Phase.ShouldBe(InstancePhase.Starting);
        (await supervisor.WaitUntilReadyAsync("i-nosuchthing", TimeSpan.FromSeconds(5), RuntimeHarness.Ct)).ShouldBeFalse();
    }

    [Fact]
    public async Task AReadyInstance_TurnsUnreadyAfterThresholdFailures_AndReadyAgainOnSuccess()
    {
        await using var harness = new RuntimeHarness();
        var supervisor = await harness.StartSupervisorAsync();
        var flag = harness.Temp.Write("ready.flag", "");
        // A server whose /ready answers 200 while ready.flag exists in its folder, 503 otherwise.
        const string server = """
            import http.server, os
            class H(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    self.send_response(200 if os.path.exists('ready.flag') else 503)
                    self.end_headers()
                def log_message(self, *args):
                    pass
            http.server.HTTPServer(('127.0.0.1', int(os.environ['PORT'])), H).serve_forever()
            """;
        harness.Temp.Write("server.py", server);
        var spec = harness.Bash("exec python3 server.py") with { Health = RuntimeHarness.Probes() };
        var changes = new List<InstancePhase>();
        supervisor.InstanceChanged += (_, e) =>
        {
            lock (changes)
            {
                if (e.Previous?.Phase != e.Status.Phase)
                {
                    changes.Add(e.Status.Phase);
                }
            }
        };

        await supervisor.StartInstanceAsync(spec, RuntimeHarness.Ct);
        (await supervisor.WaitUntilReadyAsync(spec.Id, TimeSpan.FromSeconds(30), RuntimeHarness.Ct).DefaultTimeout()).ShouldBeTrue();
        File.Delete(flag);
        await RuntimeHarness.UntilAsync(() => supervisor.Get(spec.Id)!.Phase == InstancePhase.Unready, "it turns unready");
        var unready = supervisor.Get(spec.Id)!;
        File.WriteAllText(flag, "");
        await RuntimeHarness.UntilAsync(() => supervisor.Get(spec.Id)!.Phase == InstancePhase.Ready, "it is ready again");

        unready.LastError.ShouldBe("readiness probe failed 3 times in a row: GET /ready answered 503");
        unready.ReadySince.ShouldBeNull();
        supervisor.Get(spec.Id)!.Restarts.ShouldBe(0, "unready is not a reason to restart");
        lock (changes)
        {
            changes.ShouldBe([InstancePhase.Ready, InstancePhase.Unready, InstancePhase.Ready]);
        }
    }

    [Fact]
    public async Task AShimThatCannotStart_IsReportedWithWhatItSaid()
    {
        await using var harness = new RuntimeHarness();
        var supervisor = await harness.StartSupervisorAsync(o => o with { ShimCommand = [harness.Temp.Combine("no-such-capstan")] });
        var spec = harness.App();

        await supervisor.StartInstanceAsync(spec, RuntimeHarness.Ct);
        await RuntimeHarness.UntilAsync(() => supervisor.Get(spec.Id)!.LastError is not null, "the failure is reported");

        var error = supervisor.Get(spec.Id)!.LastError!;
        error.ShouldStartWith("the shim ended without recording the service's exit; shim.log ends with: ");
        error.ShouldContain("no-such-capstan");
    }

    [Fact]
    public async Task TheShim_RunsDetachedFromCapstan_AndTheServiceInAGroupOfItsOwn()
    {
        await using var harness = new RuntimeHarness();
        var supervisor = await harness.StartSupervisorAsync();
        var spec = harness.App();
        await supervisor.StartInstanceAsync(spec, RuntimeHarness.Ct);
        (await supervisor.WaitUntilReadyAsync(spec.Id, TimeSpan.FromSeconds(30), RuntimeHarness.Ct).DefaultTimeout()).ShouldBeTrue();
        await RuntimeHarness.UntilAsync(() => supervisor.Get(spec.Id)!.Pid is not null, "the service's pid is known");
        var status = supervisor.Get(spec.Id)!;
        var (shim, service) = (status.ShimPid!.Value, status.Pid!.Value);

        Procs.SessionOf(shim).ShouldBe(shim, "the shim leads a session of its own: no signal to Capstan's group or terminal reaches it");
        Procs.SessionOf(service).ShouldBe(service, "the service leads its own session and process group, so a stop reaches all it started");
        Procs.ParentOf(service).ShouldBe(shim, "the shim, not Capstan, is the service's parent and holds its pipes");
        File.ResolveLinkTarget($"/proc/{shim}/fd/0", false)!.FullName.ShouldBe("/dev/null");
        File.ResolveLinkTarget($"/proc/{shim}/fd/1", false)!.FullName.ShouldBe(Path.Combine(supervisor.DirectoryOf(spec.Id), "shim.log"));
        File.ResolveLinkTarget($"/proc/{shim}/fd/2", false)!.FullName.ShouldBe(Path.Combine(supervisor.DirectoryOf(spec.Id), "shim.log"));
    }

    [Fact]
    public async Task AnInvalidSpec_IsRefusedWithEveryProblemNamed()
    {
        await using var harness = new RuntimeHarness();
        var supervisor = await harness.StartSupervisorAsync();
        var spec = harness.App(new Dictionary<string, string> { ["PORT"] = "80" }, secrets: ["MISSING_TOKEN"]) with
        {
            Id = "bad id",
            WorkingDirectory = harness.Temp.Combine("nowhere"),
            Health = RuntimeHarness.Probes() with { ReadinessPath = "ready" },
        };

        var error = await Should.ThrowAsync<RuntimeException>(() => supervisor.StartInstanceAsync(spec, RuntimeHarness.Ct));

        error.Message.ShouldContain("instance id 'bad id' is not valid");
        error.Message.ShouldContain("does not exist");
        error.Message.ShouldContain("Env holds PORT");
        error.Message.ShouldContain("secret 'MISSING_TOKEN'");
        error.Message.ShouldContain("Health.ReadinessPath 'ready' must start with '/'");
        supervisor.List().ShouldBeEmpty();
    }

    [Fact]
    public async Task StartingAnIdTwice_IsRefused()
    {
        await using var harness = new RuntimeHarness();
        var supervisor = await harness.StartSupervisorAsync();
        var spec = harness.Bash("exec sleep 600");
        await supervisor.StartInstanceAsync(spec, RuntimeHarness.Ct);

        var error = await Should.ThrowAsync<RuntimeException>(() => supervisor.StartInstanceAsync(spec, RuntimeHarness.Ct));

        error.Message.ShouldContain($"instance {spec.Id} exists already");
        supervisor.List().ShouldHaveSingleItem();
    }
}
