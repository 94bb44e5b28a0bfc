using Capstan.Observability.Alerting;
using Capstan.Secrets.Masking;
using Capstan.Testing;

namespace Capstan.Observability.Tests.Alerting;

public sealed class DeliveryQueueTests
{
    private const string Secret = "tok-9f8e7d6c5b4a";

    private static readonly HttpClient Http = new();
    private static readonly SecretMasker Masker = SecretMasker.Create([Secret]);

    private readonly ManualClock _clock = new();

    [Fact]
    public async Task AReceiverAnswering500Twice_GetsTheNotificationAtTheThirdAttempt_AfterOneAndTwoSeconds()
    {
        await using var server = new RecordingHttpServer(500, 500);
        var queue = new DeliveryQueue(Receivers(("ops", new WebhookReceiver(server.Url("/hook?token=" + Secret), Masker, Http))), Masker);
        var recorded = new List<DeliveryAttempt>();
        queue.Attempted += recorded.Add;
        var start = _clock.GetUtcNow();
        queue.Enqueue([ReceiverTests.Sample()], start);

        var attempts = new List<DeliveryAttempt>();
        for (var second = 0; second <= 10; second++)
        {
            attempts.AddRange(await queue.RunDueAsync(start + TimeSpan.FromSeconds(second), TestContext.Current.CancellationToken).DefaultTimeout());
        }

        attempts.Select(a => (a.At - start, a.Attempt, a.Status)).ShouldBe([
            (TimeSpan.Zero, 1, DeliveryStatus.Retrying),
            (TimeSpan.FromSeconds(1), 2, DeliveryStatus.Retrying),
            (TimeSpan.FromSeconds(3), 3, DeliveryStatus.Delivered),
        ]);
        attempts[0].NextAttemptAt.ShouldBe(start + TimeSpan.FromSeconds(1));
        attempts[0].Error.ShouldNotBeNull().ShouldContain("answered 500");
        attempts.ShouldAllBe(a => a.Receiver == "ops" && a.NotificationStatus == NotificationStatus.Firing);
        server.Requests.Count.ShouldBe(3);
        queue.PendingCount.ShouldBe(0);
        queue.Log.ShouldBe(attempts);
        recorded.ShouldBe(attempts);
        queue.Log.ShouldAllBe(a => a.Error == null || !a.Error.Contains(Secret));
        queue.Log.Where(a => a.Error != null).ShouldAllBe(a => a.Error!.Contains("token=***"));
    }

    [Fact]
    public async Task Failures_AreRetriedWithDoublingBackoff_UntilTheAttemptsOrTheTimeRunOut()
    {
        var failing = FakeReceiver.Of(_ => DeliveryResult.Failure("down"));
        var queue = new DeliveryQueue(Receivers(("ops", failing)), Masker);
        var start = _clock.GetUtcNow();
        queue.Enqueue([ReceiverTests.Sample()], start);

        var attempts = await RunAsync(queue, start, TimeSpan.FromMinutes(10));

        attempts.Select(a => (a.At - start).TotalSeconds).ShouldBe([0, 1, 3, 7, 15, 31, 63, 123, 183, 243]);
        attempts.Select(a => a.Attempt).ShouldBe(Enumerable.Range(1, 10));
        attempts[^1].Status.ShouldBe(DeliveryStatus.GaveUp);
        attempts[^1].NextAttemptAt.ShouldBeNull();
        attempts.SkipLast(1).ShouldAllBe(a => a.Status == DeliveryStatus.Retrying);
        queue.PendingCount.ShouldBe(0);

        var shortLived = new DeliveryQueue(Receivers(("ops", failing)), Masker, new DeliveryOptions { MaxAttempts = 100, GiveUpAfter = TimeSpan.FromSeconds(20) });
        shortLived.Enqueue([ReceiverTests.Sample()], start);
        (await RunAsync(shortLived, start, TimeSpan.FromMinutes(1))).Select(a => (a.At - start).TotalSeconds).ShouldBe([0, 1, 3, 7, 15]);
    }

