using Capstan.Testing;

namespace Capstan.State.Tests;

public abstract partial class StateStoreContract
{
    [Fact]
    public async Task AppendNotification_ThenListRecent_RoundTripsEveryField()
    {
        var delivered = NewNotification("ntf_1", minute: 1);
        var failed = NewNotification("ntf_2", minute: 2) with
        {
            Status = NotificationStatus.Resolved,
            Attempt = 3,
            Outcome = NotificationOutcome.Failed,
            Error = "POST https://hooks.example/*** returned 503",
        };

        await Store.Notifications.AppendAsync(delivered, Ct).DefaultTimeout();
        await Store.Notifications.AppendAsync(failed, Ct).DefaultTimeout();

        (await Store.Notifications.ListRecentAsync("shop", null, 10, Ct).DefaultTimeout()).ShouldBe([failed, delivered]);
    }

    [Fact]
    public async Task ListRecentNotifications_NewestFirst_ByAppAndReceiver_AndBounded()
    {
        await Store.Notifications.AppendAsync(NewNotification("ntf_a", minute: 1), Ct).DefaultTimeout();
        await Store.Notifications.AppendAsync(NewNotification("ntf_b", minute: 3) with { Receiver = "chat" }, Ct).DefaultTimeout();
        await Store.Notifications.AppendAsync(NewNotification("ntf_c", minute: 2) with { App = "blog" }, Ct).DefaultTimeout();
        await Store.Notifications.AppendAsync(NewNotification("ntf_d", minute: 3), Ct).DefaultTimeout();

        async Task<IEnumerable<string>> Ids(string? app, string? receiver, int limit = 10) =>
            (await Store.Notifications.ListRecentAsync(app, receiver, limit, Ct).DefaultTimeout()).Select(n => n.Id);

        (await Ids("shop", null)).ShouldBe(["ntf_d", "ntf_b", "ntf_a"]);
        (await Ids(null, null)).ShouldBe(["ntf_d", "ntf_b", "ntf_c", "ntf_a"]);
        (await Ids("shop", "pager")).ShouldBe(["ntf_d", "ntf_a"]);
        (await Ids(null, null, limit: 2)).ShouldBe(["ntf_d", "ntf_b"]);
        await Should.ThrowAsync<ArgumentOutOfRangeException>(() => Ids(null, null, limit: 0));
    }

    [Fact]
    public async Task PruneNotifications_DeletesTheOlderEntries()
    {
        await Store.Notifications.AppendAsync(NewNotification("ntf_a", minute: 1), Ct).DefaultTimeout();
        await Store.Notifications.AppendAsync(NewNotification("ntf_b", minute: 2), Ct).DefaultTimeout();
        await Store.Notifications.AppendAsync(NewNotification("ntf_c", minute: 3), Ct).DefaultTimeout();

        (await Store.Notifications.PruneAsync(At(2), Ct).DefaultTimeout()).ShouldBe(1);

        (await Store.Notifications.ListRecentAsync(null, null, 10, Ct).DefaultTimeout()).Select(n => n.Id).ShouldBe(["ntf_c", "ntf_b"]);
    }

    [Fact]
    public async Task Notifications_StoreStatusAndOutcomeAsLowercaseNames_AndRefuseAttemptZero()
    {
        foreach (var (outcome, i) in Enum.GetValues<NotificationOutcome>().Select((o, i) => (o, i)))
        {
            await Store.Notifications.AppendAsync(NewNotification($"ntf_{i}") with { Outcome = outcome, Status = (NotificationStatus)(i % 2) }, Ct).DefaultTimeout();
        }

        (await Store.Notifications.ListRecentAsync(null, null, 10, Ct).DefaultTimeout()).Select(n => n.Outcome).Order()
            .ShouldBe(Enum.GetValues<NotificationOutcome>());
        (await ScalarSqlAsync(Store, "SELECT COUNT(*) FROM capstan_notifications WHERE outcome IN ('delivered', 'failed', 'retrying') AND status IN ('firing', 'resolved')"))
            .ShouldBe(3);
        await Should.ThrowAsync<ArgumentOutOfRangeException>(
            () => Store.Notifications.AppendAsync(NewNotification("ntf_x") with { Attempt = 0 }, Ct).DefaultTimeout());
    }

    protected static NotificationDelivery NewNotification(string id, int minute = 0) => new()
    {
        Id = id,
        App = "shop",
        Receiver = "pager",
        GroupKey = "{alertname=\"high-errors\",env=\"production\"}",
        Status = NotificationStatus.Firing,
        Attempt = 1,
        Outcome = NotificationOutcome.Delivered,
        At = At(minute),
    };
}
