using Capstan.Runtime.Logs;
using Capstan.Runtime.Supervision;
using Capstan.Runtime.Tests.Support;
using Capstan.Testing;

namespace Capstan.Runtime.Tests.Supervision;

/// <summary>What the shim makes of a service's output: masked, timestamped, rotated lines.</summary>
public class LogPipelineTests
{
    private const string MadeUpValue = "made-up-value-of-a-masked-variable";

    [Fact]
    public async Task ASecretPrintedByTheApp_IsMaskedInItsLog_AndWrittenToNoFile()
    {
        await using var harness = new RuntimeHarness();
        var supervisor = await harness.StartSupervisorAsync();
        var spec = harness.App(new Dictionary<string, string> { ["API_TOKEN"] = MadeUpValue, ["PRINT_ENV"] = "API_TOKEN" }, secrets: ["API_TOKEN"]);

        var started = await supervisor.StartInstanceAsync(spec, RuntimeHarness.Ct);
        var log = Path.Combine(supervisor.DirectoryOf(spec.Id), "logs", "current.log");
        await RuntimeHarness.UntilAsync(() => File.Exists(log) && File.ReadAllText(log).Contains("API_TOKEN=", StringComparison.Ordinal), "the app printed its token");

        File.ReadAllText(log).ShouldContain(" stdout API_TOKEN=***\n");
        foreach (var file in Directory.EnumerateFiles(supervisor.DirectoryOf(spec.Id), "*", SearchOption.AllDirectories))
        {
            File.ReadAllText(file).ShouldNotContain(MadeUpValue, customMessage: $"{file} holds the secret");
        }

        // The value reached the service through the environment only.
        File.ReadAllText($"/proc/{started.ShimPid}/environ").ShouldContain($"API_TOKEN={MadeUpValue}\0");
    }

    [Fact]
    public async Task ALoudService_HasItsLogRotated_KeepingTheNewestFiles()
    {
        await using var harness = new RuntimeHarness();
        var supervisor = await harness.StartSupervisorAsync(o => o with { LogRotation = new LogRotation { MaxFileBytes = 4096, FilesKept = 3 } });
        var spec = harness.Bash("for i in $(seq 1 400); do printf 'line %04d %s\\n' $i ................................................; done; exec sleep 600");

        await supervisor.StartInstanceAsync(spec, RuntimeHarness.Ct);
        var logs = Path.Combine(supervisor.DirectoryOf(spec.Id), "logs");
        await RuntimeHarness.UntilAsync(
            () => File.Exists(Path.Combine(logs, "current.log")) && File.ReadAllText(Path.Combine(logs, "current.log")).Contains("line 0400", StringComparison.Ordinal),
            "the last line is logged");

        Directory.GetFiles(logs).Select(Path.GetFileName).ShouldBe(["1.log", "2.log", "current.log"], ignoreOrder: true);
        Directory.GetFiles(logs).ShouldAllBe(f => new FileInfo(f).Length <= 4096);
        var lines = new List<int>();
        await foreach (var entry in InstanceLogs.ReadAsync(supervisor.DirectoryOf(spec.Id), new LogQuery(), RuntimeHarness.Ct))
        {
            if (entry.Stream == "stdout")
            {
                lines.Add(int.Parse(entry.Text.AsSpan(5, 4), System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        lines[^1].ShouldBe(400);
        lines.ShouldBe(Enumerable.Range(lines[0], lines.Count), "no line lost or reordered within what is kept");
        lines[0].ShouldBeGreaterThan(1);
    }

    [Fact]
    public async Task TheLogsOfAServicesInstances_AreFollowedTogether_EachLineWithItsInstanceId()
    {
        await using var harness = new RuntimeHarness();
        var supervisor = await harness.StartSupervisorAsync();
        var a = harness.Bash("echo a-first; exec sleep 600");
        var b = harness.Bash("echo b-first; exec sleep 600");
        await supervisor.StartInstanceAsync(a, RuntimeHarness.Ct);
        await supervisor.StartInstanceAsync(b, RuntimeHarness.Ct);
        var sources = new[] { a, b }.Select(s => new LogSource { InstanceId = s.Id, InstanceDirectory = supervisor.DirectoryOf(s.Id) }).ToList();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(RuntimeHarness.Ct);
        var seen = new List<LogEntry>();
        var following = Task.Run(async () =>
        {
            await foreach (var entry in InstanceLogs.MergeAsync(sources, new LogQuery { Follow = true, PollInterval = TimeSpan.FromMilliseconds(20) }, stop.Token))
            {
                lock (seen)
                {
                    seen.Add(entry);
                }
            }
        }, RuntimeHarness.Ct);

        await RuntimeHarness.UntilAsync(
            () => { lock (seen) { return seen.Count(e => e.Stream == "stdout") == 2; } },
            "both instances' first lines are read");
        await supervisor.StopInstanceAsync(b.Id, TimeSpan.FromSeconds(5), RuntimeHarness.Ct).DefaultTimeout();
        await stop.CancelAsync();
        await following.DefaultTimeout();

        List<LogEntry> lines;
        lock (seen)
        {
            lines = [.. seen];
        }

        lines.Where(e => e.Stream == "stdout").Select(e => $"{e.InstanceId} {e.Text}").ShouldBe([$"{a.Id} a-first", $"{b.Id} b-first"], ignoreOrder: true);
        foreach (var instance in lines.GroupBy(e => e.InstanceId))
        {
            instance.Select(e => e.Time).ShouldBe(instance.Select(e => e.Time).Order(), "each instance's lines in time order");
        }

        lines.ShouldContain(e => e.InstanceId == a.Id && e.Stream == LogEntry.CapstanStream && e.Text.StartsWith("started pid ", StringComparison.Ordinal));
    }
}
