using System.Diagnostics;
using System.Globalization;
using Capstan.Runtime.Instances;
using Capstan.Runtime.Processes;
using Capstan.Runtime.Supervision;
using Capstan.Runtime.Tests.Support;
using Capstan.Testing;

namespace Capstan.Runtime.Tests.Supervision;

/// <summary>
/// A supervisor started on the folder of one that went away (disposed here, killed in real life) takes its instances
/// over: adopts the ones still running, restarts the ones that died meanwhile, never starts duplicates and never
/// adopts a stranger that got a recorded pid.
/// </summary>
public class AdoptionTests
{
    private const string MadeUpValue = "made-up-value-that-survives-adoption";

    [Fact]
    public async Task ANewSupervisor_AdoptsTheRunningInstances_WithoutStartingDuplicates_AndSupervisesThemFromThenOn()
    {
        await using var harness = new RuntimeHarness();
        var first = await harness.StartSupervisorAsync();
        var specs = new[]
        {
            harness.App(new Dictionary<string, string> { ["API_TOKEN"] = MadeUpValue, ["PRINT_ENV"] = "API_TOKEN" }, secrets: ["API_TOKEN"]),
            harness.App(),
        };
        foreach (var spec in specs)
        {
            await first.StartInstanceAsync(spec, RuntimeHarness.Ct);
            (await first.WaitUntilReadyAsync(spec.Id, TimeSpan.FromSeconds(30), RuntimeHarness.Ct).DefaultTimeout()).ShouldBeTrue();
        }

        await RuntimeHarness.UntilAsync(() => first.List().All(s => s.Pid is not null), "the services' pids are known");
        var before = first.List();
        var processes = Procs.WithEnvironment(RuntimeHarness.MarkerVariable, harness.Temp.Path);
        processes.Count.ShouldBe(4, "a shim and a service per instance");

        await first.DisposeAsync(); // Capstan goes away; its instances must not
        foreach (var status in before)
        {
            (await Http.GetAsync(status.Address, "/pid")).ShouldBe(status.Pid!.Value.ToString(CultureInfo.InvariantCulture));
        }

        var second = await harness.StartSupervisorAsync();

        var adopted = second.List();
        adopted.Select(s => (s.Id, s.ShimPid, s.Pid, s.Port, s.Phase, s.Adopted))
            .ShouldBe(before.Select(s => (s.Id, s.ShimPid, s.Pid, s.Port, InstancePhase.Ready, true)));
        Procs.WithEnvironment(RuntimeHarness.MarkerVariable, harness.Temp.Path).ShouldBe(processes, ignoreOrder: true);

        // Supervision resumed: a crash of an adopted service is noticed and restarted, secrets and all.
        var crashed = adopted.Single(s => s.Id == specs[0].Id);
        Procs.Kill(crashed.Pid!.Value);
        await RuntimeHarness.UntilAsync(() => second.Get(crashed.Id) is { Restarts: 1, Phase: InstancePhase.Ready }, "the crashed instance is restarted and ready");
        var restarted = second.Get(crashed.Id)!;
        restarted.Adopted.ShouldBeFalse();
        restarted.Pid.ShouldNotBe(crashed.Pid);
        restarted.LastExit!.Signal.ShouldBe(9);
        var log = File.ReadAllText(Path.Combine(second.DirectoryOf(crashed.Id), "logs", "current.log"));
        log.Split(" stdout API_TOKEN=***\n").Length.ShouldBe(3, "both starts printed the token, masked: the restart had its value");
        log.ShouldNotContain(MadeUpValue);
        second.Get(specs[1].Id)!.Pid.ShouldBe(before.Single(s => s.Id == specs[1].Id).Pid);
    }

