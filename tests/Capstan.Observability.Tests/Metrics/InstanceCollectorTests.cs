using System.Diagnostics;
using Capstan.Observability.Metrics;
using Capstan.Testing;
using static Capstan.Observability.Tests.Metrics.HostCollectorTests;

namespace Capstan.Observability.Tests.Metrics;

public sealed class InstanceCollectorTests
{
    private static readonly DateTimeOffset T = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void TheTestProcessItself_ItsCpuTimeAndResidentMemory_AsTheRuntimeSeesThem()
    {
        var store = new SeriesStore(clock: new ManualClock(T));
        var collector = new InstanceCollector(store);
        var target = Target(Environment.ProcessId) with { CpuLimitCores = 0.5, MemoryLimitBytes = 1L << 30, Restarts = 2 };
        using var self = Process.GetCurrentProcess();
        Spin(TimeSpan.FromMilliseconds(100));

        var before = self.TotalProcessorTime.TotalSeconds;
        collector.Collect([target], T).ShouldBeEmpty();
        self.Refresh();
        var after = self.TotalProcessorTime.TotalSeconds;

        var labels = Labels(target);
        // /proc/PID/stat counts in 10 ms ticks (USER_HZ 100) and each thread's time is rounded down to one; the
        // runtime asks getrusage, to the microsecond.
        Value(store, SeriesNames.InstanceCpuSeconds, labels).ShouldBeInRange(before - 0.1, after + 0.01);
        Value(store, SeriesNames.InstanceMemory, labels).ShouldBe(self.WorkingSet64, self.WorkingSet64 * 0.2);
        Value(store, SeriesNames.InstanceUp, labels).ShouldBe(1);
        Value(store, SeriesNames.InstanceRestarts, labels).ShouldBe(2);
        Value(store, SeriesNames.InstanceCpuLimit, labels).ShouldBe(0.5);
        Value(store, SeriesNames.InstanceMemoryLimit, labels).ShouldBe(1L << 30);
    }

    [Fact]
    public async Task AChildProcess_IsMeasuredWhileItRuns_AndDownWithAProblemOnceItIsGone()
    {
        var store = new SeriesStore(clock: new ManualClock(T));
        var collector = new InstanceCollector(store);
        using var sleep = Process.Start(new ProcessStartInfo("sleep", "30") { UseShellExecute = false })!;
        var target = Target(sleep.Id);
        var labels = Labels(target);
        try
        {
            collector.Collect([target], T).ShouldBeEmpty();

            Value(store, SeriesNames.InstanceUp, labels).ShouldBe(1);
            Value(store, SeriesNames.InstanceCpuSeconds, labels).ShouldBeInRange(0, 0.5);
            Value(store, SeriesNames.InstanceMemory, labels).ShouldBeInRange(1, 64d * 1024 * 1024);
            store.Latest(SeriesNames.InstanceCpuLimit, LabelSet.Empty).ShouldBeEmpty("no limit declared, no limit series");
        }
        finally
        {
            sleep.Kill();
            await sleep.WaitForExitAsync(TestContext.Current.CancellationToken).DefaultTimeout();
        }

        var problems = collector.Collect([target], T.AddSeconds(10));

        problems.ShouldHaveSingleItem().Subject.ShouldBe("instance production/api/i-1");
        problems[0].Message.ShouldContain($"process {sleep.Id}");
        var up = store.Latest(SeriesNames.InstanceUp, labels).ShouldHaveSingleItem();
        (up.Value, up.Timestamp).ShouldBe((0d, T.AddSeconds(10)));
        store.Latest(SeriesNames.InstanceMemory, labels).ShouldHaveSingleItem().Timestamp.ShouldBe(T, "no new memory sample");
    }

    [Fact]
    public void AnInstanceNotReady_OrWithoutAProcess_IsDown()
    {
        var store = new SeriesStore(clock: new ManualClock(T));
        var notReady = Target(Environment.ProcessId) with { Instance = "i-1", Ready = false };
        var noProcess = Target(null) with { Instance = "i-2" };

        new InstanceCollector(store).Collect([notReady, noProcess], T).ShouldBeEmpty();

        Value(store, SeriesNames.InstanceUp, Labels(notReady)).ShouldBe(0);
        Value(store, SeriesNames.InstanceUp, Labels(noProcess)).ShouldBe(0);
        store.Latest(SeriesNames.InstanceCpuSeconds, Labels(notReady)).ShouldHaveSingleItem();
        store.Latest(SeriesNames.InstanceCpuSeconds, Labels(noProcess)).ShouldBeEmpty();
    }

    [Fact]
    public void AProcessNameWithSpacesAndParentheses_DoesNotShiftTheFields()
    {
        using var proc = new TempDirectory();
        // Fields 14 and 15 (utime, stime) are 250 and 50 ticks.
        proc.Write("42/stat", "42 (my (odd) app) S 1 42 42 0 -1 4194560 500 0 0 0 250 50 0 0 20 0 4 0 1000 100000 2000 18446744073709551615\n");
        proc.Write("42/status", "Name:\tmy (odd) app\nVmPeak:\t  9000 kB\nVmRSS:\t    2048 kB\nThreads:\t4\n");
        var store = new SeriesStore(clock: new ManualClock(T));
        var target = Target(42);

        new InstanceCollector(store, proc.Path).Collect([target], T).ShouldBeEmpty();

        Value(store, SeriesNames.InstanceCpuSeconds, Labels(target)).ShouldBe(3, 1e-9);
        Value(store, SeriesNames.InstanceMemory, Labels(target)).ShouldBe(2048 * 1024);
    }

    private static InstanceTarget Target(int? pid) => new()
    {
        Env = "production",
        Service = "api",
        Version = "7",
        Instance = "i-1",
        Pid = pid,
        Ready = true,
        Restarts = 0,
    };

    private static LabelSet Labels(InstanceTarget t) =>
        LabelSet.Of(("env", t.Env), ("service", t.Service), ("version", t.Version), ("instance", t.Instance));
}
