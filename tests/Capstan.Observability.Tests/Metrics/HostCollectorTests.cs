using System.Globalization;
using Capstan.Observability.Metrics;
using Capstan.Testing;

namespace Capstan.Observability.Tests.Metrics;

public sealed class HostCollectorTests
{
    private static readonly DateTimeOffset T = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void FromAProcFolder_CpuTimesAreTicksOverUserHz_AndMemoryKilobytesAreBytes()
    {
        using var proc = new TempDirectory();
        // user nice system idle iowait irq softirq steal guest guest_nice
        proc.Write("stat", """
            cpu  1000 200 300 5000 400 10 20 30 99 9
            cpu0 500 100 150 2500 200 5 10 15 0 0
            cpu1 500 100 150 2500 200 5 10 15 0 0
            intr 12345
            ctxt 999
            """);
        proc.Write("meminfo", """
            MemTotal:       16000000 kB
            MemFree:         1000000 kB
            MemAvailable:    8000000 kB
            """);
        var store = new SeriesStore(clock: new ManualClock(T));

        new HostCollector(store, [], proc.Path).Collect(T).ShouldBeEmpty();

        // busy = user + nice + system + irq + softirq + steal = 1560 ticks; idle = idle + iowait = 5400 ticks (guest is inside user).
        Value(store, SeriesNames.HostCpuSeconds, LabelSet.Of(("mode", "busy"))).ShouldBe(15.6, 1e-9);
        Value(store, SeriesNames.HostCpuSeconds, LabelSet.Of(("mode", "idle"))).ShouldBe(54, 1e-9);
        Value(store, SeriesNames.HostCpus, LabelSet.Empty).ShouldBe(2);
        Value(store, SeriesNames.HostMemoryTotal, LabelSet.Empty).ShouldBe(16_000_000d * 1024);
        Value(store, SeriesNames.HostMemoryAvailable, LabelSet.Empty).ShouldBe(8_000_000d * 1024);
    }

    [Fact]
    public void FromTheRealProc_CpuGrowsWithWork_AndMemoryAndDiskAreThere()
    {
        using var data = new TempDirectory();
        var store = new SeriesStore(clock: new ManualClock(T));
        var collector = new HostCollector(store, [data.Path]);

        collector.Collect(T).ShouldBeEmpty();
        var busyBefore = Value(store, SeriesNames.HostCpuSeconds, LabelSet.Of(("mode", "busy")));
        Spin(TimeSpan.FromMilliseconds(300));
        collector.Collect(T.AddSeconds(1)).ShouldBeEmpty();

        Value(store, SeriesNames.HostCpuSeconds, LabelSet.Of(("mode", "busy"))).ShouldBeGreaterThan(busyBefore + 0.1);
        Value(store, SeriesNames.HostCpuSeconds, LabelSet.Of(("mode", "idle"))).ShouldBeGreaterThan(0);
        var cpus = File.ReadLines("/proc/stat").Count(l => l.StartsWith("cpu", StringComparison.Ordinal) && char.IsAsciiDigit(l[3]));
        Value(store, SeriesNames.HostCpus, LabelSet.Empty).ShouldBe(cpus);
        var total = Value(store, SeriesNames.HostMemoryTotal, LabelSet.Empty);
        total.ShouldBeGreaterThan(64d * 1024 * 1024);
        Value(store, SeriesNames.HostMemoryAvailable, LabelSet.Empty).ShouldBeInRange(1, total);
    }

    [Fact]
    public async Task TheDiskOfAPath_IsWhatDfReports()
    {
        using var data = new TempDirectory();
        var store = new SeriesStore(clock: new ManualClock(T));

        new HostCollector(store, [data.Path]).Collect(T).ShouldBeEmpty();

        var df = (await ProcessRunner.RunAsync("df", ["-B1", "--output=size,avail", data.Path], TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken)
            .DefaultTimeout()).EnsureSuccess();
        var numbers = df.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1]
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(n => double.Parse(n, CultureInfo.InvariantCulture)).ToList();
        var labels = LabelSet.Of(("path", data.Path));
        Value(store, SeriesNames.HostDiskTotal, labels).ShouldBe(numbers[0]);
        // Other processes write meanwhile.
        Value(store, SeriesNames.HostDiskFree, labels).ShouldBe(numbers[1], 256d * 1024 * 1024);
    }

    [Fact]
    public void WhatCannotBeRead_IsAProblem_AndHasNoSample()
    {
        using var proc = new TempDirectory();
        proc.Write("meminfo", "MemTotal: 100 kB\n");
        var store = new SeriesStore(clock: new ManualClock(T));

        var problems = new HostCollector(store, [proc.Combine("missing")], proc.Path).Collect(T);

        problems.Select(p => p.Message).ShouldSatisfyAllConditions(
            m => m.ShouldContain(x => x.Contains("stat", StringComparison.Ordinal)),
            m => m.ShouldContain(x => x.Contains("MemAvailable", StringComparison.Ordinal)),
            m => m.ShouldContain(x => x.Contains("missing", StringComparison.Ordinal)));
        problems.ShouldAllBe(p => p.Subject == "host");
        store.Latest(SeriesNames.HostCpuSeconds, LabelSet.Empty).ShouldBeEmpty();
        store.Latest(SeriesNames.HostDiskFree, LabelSet.Empty).ShouldBeEmpty();
        Value(store, SeriesNames.HostMemoryTotal, LabelSet.Empty).ShouldBe(102_400);
    }

    internal static double Value(SeriesStore store, string name, LabelSet labels) =>
        store.Latest(name, labels).ShouldHaveSingleItem($"one {name}{labels}").Value;

    internal static void Spin(TimeSpan cpu)
    {
        var start = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        var x = 0.0;
        while (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - start < cpu)
        {
            for (var i = 0; i < 100_000; i++)
            {
                x += Math.Sqrt(i);
            }
        }

        GC.KeepAlive(x);
    }
}
