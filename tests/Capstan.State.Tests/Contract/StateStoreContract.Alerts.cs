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

    [Fact]
    public async Task AcknowledgeAlert_WhenFiring_RecordsWhoAndWhen()
    {
        await Store.Alerts.UpsertAsync(NewAlert("high-latency", "fp1", AlertStatus.Firing), Ct).DefaultTimeout();

        var acknowledged = await Store.Alerts.AcknowledgeAsync("shop", "high-latency", "fp1", At(6), "ana", Ct).DefaultTimeout();

        (acknowledged.AcknowledgedAt, acknowledged.AcknowledgedBy).ShouldBe((At(6), "ana"));
        acknowledged.ShouldBe(NewAlert("high-latency", "fp1", AlertStatus.Firing) with { Labels = acknowledged.Labels, AcknowledgedAt = At(6), AcknowledgedBy = "ana" });
        var stored = (await Store.Alerts.GetAsync("shop", "high-latency", "fp1", Ct).DefaultTimeout()).ShouldNotBeNull();
        (stored.AcknowledgedAt, stored.AcknowledgedBy).ShouldBe((At(6), "ana"));
    }

    [Fact]
    public async Task AcknowledgeAlert_ThatIsNotFiring_AcknowledgedAlready_OrUnknown_FailsSayingWhy()
    {
        await Store.Alerts.UpsertAsync(NewAlert("high-latency", "fp1", AlertStatus.Firing), Ct).DefaultTimeout();
        await Store.Alerts.UpsertAsync(NewAlert("high-latency", "fp2", AlertStatus.Resolved), Ct).DefaultTimeout();
        await Store.Alerts.UpsertAsync(NewAlert("high-latency", "fp3", AlertStatus.Pending), Ct).DefaultTimeout();
        await Store.Alerts.AcknowledgeAsync("shop", "high-latency", "fp1", At(6), "ana", Ct).DefaultTimeout();

        async Task<string> Refusal(string fingerprint) =>
            (await Should.ThrowAsync<StateStoreException>(
                () => Store.Alerts.AcknowledgeAsync("shop", "high-latency", fingerprint, At(7), "ben", Ct).DefaultTimeout())).Message;

        (await Refusal("fp1")).ShouldBe("cannot acknowledge alert high-latency/fp1 of shop: it is already acknowledged by ana");
        (await Refusal("fp2")).ShouldBe("cannot acknowledge alert high-latency/fp2 of shop: it is resolved, not firing");
        (await Refusal("fp3")).ShouldBe("cannot acknowledge alert high-latency/fp3 of shop: it is pending, not firing");
        (await Refusal("fp9")).ShouldBe("there is no alert high-latency/fp9 of shop");
        (await Store.Alerts.GetAsync("shop", "high-latency", "fp1", Ct).DefaultTimeout()).ShouldNotBeNull().AcknowledgedBy.ShouldBe("ana");
    }

    [Fact]
    public async Task UpsertAlert_KeepsTheAcknowledgementOfTheSameFiring_AndThroughItsResolution_ButNotIntoTheNextFiring()
    {
        var firing = NewAlert("high-latency", "fp1", AlertStatus.Firing);
        await Store.Alerts.UpsertAsync(firing, Ct).DefaultTimeout();
        await Store.Alerts.AcknowledgeAsync("shop", "high-latency", "fp1", At(6), "ana", Ct).DefaultTimeout();

        // The caller's acknowledgement fields are ignored: the evaluator does not know them.
        await Store.Alerts.UpsertAsync(firing with { LastEvaluatedAt = At(7), AcknowledgedAt = null, AcknowledgedBy = null }, Ct).DefaultTimeout();
        (await Store.Alerts.GetAsync("shop", "high-latency", "fp1", Ct).DefaultTimeout()).ShouldNotBeNull().AcknowledgedBy.ShouldBe("ana");

        await Store.Alerts.UpsertAsync(NewAlert("high-latency", "fp1", AlertStatus.Resolved), Ct).DefaultTimeout();
        (await Store.Alerts.GetAsync("shop", "high-latency", "fp1", Ct).DefaultTimeout()).ShouldNotBeNull().AcknowledgedAt.ShouldBe(At(6));

        await Store.Alerts.UpsertAsync(firing with { ActiveSince = At(30), LastEvaluatedAt = At(30) }, Ct).DefaultTimeout();
        var again = (await Store.Alerts.GetAsync("shop", "high-latency", "fp1", Ct).DefaultTimeout()).ShouldNotBeNull();
        (again.AcknowledgedAt, again.AcknowledgedBy).ShouldBe((null, null));

        await Store.Alerts.UpsertAsync(NewAlert("high-latency", "fp2", AlertStatus.Firing) with { AcknowledgedAt = At(1), AcknowledgedBy = "eve" }, Ct).DefaultTimeout();
        (await Store.Alerts.GetAsync("shop", "high-latency", "fp2", Ct).DefaultTimeout()).ShouldNotBeNull().AcknowledgedAt.ShouldBeNull();
    }

    [Fact]
    public async Task Upgrade_FromSchema4_KeepsAlerts_WithoutAcknowledgement_AndAddsTheIncidentTables()
    {
        var location = await CreateLocationAsync();
        await using (var old = await StateStore.OpenWithMigrationsAsync(location, Migrations.All.Take(4).ToArray(), TimeProvider.System, Ct).DefaultTimeout())
        {
            await ExecuteSqlAsync(old, $$"""
                INSERT INTO capstan_alerts (app, rule, fingerprint, status, severity, active_since, resolved_at, last_evaluated_at, value, labels)
                VALUES ('shop', 'high-latency', 'fp1', 'firing', 'critical', {{T0.ToUnixTimeMilliseconds()}}, NULL, {{T0.ToUnixTimeMilliseconds()}}, 0.5, '{"service":"web"}')
                """);
        }

        await using var store = await OpenAsync(location);

        var alert = (await store.Alerts.GetAsync("shop", "high-latency", "fp1", Ct).DefaultTimeout()).ShouldNotBeNull();
        (alert.Status, alert.AcknowledgedAt, alert.AcknowledgedBy).ShouldBe((AlertStatus.Firing, null, null));
        (await store.Alerts.AcknowledgeAsync("shop", "high-latency", "fp1", At(1), "ana", Ct).DefaultTimeout()).AcknowledgedBy.ShouldBe("ana");
        await store.Incidents.CreateAsync(NewIncident("inc_1"), Ct).DefaultTimeout();
        await store.Silences.AddAsync(NewSilence("sil_1"), Ct).DefaultTimeout();
        await store.Notifications.AppendAsync(NewNotification("ntf_1"), Ct).DefaultTimeout();
        store.SchemaVersion.ShouldBe(Migrations.All.Count);
    }
}
