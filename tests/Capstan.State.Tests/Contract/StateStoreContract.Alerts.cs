using Capstan.Testing;

namespace Capstan.State.Tests;

public abstract partial class StateStoreContract
{
    [Fact]
    public async Task UpsertAlert_ThenGet_RoundTripsTheLabels()
    {
        var alert = NewAlert("high-latency", "fp1", AlertStatus.Pending) with
        {
            Labels = new Dictionary<string, string> { ["service"] = "web", ["quote\"d"] = "ü ✓", ["empty"] = string.Empty },
        };

        await Store.Alerts.UpsertAsync(alert, Ct).DefaultTimeout();

        var stored = (await Store.Alerts.GetAsync("shop", "high-latency", "fp1", Ct).DefaultTimeout()).ShouldNotBeNull();
        stored.ShouldBe(alert with { Labels = stored.Labels });
        stored.Labels.OrderBy(p => p.Key, StringComparer.Ordinal).ShouldBe(alert.Labels.OrderBy(p => p.Key, StringComparer.Ordinal));
        (await Store.Alerts.GetAsync("shop", "high-latency", "fp2", Ct).DefaultTimeout()).ShouldBeNull();
    }

    [Fact]
    public async Task UpsertAlert_WithTheSameFingerprint_ReplacesTheState()
    {
        await Store.Alerts.UpsertAsync(NewAlert("high-latency", "fp1", AlertStatus.Pending), Ct).DefaultTimeout();
        var firing = NewAlert("high-latency", "fp1", AlertStatus.Firing) with { Value = null, LastEvaluatedAt = At(6) };

        await Store.Alerts.UpsertAsync(firing, Ct).DefaultTimeout();

        var all = await Store.Alerts.ListAsync("shop", Ct).DefaultTimeout();
        all.ShouldHaveSingleItem().Status.ShouldBe(AlertStatus.Firing);
        all[0].Value.ShouldBeNull();
        all[0].LastEvaluatedAt.ShouldBe(At(6));
    }

    [Fact]
    public async Task ListActive_ReturnsPendingAndFiringAlertsOnly()
    {
        await Store.Alerts.UpsertAsync(NewAlert("high-latency", "fp1", AlertStatus.Firing), Ct).DefaultTimeout();
        await Store.Alerts.UpsertAsync(NewAlert("high-latency", "fp2", AlertStatus.Resolved), Ct).DefaultTimeout();
        await Store.Alerts.UpsertAsync(NewAlert("error-rate", "fp1", AlertStatus.Pending), Ct).DefaultTimeout();
        await Store.Alerts.UpsertAsync(NewAlert("error-rate", "fp1", AlertStatus.Firing, app: "blog"), Ct).DefaultTimeout();

        (await Store.Alerts.ListActiveAsync("shop", Ct).DefaultTimeout()).Select(a => (a.Rule, a.Fingerprint))
            .ShouldBe([("error-rate", "fp1"), ("high-latency", "fp1")]);
        (await Store.Alerts.ListActiveAsync(null, Ct).DefaultTimeout()).Select(a => (a.App, a.Rule))
            .ShouldBe([("blog", "error-rate"), ("shop", "error-rate"), ("shop", "high-latency")]);
    }

    [Fact]
    public async Task ListAlerts_ReturnsEveryStateOfTheApp_ResolvedIncluded()
    {
        await Store.Alerts.UpsertAsync(NewAlert("high-latency", "fp2", AlertStatus.Resolved), Ct).DefaultTimeout();
        await Store.Alerts.UpsertAsync(NewAlert("high-latency", "fp1", AlertStatus.Firing), Ct).DefaultTimeout();
        await Store.Alerts.UpsertAsync(NewAlert("error-rate", "fp1", AlertStatus.Firing, app: "blog"), Ct).DefaultTimeout();

        var alerts = await Store.Alerts.ListAsync("shop", Ct).DefaultTimeout();

        alerts.Select(a => (a.Fingerprint, a.Status)).ShouldBe([("fp1", AlertStatus.Firing), ("fp2", AlertStatus.Resolved)]);
        alerts[1].ResolvedAt.ShouldBe(At(5));
        alerts[1].ActiveSince.ShouldBeNull();
    }
}