    [Fact]
    public async Task ARecordWhosePidsNowBelongToAnotherProcess_IsNotAdopted_AndThatProcessIsLeftAlone()
    {
        await using var harness = new RuntimeHarness();
        using var stranger = Process.Start(new ProcessStartInfo("sleep", "600") { UseShellExecute = false })!;
        try
        {
            var spec = harness.App();
            var files = new InstanceFiles(Path.Combine(harness.Root, spec.Id));
            Directory.CreateDirectory(files.Directory);
            var startTicks = ProcessIdentity.Of(stranger.Id)!.StartTicks;
            var reused = new ProcessIdentity { Pid = stranger.Id, StartTicks = startTicks - 100 }; // same pid, earlier process
            files.WriteRecord(new InstanceRecord
            {
                Spec = spec,
                Port = harness.Ports.First,
                Shim = reused,
                Child = reused,
                StartedAt = DateTimeOffset.UtcNow.AddMinutes(-5),
                ReadySince = DateTimeOffset.UtcNow.AddMinutes(-5),
                LogMaxBytes = 1 << 20,
                LogFilesKept = 5,
            });

            var supervisor = await harness.StartSupervisorAsync();

            var status = supervisor.Get(spec.Id).ShouldNotBeNull();
            status.Adopted.ShouldBeFalse();
            status.Phase.ShouldBe(InstancePhase.BackingOff, "its processes count as crashed");
            await RuntimeHarness.UntilAsync(() => supervisor.Get(spec.Id) is { Phase: InstancePhase.Ready }, "it is started anew and ready");
            supervisor.Get(spec.Id)!.ShimPid.ShouldNotBe(stranger.Id);
            Procs.IsAlive(stranger.Id).ShouldBeTrue("a process that merely reuses a recorded pid is never signalled");
        }
        finally
        {
            stranger.Kill();
        }
    }

    [Fact]
    public async Task AnInstanceThatDiedWhileCapstanWasAway_IsRestarted()
    {
        await using var harness = new RuntimeHarness();
        var first = await harness.StartSupervisorAsync();
        var spec = harness.App();
        await first.StartInstanceAsync(spec, RuntimeHarness.Ct);
        (await first.WaitUntilReadyAsync(spec.Id, TimeSpan.FromSeconds(30), RuntimeHarness.Ct).DefaultTimeout()).ShouldBeTrue();
        await RuntimeHarness.UntilAsync(() => first.Get(spec.Id)!.Pid is not null, "the service's pid is known");
        var before = first.Get(spec.Id)!;
        await first.DisposeAsync();

        Procs.Kill(before.Pid!.Value);
        await RuntimeHarness.UntilAsync(() => File.Exists(Path.Combine(first.DirectoryOf(spec.Id), "exit.json")), "the shim recorded the exit");
        await RuntimeHarness.UntilAsync(() => !Procs.IsAlive(before.ShimPid!.Value), "the shim is gone");
        var second = await harness.StartSupervisorAsync();

        await RuntimeHarness.UntilAsync(() => second.Get(spec.Id) is { Phase: InstancePhase.Ready, Restarts: 1 }, "it is restarted and ready");
        var status = second.Get(spec.Id)!;
        status.Adopted.ShouldBeFalse();
        status.Port.ShouldBe(before.Port);
        status.LastExit!.Signal.ShouldBe(9);
        second.List().ShouldHaveSingleItem();
    }

    [Fact]
    public async Task AStopUnderWayWhenCapstanWentAway_IsFinishedByTheNextSupervisor()
    {
        await using var harness = new RuntimeHarness();
        var first = await harness.StartSupervisorAsync();
        var spec = harness.Bash("trap '' TERM; while :; do sleep 0.2; done");
        await first.StartInstanceAsync(spec, RuntimeHarness.Ct);
        await RuntimeHarness.UntilAsync(() => first.Get(spec.Id)!.Pid is not null, "the service's pid is known");
        var pid = first.Get(spec.Id)!.Pid!.Value;
        var stopping = first.StopInstanceAsync(spec.Id, TimeSpan.FromMinutes(10), RuntimeHarness.Ct);
        await RuntimeHarness.UntilAsync(() => first.Get(spec.Id)?.Phase == InstancePhase.Stopping, "the stop began");
        await first.DisposeAsync();
        await Should.ThrowAsync<OperationCanceledException>(() => stopping.DefaultTimeout());
        Procs.IsAlive(pid).ShouldBeTrue("the service ignores SIGTERM and its grace period is long");

        // Rewind the recorded grace period, as if the ten minutes had passed.
        var files = new InstanceFiles(first.DirectoryOf(spec.Id));
        files.WriteRecord(files.ReadRecord()! with { StopGrace = TimeSpan.FromMilliseconds(200) });
        var second = await harness.StartSupervisorAsync();

        await RuntimeHarness.UntilAsync(() => second.Get(spec.Id) is null, "the stop is finished");
        Procs.InSession(pid).ShouldBeEmpty();
        Directory.Exists(files.Directory).ShouldBeFalse();
    }
}
