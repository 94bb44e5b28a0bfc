using System.Globalization;
using Capstan.Runtime.Logs;
using Capstan.Runtime.Tests.Support;
using Capstan.Testing;

namespace Capstan.Runtime.Tests.Logs;

public class InstanceLogsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Lines_AreStampedWithTheTimeAndStream_InTheFileFormat()
    {
        using var temp = new TempDirectory();
        var clock = new ManualTimeProvider();
        using (var writer = new RotatingLogWriter(temp.Combine("i-1", "logs"), 10_000, 5, clock))
        {
            writer.Append("stdout", "hello world");
            clock.Advance(TimeSpan.FromMilliseconds(1234));
            writer.Append("stderr", "oops");
        }

        File.ReadAllText(temp.Combine("i-1", "logs", "current.log")).ShouldBe(
            "2030-01-01T12:00:00.000Z stdout hello world\n2030-01-01T12:00:01.234Z stderr oops\n");
        var entries = await ReadAllAsync(temp.Combine("i-1"), new LogQuery());
        entries.Select(e => (e.Time, e.Stream, e.Text)).ShouldBe(
        [
            (new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero), "stdout", "hello world"),
            (new DateTimeOffset(2030, 1, 1, 12, 0, 1, 234, TimeSpan.Zero), "stderr", "oops"),
        ]);
    }

    [Fact]
    public async Task Rotation_KeepsTheNewestFiles_AndReadingGoesThroughThemInOrder()
    {
        using var temp = new TempDirectory();
        var logs = temp.Combine("i-1", "logs");
        using (var writer = new RotatingLogWriter(logs, maxBytes: 400, filesKept: 3, TimeProvider.System))
        {
            for (var i = 0; i < 60; i++)
            {
                writer.Append("stdout", Line(i));
            }
        }

        Directory.GetFiles(logs).Select(Path.GetFileName).ShouldBe(["1.log", "2.log", "current.log"], ignoreOrder: true);
        Directory.GetFiles(logs).ShouldAllBe(f => new FileInfo(f).Length <= 400);
        var numbers = (await ReadAllAsync(temp.Combine("i-1"), new LogQuery())).Select(e => Number(e.Text)).ToList();
        numbers[^1].ShouldBe(59);
        numbers[0].ShouldBeGreaterThan(0, "the oldest lines went with the file rotated out");
        numbers.ShouldBe(Enumerable.Range(numbers[0], numbers.Count), "rotated files first, oldest first, then current.log");
    }

    [Fact]
    public async Task Since_LeavesOutOlderLines()
    {
        using var temp = new TempDirectory();
        var clock = new ManualTimeProvider();
        var start = clock.GetUtcNow();
        using (var writer = new RotatingLogWriter(temp.Combine("i-1", "logs"), 10_000, 5, clock))
        {
            writer.Append("stdout", "an hour ago");
            clock.Advance(TimeSpan.FromMinutes(55));
            writer.Append("stdout", "five minutes ago");
            clock.Advance(TimeSpan.FromMinutes(5));
            writer.Append("stdout", "now");
        }

        var entries = await ReadAllAsync(temp.Combine("i-1"), new LogQuery { Since = start + TimeSpan.FromMinutes(50) });

        entries.Select(e => e.Text).ShouldBe(["five minutes ago", "now"]);
    }

    [Fact]
    public async Task Follow_TailsNewLines_AcrossRotations_WithoutLosingOrRepeatingAny()
    {
        using var temp = new TempDirectory();
        var logs = temp.Combine("i-1", "logs");
        using var writer = new RotatingLogWriter(logs, maxBytes: 300, filesKept: 5, TimeProvider.System);
        writer.Append("stdout", Line(0));
        writer.Flush();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var seen = new List<int>();
        var following = Task.Run(async () =>
        {
            await foreach (var entry in InstanceLogs.ReadAsync(temp.Combine("i-1"), new LogQuery { Follow = true, PollInterval = TimeSpan.FromMilliseconds(10) }, stop.Token))
            {
                lock (seen)
                {
                    seen.Add(Number(entry.Text));
                }
            }
        }, Ct);

        for (var i = 1; i < 40; i++)
        {
            writer.Append("stdout", Line(i));
            writer.Flush();
            if (i % 4 == 0)
            {
                // Let the follower catch up now and then, so that it sees rotations one at a time, as it would at any real rate.
                var upTo = i;
                await Poll.UntilAsync(() => { lock (seen) { return seen.Count > upTo; } }, $"the follower read line {upTo}", Ct);
            }
        }

        await Poll.UntilAsync(() => { lock (seen) { return seen.Count >= 40; } }, "the follower read 40 lines", Ct);
        await stop.CancelAsync();
        await following.DefaultTimeout();
        seen.ShouldBe(Enumerable.Range(0, 40));
        Directory.GetFiles(logs).Length.ShouldBeGreaterThan(2, "the lines went through several rotations");
    }

    [Fact]
    public async Task Follow_EndsWhenTheInstanceIsRemoved()
    {
        using var temp = new TempDirectory();
        using (var writer = new RotatingLogWriter(temp.Combine("i-1", "logs"), 10_000, 5, TimeProvider.System))
        {
            writer.Append("stdout", "last words");
        }

        var reading = ReadAllAsync(temp.Combine("i-1"), new LogQuery { Follow = true, PollInterval = TimeSpan.FromMilliseconds(10) });
        Directory.Delete(temp.Combine("i-1"), recursive: true);

        (await reading.DefaultTimeout()).Select(e => e.Text).ShouldBe(["last words"]);
    }

    [Fact]
    public async Task Merge_OrdersTheLinesOfSeveralInstancesByTime_EachWithItsInstanceId()
    {
        using var temp = new TempDirectory();
        var clock = new ManualTimeProvider();
        using (var a = new RotatingLogWriter(temp.Combine("i-a", "logs"), 10_000, 5, clock))
        using (var b = new RotatingLogWriter(temp.Combine("i-b", "logs"), 10_000, 5, clock))
        {
            a.Append("stdout", "a1");
            clock.Advance(TimeSpan.FromSeconds(1));
            b.Append("stdout", "b1");
            clock.Advance(TimeSpan.FromSeconds(1));
            b.Append("stderr", "b2");
            clock.Advance(TimeSpan.FromSeconds(1));
            a.Append("stdout", "a2");
            b.Append("stdout", "b3"); // same time as a2: the order of the sources decides
        }

        var merged = new List<LogEntry>();
        await foreach (var entry in InstanceLogs.MergeAsync(
            [new LogSource { InstanceId = "i-a", InstanceDirectory = temp.Combine("i-a") }, new LogSource { InstanceId = "i-b", InstanceDirectory = temp.Combine("i-b") }],
            new LogQuery(),
            Ct))
        {
            merged.Add(entry);
        }

        merged.Select(e => $"{e.InstanceId}:{e.Text}").ShouldBe(["i-a:a1", "i-b:b1", "i-b:b2", "i-a:a2", "i-b:b3"]);
        merged[2].ToString().ShouldBe("i-b 2030-01-01T12:00:02.000Z stderr b2");
    }

    [Fact]
    public async Task LinesNotInTheLogFormat_AreSkipped()
    {
        using var temp = new TempDirectory();
        temp.Write("i-1/logs/current.log", "garbage\n2030-01-01T12:00:00.000Z stdout fine\nnot-a-time stdout x\n");

        var entries = await ReadAllAsync(temp.Combine("i-1"), new LogQuery());

        entries.Select(e => e.Text).ShouldBe(["fine"]);
    }

    private static string Line(int number) => string.Create(CultureInfo.InvariantCulture, $"line {number:0000} padding-padding-padding");

    private static int Number(string text) => int.Parse(text.AsSpan(5, 4), CultureInfo.InvariantCulture);

    private static async Task<List<LogEntry>> ReadAllAsync(string instanceDirectory, LogQuery query)
    {
        var entries = new List<LogEntry>();
        await foreach (var entry in InstanceLogs.ReadAsync(instanceDirectory, query, Ct))
        {
            entries.Add(entry);
        }

        return entries;
    }
}
