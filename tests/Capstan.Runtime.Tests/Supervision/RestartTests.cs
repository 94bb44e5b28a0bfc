using System.Net;
using System.Net.Sockets;
using Capstan.Runtime.Instances;
using Capstan.Runtime.Tests.Support;
using Capstan.Testing;

namespace Capstan.Runtime.Tests.Supervision;

/// <summary>Crashes and liveness failures: restarts with exponential backoff, same id, same port when free.</summary>
public class RestartTests
{
    [Fact]
    public async Task ACrashingApp_IsRestarted_WithDoublingDelays_KeepingItsIdAndPort()
    {
        await using var harness = new RuntimeHarness(); // backoff from 100 ms
        var supervisor = await harness.StartSupervisorAsync();
        var spec = harness.App(new Dictionary<string, string> { ["CRASH_AFTER_MS"] = "300" });

        var started = await supervisor.StartInstanceAsync(spec, RuntimeHarness.Ct);
        await RuntimeHarness.UntilAsync(() => supervisor.Get(spec.Id)!.Restarts >= 3, "three restarts");

        var status = supervisor.Get(spec.Id)!;
        status.BackoffDelays.Take(3).ShouldBe([TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(400)]);
        status.Port.ShouldBe(started.Port);
        status.LastExit.ShouldNotBeNull().ExitCode.ShouldBe(3);
        status.LastError.ShouldBe("the service exited with code 3");
        supervisor.List().ShouldHaveSingleItem();
        var log = File.ReadAllText(Path.Combine(supervisor.DirectoryOf(spec.Id), "logs", "current.log"));
        log.ShouldContain(" stderr testapp: crashing, as asked\n");
        log.ShouldContain(" capstan exited with code 3\n");
    }

    [Fact]
    public async Task AnAppThatExitsAtStart_BacksOffOneTwoFourEightSeconds_OnTheSupervisorsClock()
    {
        await using var harness = new RuntimeHarness();
        var clock = new ManualTimeProvider();
        var supervisor = await harness.StartSupervisorAsync(o => o with { TimeProvider = clock, Backoff = new() }); // the defaults
        var spec = harness.App(new Dictionary<string, string> { ["EXIT_AT_START"] = "4" });

        await supervisor.StartInstanceAsync(spec, RuntimeHarness.Ct);
        for (var restarts = 0; restarts < 3; restarts++)
        {
            var exits = restarts + 1;
            await RuntimeHarness.UntilAsync(
                () => supervisor.Get(spec.Id) is { Phase: InstancePhase.BackingOff } s && s.BackoffDelays.Count == exits,
                $"exit {exits} is recorded and the instance backs off");
            (await supervisor.WaitUntilReadyAsync(spec.Id, TimeSpan.FromSeconds(30), RuntimeHarness.Ct).DefaultTimeout()).ShouldBeFalse("it failed");
            clock.Advance(supervisor.Get(spec.Id)!.BackoffDelays[^1]);
        }

        await RuntimeHarness.UntilAsync(
            () => supervisor.Get(spec.Id) is { Phase: InstancePhase.BackingOff } s && s.BackoffDelays.Count == 4,
            "the fourth exit is recorded");
        var status = supervisor.Get(spec.Id)!;
        status.BackoffDelays.ShouldBe([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8)]);
        status.Restarts.ShouldBe(3);
        status.LastExit!.ExitCode.ShouldBe(4);
        status.ShimPid.ShouldBeNull();
    }

    [Fact]
    public void TheBackoff_DoublesUpToItsMaximum()
    {
        var backoff = new Capstan.Runtime.Supervision.RestartBackoff();

        Enumerable.Range(0, 9).Select(backoff.DelayAfter).Select(d => d.TotalSeconds).ShouldBe([1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }

    [Fact]
    public async Task AnAppFailingLiveness_IsRestarted()
    {
        await using var harness = new RuntimeHarness();
        var supervisor = await harness.StartSupervisorAsync();
        var spec = harness.App(
            new Dictionary<string, string> { ["LIVENESS_FAIL_AFTER_MS"] = "800" },
            RuntimeHarness.Probes() with { LivenessPath = "/health", FailureThreshold = 2 });

        var started = await supervisor.StartInstanceAsync(spec, RuntimeHarness.Ct);
        (await supervisor.WaitUntilReadyAsync(spec.Id, TimeSpan.FromSeconds(30), RuntimeHarness.Ct).DefaultTimeout()).ShouldBeTrue();
        await RuntimeHarness.UntilAsync(() => supervisor.Get(spec.Id)!.Pid is not null, "the service's pid is known");
        var firstPid = supervisor.Get(spec.Id)!.Pid!.Value;
        await RuntimeHarness.UntilAsync(() => supervisor.Get(spec.Id)!.Restarts == 1, "a restart");

        var status = supervisor.Get(spec.Id)!;
        status.LastError.ShouldBe("failed its liveness probe 2 times in a row (GET /health answered 500) and was restarted");
        status.Port.ShouldBe(started.Port);
        Procs.IsAlive(firstPid).ShouldBeFalse("the unhealthy process was stopped before its successor started");
        (await supervisor.WaitUntilReadyAsync(spec.Id, TimeSpan.FromSeconds(30), RuntimeHarness.Ct).DefaultTimeout()).ShouldBeTrue();
    }

    [Fact]
    public async Task ARestart_MovesToANewPort_WhenAnotherProgramTookTheOldOne()
    {
        await using var harness = new RuntimeHarness();
        var clock = new ManualTimeProvider();
        var supervisor = await harness.StartSupervisorAsync(o => o with { TimeProvider = clock });
        var ports = new List<int>();
        supervisor.InstanceChanged += (_, e) =>
        {
            lock (ports)
            {
                if (e.Previous is { } previous && previous.Port != e.Status.Port)
                {
                    ports.Add(e.Status.Port);
                }
            }
        };
        var spec = harness.App(new Dictionary<string, string> { ["EXIT_AT_START"] = "1" });
        var started = await supervisor.StartInstanceAsync(spec, RuntimeHarness.Ct);
        await RuntimeHarness.UntilAsync(() => supervisor.Get(spec.Id)!.Phase == InstancePhase.BackingOff, "the first exit");
        using var squatter = new TcpListener(IPAddress.Loopback, started.Port);
        squatter.Start();

        clock.Advance(TimeSpan.FromSeconds(1));
        await RuntimeHarness.UntilAsync(() => supervisor.Get(spec.Id)!.Restarts == 1, "the restart");

        var moved = supervisor.Get(spec.Id)!.Port;
        moved.ShouldNotBe(started.Port);
        moved.ShouldBeInRange(harness.Ports.First, harness.Ports.Last);
        lock (ports)
        {
            ports.ShouldBe([moved], "InstanceChanged told of the new port");
        }
    }
}