    [Fact]
    public async Task AFailureThatARetryCannotMend_IsGivenUpAtOnce()
    {
        var queue = new DeliveryQueue(Receivers(("ops", FakeReceiver.Of(_ => DeliveryResult.Failure("404", retryable: false)))), Masker);
        var notification = ReceiverTests.Sample();
        queue.Enqueue([notification, notification with { Receiver = "nobody" }], _clock.GetUtcNow());

        var attempts = await queue.RunDueAsync(_clock.GetUtcNow(), TestContext.Current.CancellationToken).DefaultTimeout();

        attempts.ShouldAllBe(a => a.Status == DeliveryStatus.GaveUp && a.Attempt == 1);
        attempts.Single(a => a.Receiver == "nobody").Error.ShouldBe("there is no channel 'nobody'; known: ops");
    }

    [Fact]
    public async Task AReceiverThatThrowsOrHangs_DoesNotHoldBackTheOthers()
    {
        var release = new TaskCompletionSource<DeliveryResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var queue = new DeliveryQueue(
            Receivers(
                ("broken", FakeReceiver.Of(_ => throw new InvalidOperationException($"bug with {Secret}"))),
                ("slow", new FakeReceiver(_ => release.Task)),
                ("chat", FakeReceiver.Of(_ => DeliveryResult.Success))),
            Masker);
        var ended = new List<string>();
        queue.Attempted += a => { lock (ended) { ended.Add(a.Receiver); } };
        var notification = ReceiverTests.Sample();
        queue.Enqueue([notification with { Receiver = "broken" }, notification with { Receiver = "slow" }, notification with { Receiver = "chat" }], _clock.GetUtcNow());

        var run = queue.RunDueAsync(_clock.GetUtcNow(), TestContext.Current.CancellationToken);
        await Poll.UntilAsync(() => { lock (ended) { return ended.Count == 2; } }, "the broken and the chat receivers' attempts end", TestContext.Current.CancellationToken);
        release.SetResult(DeliveryResult.Success);
        var attempts = await run.DefaultTimeout();

        ended.ShouldBe(["broken", "chat", "slow"], ignoreOrder: true);
        ended[^1].ShouldBe("slow", "the hanging receiver ends last, after the others were recorded");
        var broken = attempts.Single(a => a.Receiver == "broken");
        broken.Status.ShouldBe(DeliveryStatus.Retrying);
        broken.Error.ShouldBe("FakeReceiver failed: InvalidOperationException: bug with ***");
        attempts.Where(a => a.Receiver != "broken").ShouldAllBe(a => a.Status == DeliveryStatus.Delivered);
    }

    [Fact]
    public async Task ANewerNotificationForTheSameGroup_ReplacesOneWaitingForARetry()
    {
        var results = new Queue<DeliveryResult>([DeliveryResult.Failure("down"), DeliveryResult.Success]);
        var sent = new List<Notification>();
        var queue = new DeliveryQueue(Receivers(("ops", FakeReceiver.Of(n => { sent.Add(n); return results.Dequeue(); }))), Masker);
        var firing = ReceiverTests.Sample();
        var resolved = firing with { Status = NotificationStatus.Resolved, Alerts = [.. firing.Resolved] };
        var start = _clock.GetUtcNow();
        queue.Enqueue([firing], start);
        await queue.RunDueAsync(start, TestContext.Current.CancellationToken).DefaultTimeout();

        queue.Enqueue([resolved], start + TimeSpan.FromMilliseconds(500));
        await RunAsync(queue, start + TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(10));

        sent.ShouldBe([firing, resolved]);
        queue.PendingCount.ShouldBe(0);
    }

    [Fact]
    public async Task TheLog_KeepsTheLatestAttemptsOnly()
    {
        var queue = new DeliveryQueue(Receivers(("ops", FakeReceiver.Of(_ => DeliveryResult.Success))), Masker, new DeliveryOptions { LogCapacity = 3 });
        var notification = ReceiverTests.Sample();
        for (var i = 0; i < 5; i++)
        {
            queue.Enqueue([notification with { GroupKey = $"g{i}" }], _clock.GetUtcNow());
            await queue.RunDueAsync(_clock.GetUtcNow(), TestContext.Current.CancellationToken).DefaultTimeout();
        }

        queue.Log.Select(a => a.GroupKey).ShouldBe(["g2", "g3", "g4"]);
    }

    [Fact]
    public void Backoff_DoublesFromOneSecond_UpToAMinute()
    {
        var options = new DeliveryOptions();
        Enumerable.Range(1, 8).Select(options.BackoffAfter).Select(t => t.TotalSeconds).ShouldBe([1, 2, 4, 8, 16, 32, 60, 60]);
    }

