using System.Diagnostics;
using System.Globalization;
using System.Text;
using Capstan.Runtime.Instances;
using Capstan.Runtime.Ports;
using Capstan.Runtime.Supervision;
using Capstan.Runtime.Tests.Support;
using Capstan.Testing;

namespace Capstan.Runtime.Tests.Supervision;

/// <summary>
/// The runtime's first promise, for real: SIGKILL the process that hosts a supervisor, and its instance keeps serving;
/// the next supervisor adopts it. The host is this test assembly (an executable) running the explicit test
/// <see cref="HostASupervisor"/> in a process of its own.
/// </summary>
public class KillTests
{
    private const string FolderVariable = "CAPSTAN_KILL_TEST_FOLDER";
    private const string PortsVariable = "CAPSTAN_KILL_TEST_PORTS";
    private const string ReadyFile = "host-ready";

    [Fact]
    public async Task WhenTheProcessHostingTheSupervisorIsKilled_TheInstanceKeepsServing_AndTheNextSupervisorAdoptsIt()
    {
        await using var harness = new RuntimeHarness();
        var output = new StringBuilder();
        using var host = StartHost(harness, output);
        await Poll.UntilAsync(
            () => File.Exists(harness.Temp.Combine(ReadyFile)) || host.HasExited, "the host has a ready instance", RuntimeHarness.Ct);
        host.HasExited.ShouldBeFalse($"the host ended early:\n{output}");
        var id = File.ReadAllText(harness.Temp.Combine(ReadyFile));

        host.Kill(); // SIGKILL: no clean-up of any kind
        await host.WaitForExitAsync(RuntimeHarness.Ct).DefaultTimeout();

        var files = new InstanceFiles(Path.Combine(harness.Root, id));
        await Poll.UntilAsync(() => files.ReadRecord() is { Shim: not null, Child: not null }, "the record names the shim and the service", RuntimeHarness.Ct);
        var record = files.ReadRecord()!;
        var (shim, service) = (record.Shim!.Pid, record.Child!.Pid);
        Procs.IsAlive(shim).ShouldBeTrue("the shim outlives the process that started it");
        var address = $"127.0.0.1:{record.Port}";
        (await Http.GetAsync(address, "/pid")).ShouldBe(service.ToString(CultureInfo.InvariantCulture), "the service still serves");

        var supervisor = await harness.StartSupervisorAsync();

        var adopted = supervisor.Get(id).ShouldNotBeNull();
        (adopted.Adopted, adopted.Phase, adopted.ShimPid, adopted.Pid, adopted.Port).ShouldBe((true, InstancePhase.Ready, shim, service, record.Port));
        supervisor.List().ShouldHaveSingleItem();
        await RuntimeHarness.UntilAsync(
            () => File.ReadAllText(Path.Combine(supervisor.DirectoryOf(id), "logs", "current.log")).Contains("listening on", StringComparison.Ordinal),
            "the service's output was logged by its shim");
    }

    /// <summary>Not a test on its own: the host the test above starts and kills.</summary>
    [Fact(Explicit = true)]
    public async Task HostASupervisor()
    {
        var folder = Environment.GetEnvironmentVariable(FolderVariable) ?? throw new InvalidOperationException($"{FolderVariable} is not set");
        var ports = Environment.GetEnvironmentVariable(PortsVariable)!.Split('-').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        var supervisor = await Supervisor.StartAsync(
            new SupervisorOptions
            {
                Root = Path.Combine(folder, ".capstan", "instances"),
                ShimCommand = RuntimeHarness.ShimCommand,
                Ports = new PortRange { First = ports[0], Last = ports[1] },
            },
            RuntimeHarness.Ct);
        var spec = new InstanceSpec
        {
            Id = InstanceSpec.NewId(),
            App = "shop",
            Service = "web",
            Environment = "test",
            ReleaseId = "sha256:" + new string('b', 64),
            Version = "v1",
            WorkingDirectory = folder,
            Command = TestApp.Command,
            Env = new Dictionary<string, string> { [RuntimeHarness.MarkerVariable] = folder },
            Health = RuntimeHarness.Probes(),
        };
        await supervisor.StartInstanceAsync(spec, RuntimeHarness.Ct);
        (await supervisor.WaitUntilReadyAsync(spec.Id, TimeSpan.FromSeconds(30), RuntimeHarness.Ct)).ShouldBeTrue();
        await Poll.UntilAsync(() => supervisor.Get(spec.Id)!.Pid is not null, "the service's pid is known", RuntimeHarness.Ct);
        // Written whole, then renamed: the test polls for the file and must never read it half-written.
        File.WriteAllText(Path.Combine(folder, ReadyFile + ".tmp"), spec.Id);
        File.Move(Path.Combine(folder, ReadyFile + ".tmp"), Path.Combine(folder, ReadyFile));
        await Task.Delay(Timeout.Infinite, RuntimeHarness.Ct); // until killed
    }

    private static Process StartHost(RuntimeHarness harness, StringBuilder output)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in (string[])
            [
                Path.Combine(AppContext.BaseDirectory, "Capstan.Runtime.Tests.dll"),
                "-explicit", "only", "-method", $"{typeof(KillTests).FullName}.{nameof(HostASupervisor)}", "-noColor", "-noLogo",
            ])
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment[FolderVariable] = harness.Temp.Path;
        info.Environment[PortsVariable] = $"{harness.Ports.First}-{harness.Ports.Last}";
        info.Environment[RuntimeHarness.MarkerVariable] = harness.Temp.Path; // swept if anything goes wrong
        var host = Process.Start(info)!;
        host.OutputDataReceived += (_, e) => Append(output, e.Data);
        host.ErrorDataReceived += (_, e) => Append(output, e.Data);
        host.BeginOutputReadLine();
        host.BeginErrorReadLine();
        return host;
    }

    private static void Append(StringBuilder output, string? line)
    {
        lock (output)
        {
            output.AppendLine(line);
        }
    }
}
