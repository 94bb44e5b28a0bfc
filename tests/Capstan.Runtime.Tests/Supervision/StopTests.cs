using System.Globalization;
using Capstan.Runtime.Instances;
using Capstan.Runtime.Tests.Support;
using Capstan.Testing;

namespace Capstan.Runtime.Tests.Supervision;

/// <summary>Stopping: SIGTERM with a grace period, then SIGKILL to the whole group; nothing left behind.</summary>
public class StopTests
{
    [Fact]
    public async Task Stop_SendsSigterm_AndARequestInFlightStillGetsItsAnswer()
    {
        await using var harness = new RuntimeHarness();
        var supervisor = await harness.StartSupervisorAsync();
        var events = new List<InstancePhase>();
        supervisor.InstanceChanged += (_, e) =>
        {
            lock (events)
            {
                events.Add(e.Status.Phase);
            }
        };
        var spec = harness.App(new Dictionary<string, string> { ["LATENCY_MS"] = "1500" });
        var started = await supervisor.StartInstanceAsync(spec, RuntimeHarness.Ct);
        (await supervisor.WaitUntilReadyAsync(spec.Id, TimeSpan.FromSeconds(30), RuntimeHarness.Ct).DefaultTimeout()).ShouldBeTrue();
        var pid = int.Parse(await Http.GetAsync(started.Address, "/pid"), CultureInfo.InvariantCulture);

        var slow = await Http.SendRawAsync(started.Address, "/");
        await Http.GetAsync(started.Address, "/pid"); // answered after the slow request was sent and its connection accepted
        await supervisor.StopInstanceAsync(spec.Id, grace: TimeSpan.FromSeconds(20), RuntimeHarness.Ct).DefaultTimeout();

        var response = await slow.DefaultTimeout();
        response.ShouldStartWith("HTTP/1.1 200");
        response.ShouldEndWith("\r\n\r\nv1");
        Procs.IsAlive(pid).ShouldBeFalse();
        Procs.IsAlive(started.ShimPid!.Value).ShouldBeFalse();
        supervisor.Get(spec.Id).ShouldBeNull();
        Directory.Exists(supervisor.DirectoryOf(spec.Id)).ShouldBeFalse("a stopped instance's folder is removed");
        lock (events)
        {
            events.ShouldContain(InstancePhase.Stopping);
            events[^1].ShouldBe(InstancePhase.Stopped);
        }
    }

    [Fact]
    public async Task Stop_KillsTheWholeGroupAfterTheGracePeriod_WhenTheServiceIgnoresSigterm()
    {
        await using var harness = new RuntimeHarness();
        var supervisor = await harness.StartSupervisorAsync();
        var spec = harness.Bash("trap '' TERM; while :; do sleep 0.2; done");
        var started = await supervisor.StartInstanceAsync(spec, RuntimeHarness.Ct);
        await RuntimeHarness.UntilAsync(() => supervisor.Get(spec.Id)!.Pid is not null, "the service's pid is known");
        var pid = supervisor.Get(spec.Id)!.Pid!.Value;
        await RuntimeHarness.UntilAsync(() => Procs.InSession(pid).Count >= 2, "the loop runs a sleep");

        await supervisor.StopInstanceAsync(spec.Id, grace: TimeSpan.FromMilliseconds(300), RuntimeHarness.Ct).DefaultTimeout();

        Procs.InSession(pid).ShouldBeEmpty("bash and its sleep were killed");
        Procs.IsAlive(started.ShimPid!.Value).ShouldBeFalse();
        Procs.WithEnvironment(RuntimeHarness.MarkerVariable, harness.Temp.Path).ShouldBeEmpty();
    }

    [Fact]
    public async Task StopAll_StopsEveryInstance_AndStoppingAgainIsHarmless()
    {
        await using var harness = new RuntimeHarness();
        var supervisor = await harness.StartSupervisorAsync();
        var specs = new[] { harness.Bash("exec sleep 600"), harness.Bash("exec sleep 600"), harness.App() };
        foreach (var spec in specs)
        {
            await supervisor.StartInstanceAsync(spec, RuntimeHarness.Ct);
        }

        await RuntimeHarness.UntilAsync(() => supervisor.List().All(s => s.Pid is not null), "every service runs");

        await supervisor.StopAllAsync(TimeSpan.FromSeconds(5), RuntimeHarness.Ct).DefaultTimeout();

        supervisor.List().ShouldBeEmpty();
        Directory.GetFileSystemEntries(harness.Root).ShouldBeEmpty();
        Procs.WithEnvironment(RuntimeHarness.MarkerVariable, harness.Temp.Path).ShouldBeEmpty();
        await supervisor.StopInstanceAsync(specs[0].Id, null, RuntimeHarness.Ct).DefaultTimeout();
    }

    [Fact]
    public async Task Stop_WhileBackingOff_RemovesTheInstanceWithoutStartingItAgain()
    {
        await using var harness = new RuntimeHarness();
        var clock = new ManualTimeProvider();
        var supervisor = await harness.StartSupervisorAsync(o => o with { TimeProvider = clock });
        var spec = harness.App(new Dictionary<string, string> { ["EXIT_AT_START"] = "2" });
        await supervisor.StartInstanceAsync(spec, RuntimeHarness.Ct);
        await RuntimeHarness.UntilAsync(() => supervisor.Get(spec.Id)!.Phase == InstancePhase.BackingOff, "the exit");

        await supervisor.StopInstanceAsync(spec.Id, null, RuntimeHarness.Ct).DefaultTimeout();

        supervisor.Get(spec.Id).ShouldBeNull();
        Directory.Exists(supervisor.DirectoryOf(spec.Id)).ShouldBeFalse();
    }
}