    [Fact]
    public async Task AQueueHandedOver_PassesItsRetriesOn_ToTheNewChannels_WithTheirAttemptsSoFar()
    {
        await using var old = new RecordingHttpServer(500);
        await using var moved = new RecordingHttpServer();
        var first = new DeliveryQueue(Receivers(("ops", new WebhookReceiver(old.Url("/old"), Masker, Http)), ("gone", FakeReceiver.Of(_ => DeliveryResult.Failure("down")))), Masker);
        var start = _clock.GetUtcNow();
        first.Enqueue([ReceiverTests.Sample(), ReceiverTests.Sample() with { Receiver = "gone" }], start);
        (await first.RunDueAsync(start, TestContext.Current.CancellationToken).DefaultTimeout()).ShouldAllBe(a => a.Status == DeliveryStatus.Retrying);

        // capstan.yaml changed: 'ops' has a new URL, 'gone' was removed.
        var second = new DeliveryQueue(Receivers(("ops", new WebhookReceiver(moved.Url("/new"), Masker, Http))), Masker);
        first.HandOver(second);

        first.PendingCount.ShouldBe(0);
        second.PendingCount.ShouldBe(2);
        (await second.RunDueAsync(start + TimeSpan.FromMilliseconds(500), TestContext.Current.CancellationToken).DefaultTimeout()).ShouldBeEmpty("not due before its backoff");
        var attempts = await second.RunDueAsync(start + TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken).DefaultTimeout();

        attempts.OrderBy(a => a.Receiver, StringComparer.Ordinal).Select(a => (a.Receiver, a.Attempt, a.Status)).ShouldBe([
            ("gone", 2, DeliveryStatus.GaveUp),
            ("ops", 2, DeliveryStatus.Delivered),
        ]);
        attempts.Single(a => a.Receiver == "gone").Error.ShouldNotBeNull().ShouldStartWith("there is no channel 'gone'");
        moved.Requests.ShouldHaveSingleItem().PathAndQuery.ShouldBe("/new");
        old.Requests.Count.ShouldBe(1);
        second.PendingCount.ShouldBe(0);
    }

    [Fact]
    public async Task ARetryInFlightAtTheHandOver_FollowsWhenItsAttemptEnds()
    {
        var release = new TaskCompletionSource();
        var blocking = new FakeReceiver(async _ =>
        {
            await release.Task;
            return DeliveryResult.Failure("down");
        });
        var first = new DeliveryQueue(Receivers(("ops", blocking)), Masker);
        var start = _clock.GetUtcNow();
        first.Enqueue([ReceiverTests.Sample()], start);
        var running = first.RunDueAsync(start, TestContext.Current.CancellationToken);

        var delivered = new List<Notification>();
        var second = new DeliveryQueue(Receivers(("ops", FakeReceiver.Of(n =>
        {
            delivered.Add(n);
            return DeliveryResult.Success;
        }))), Masker);
        first.HandOver(second);
        second.PendingCount.ShouldBe(0, "the one in flight stays with its attempt");
        release.SetResult();
        (await running.DefaultTimeout()).ShouldHaveSingleItem().Status.ShouldBe(DeliveryStatus.Retrying);

        second.PendingCount.ShouldBe(1);
        first.PendingCount.ShouldBe(0);
        (await second.RunDueAsync(start + TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken).DefaultTimeout()).ShouldHaveSingleItem().Attempt.ShouldBe(2);
        delivered.ShouldHaveSingleItem();
    }

    private static Dictionary<string, INotificationReceiver> Receivers(params (string Name, INotificationReceiver Receiver)[] receivers) =>
        receivers.ToDictionary(r => r.Name, r => r.Receiver);

    /// <summary>Runs the queue every second of <paramref name="length"/> and returns every attempt.</summary>
    private static async Task<List<DeliveryAttempt>> RunAsync(DeliveryQueue queue, DateTimeOffset from, TimeSpan length)
    {
        var attempts = new List<DeliveryAttempt>();
        for (var now = from; now <= from + length; now += TimeSpan.FromSeconds(1))
        {
            attempts.AddRange(await queue.RunDueAsync(now, TestContext.Current.CancellationToken).DefaultTimeout());
        }

        return attempts;
    }

    private sealed class FakeReceiver(Func<Notification, Task<DeliveryResult>> send) : INotificationReceiver
    {
        public static FakeReceiver Of(Func<Notification, DeliveryResult> send) => new(n => Task.FromResult(send(n)));

        public Task<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken) => send(notification);
    }
}
