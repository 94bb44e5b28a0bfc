using System.Diagnostics;
using Capstan.Runtime.Instances;
using Capstan.Runtime.Ports;
using Capstan.Runtime.Supervision;
using Capstan.Testing;

namespace Capstan.Runtime.Tests.Support;

/// <summary>
/// One test's runtime: a temp folder with <c>.capstan/instances</c>, a block of ports of its own (tests run in
/// parallel), supervisors on that folder, and specs for the test app or a bash command. Every process it starts carries
/// a marker variable; disposing stops the instances and then kills any marked process still alive, so no test leaves a
/// process behind whatever it did to its supervisors.
/// </summary>
internal sealed class RuntimeHarness : IAsyncDisposable
{
    public const string MarkerVariable = "CAPSTAN_RUNTIME_TEST";

    private const int PortBlock = 40;
    private static int s_blocks = (Environment.ProcessId % 50) * 5; // runs of the suite side by side start apart

    private readonly List<Supervisor> _supervisors = [];

    public RuntimeHarness()
    {
        var block = Interlocked.Increment(ref s_blocks) % (10_000 / PortBlock);
        Ports = new PortRange { First = 20_000 + (block * PortBlock), Last = 20_000 + (block * PortBlock) + PortBlock - 1 };
    }

    /// <summary>How the tests run the shim: the CLI built beside the test assembly.</summary>
    public static IReadOnlyList<string> ShimCommand { get; } = ["dotnet", Path.Combine(AppContext.BaseDirectory, "capstan.dll")];

    public TempDirectory Temp { get; } = new("capstan-runtime-");

    public string Root => Temp.Combine(".capstan", "instances");

    public PortRange Ports { get; }

    /// <summary>Short probe intervals and backoff, so that tests take little time; tests that assert the defaults say so.</summary>
    public SupervisorOptions Options => new()
    {
        Root = Root,
        ShimCommand = ShimCommand,
        Ports = Ports,
        Backoff = new RestartBackoff { Initial = TimeSpan.FromMilliseconds(100), Max = TimeSpan.FromSeconds(2) },
    };

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async Task<Supervisor> StartSupervisorAsync(Func<SupervisorOptions, SupervisorOptions>? configure = null)
    {
        var supervisor = await Supervisor.StartAsync(configure?.Invoke(Options) ?? Options, Ct).DefaultTimeout();
        _supervisors.Add(supervisor);
        return supervisor;
    }

    /// <summary>The test app as a service; <paramref name="env"/> adds to APP_VERSION=v1.</summary>
    public InstanceSpec App(IReadOnlyDictionary<string, string>? env = null, HealthCheck? health = null, IReadOnlyList<string>? secrets = null)
    {
        var all = new Dictionary<string, string> { ["APP_VERSION"] = "v1" };
        foreach (var (name, value) in env ?? new Dictionary<string, string>())
        {
            all[name] = value;
        }

        return Spec(TestApp.Command, all, health ?? Probes(), secrets);
    }

    /// <summary>A bash command as a service; probed by TCP connect (it never listens, so it stays Starting).</summary>
    public InstanceSpec Bash(string command) => Spec(command, [], Probes() with { ReadinessPath = null }, secrets: null);

    public static HealthCheck Probes() => new()
    {
        ReadinessPath = "/ready",
        Interval = TimeSpan.FromMilliseconds(100),
        Timeout = TimeSpan.FromSeconds(2),
    };

    /// <summary>Waits (polling, bounded) until the condition holds.</summary>
    public static Task UntilAsync(Func<bool> condition, string what) => Poll.UntilAsync(condition, what, Ct);

    public async ValueTask DisposeAsync()
    {
        for (var i = _supervisors.Count - 1; i >= 0; i--)
        {
            try
            {
                await _supervisors[i].StopAllAsync(TimeSpan.FromMilliseconds(500), Ct).DefaultTimeout();
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or TimeoutException)
            {
                // Already disposed, or stuck: the sweep below deals with the processes.
            }

            await _supervisors[i].DisposeAsync();
        }

        foreach (var pid in Procs.WithEnvironment(MarkerVariable, Temp.Path))
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // exited meanwhile
            }
        }

        Temp.Dispose();
    }

    private InstanceSpec Spec(string command, IEnumerable<KeyValuePair<string, string>> env, HealthCheck health, IReadOnlyList<string>? secrets) => new()
    {
        Id = InstanceSpec.NewId(),
        App = "shop",
        Service = "web",
        Environment = "test",
        ReleaseId = "sha256:" + new string('a', 64),
        Version = "v1",
        WorkingDirectory = Temp.Path,
        Command = command,
        Env = env.Append(KeyValuePair.Create(MarkerVariable, Temp.Path)).ToDictionary(),
        SecretEnvNames = secrets ?? [],
        Health = health,
        GracePeriod = TimeSpan.FromSeconds(5),
    };
}
