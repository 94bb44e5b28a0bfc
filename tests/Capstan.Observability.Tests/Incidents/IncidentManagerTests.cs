using Capstan.Manifest.Model;
using Capstan.Observability.Incidents;
using Capstan.State;
using Capstan.Testing;

namespace Capstan.Observability.Tests.Incidents;

public sealed class IncidentManagerTests : IncidentStoreTests
{
    private IncidentManager Manager => new(Store.Incidents, Clock);

    [Fact]
    public async Task AFiringCriticalAlert_OpensAnIncidentForItsAppEnvironmentAndService()
    {
        var result = (await Manager.OnAlertFiringAsync(Alert("HighErrorRate"), Ct).DefaultTimeout()).ShouldNotBeNull();

        result.Opened.ShouldBeTrue();
        var incident = result.Incident;
        incident.Id.ShouldStartWith("inc_");
        (incident.App, incident.Environment, incident.Title, incident.Severity, incident.Status, incident.OpenedAt, incident.OpenedBy)
            .ShouldBe(("shop", "production", "HighErrorRate: api answers more than 1% of requests with 5xx", 2, IncidentStatus.Open, T0, "alert:HighErrorRate"));
        incident.Services.ShouldBe(["api"]);
        incident.AlertFingerprints.ShouldBe(["HighErrorRate/fp-api"]);
        incident.FiringAlerts.ShouldBe(["HighErrorRate/fp-api"]);
        (await Store.Incidents.ListEventsAsync(incident.Id, Ct).DefaultTimeout()).Select(e => (e.Kind, e.Actor, e.Text)).ShouldBe(
        [
            (IncidentEventKind.Opened, "alert:HighErrorRate", "HighErrorRate: api answers more than 1% of requests with 5xx"),
        ]);
    }

    [Fact]
    public async Task AnAlertWithASevLabel_OpensAnIncidentOfThatSeverity_AndOneWithoutSummaryIsTitledByWhere()
    {
        var alert = Alert("ApiDown", labels: LabelSet.Of(("service", "api"), ("env", "production"), ("sev", "1"))) with { Summary = null };

        var incident = (await Manager.OnAlertFiringAsync(alert, Ct).DefaultTimeout()).ShouldNotBeNull().Incident;

        incident.Severity.ShouldBe(1);
        incident.Title.ShouldBe("ApiDown on api in production firing");
    }

    [Fact]
    public async Task ASecondCriticalAlertOfTheSameEnvironmentAndService_AttachesToTheOpenIncident()
    {
        var first = (await Manager.OnAlertFiringAsync(Alert("HighErrorRate"), Ct).DefaultTimeout()).ShouldNotBeNull().Incident;
        Clock.Advance(TimeSpan.FromMinutes(2));

        var second = (await Manager.OnAlertFiringAsync(Alert("SlowP99", summary: "p99 above 2s"), Ct).DefaultTimeout()).ShouldNotBeNull();

        second.Opened.ShouldBeFalse();
        second.Incident.Id.ShouldBe(first.Id);
        second.Incident.FiringAlerts.ShouldBe(["HighErrorRate/fp-api", "SlowP99/fp-api"]);
        (await Store.Incidents.ListAsync("shop", true, null, 10, Ct).DefaultTimeout()).ShouldHaveSingleItem();
        (await Store.Incidents.ListEventsAsync(first.Id, Ct).DefaultTimeout()).Last().ShouldBe(new IncidentEvent
        {
            IncidentId = first.Id,
            Sequence = 2,
            At = At(2),
            Kind = IncidentEventKind.Alert,
            Actor = "alert:SlowP99",
            Text = "SlowP99 on api in production firing: p99 above 2s",
        });
    }

    [Fact]
    public async Task AnAlertOfAnotherServiceOrEnvironment_OpensAnIncidentOfItsOwn()
    {
        var api = (await Manager.OnAlertFiringAsync(Alert("HighErrorRate"), Ct).DefaultTimeout()).ShouldNotBeNull().Incident;

        var web = (await Manager.OnAlertFiringAsync(Alert("HighErrorRate", service: "web"), Ct).DefaultTimeout()).ShouldNotBeNull();
        var staging = (await Manager.OnAlertFiringAsync(Alert("HighErrorRate", environment: "staging"), Ct).DefaultTimeout()).ShouldNotBeNull();

        web.Opened.ShouldBeTrue();
        staging.Opened.ShouldBeTrue();
        new[] { api.Id, web.Incident.Id, staging.Incident.Id }.Distinct().Count().ShouldBe(3);
    }

    [Fact]
    public async Task AnAlertFiringAgainAfterItsIncidentWasResolved_OpensANewIncident()
    {
        var first = (await Manager.OnAlertFiringAsync(Alert("HighErrorRate"), Ct).DefaultTimeout()).ShouldNotBeNull().Incident;
        await Manager.ResolveAsync(first.Id, "ana", null, Ct).DefaultTimeout();

        var second = (await Manager.OnAlertFiringAsync(Alert("HighErrorRate"), Ct).DefaultTimeout()).ShouldNotBeNull();

        second.Opened.ShouldBeTrue();
        second.Incident.Id.ShouldNotBe(first.Id);
    }

    [Fact]
    public async Task AnAlertAlreadyFiringOnTheIncident_ChangesNothing()
    {
        var first = (await Manager.OnAlertFiringAsync(Alert("HighErrorRate"), Ct).DefaultTimeout()).ShouldNotBeNull().Incident;

        var again = (await Manager.OnAlertFiringAsync(Alert("HighErrorRate"), Ct).DefaultTimeout()).ShouldNotBeNull();

        again.Opened.ShouldBeFalse();
        again.Incident.Id.ShouldBe(first.Id);
        (await Store.Incidents.ListEventsAsync(first.Id, Ct).DefaultTimeout()).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task AWarning_OpensNoIncident_ButJoinsTheTimelineOfAnOpenOne()
    {
        (await Manager.OnAlertFiringAsync(Alert("SlowP95", AlertSeverity.Warning), Ct).DefaultTimeout()).ShouldBeNull();
        (await Store.Incidents.ListAsync(null, false, null, 10, Ct).DefaultTimeout()).ShouldBeEmpty();

        var incident = (await Manager.OnAlertFiringAsync(Alert("HighErrorRate"), Ct).DefaultTimeout()).ShouldNotBeNull().Incident;
        var joined = (await Manager.OnAlertFiringAsync(Alert("SlowP95", AlertSeverity.Warning, summary: null), Ct).DefaultTimeout()).ShouldNotBeNull();

        joined.Incident.Id.ShouldBe(incident.Id);
        joined.Incident.Severity.ShouldBe(2);
        (await Store.Incidents.ListEventsAsync(incident.Id, Ct).DefaultTimeout()).Last().Text.ShouldBe("SlowP95 on api in production firing");
    }

    [Fact]
    public async Task AMoreSevereAlertJoining_RaisesTheIncident_ALessSevereOneDoesNot()
    {
        var incident = (await Manager.OnAlertFiringAsync(Alert("HighErrorRate"), Ct).DefaultTimeout()).ShouldNotBeNull().Incident;
        Clock.Advance(TimeSpan.FromMinutes(1));

        var warning = (await Manager.OnAlertFiringAsync(Alert("SlowP95", AlertSeverity.Warning), Ct).DefaultTimeout()).ShouldNotBeNull();
        var down = (await Manager.OnAlertFiringAsync(
            Alert("ApiDown", labels: LabelSet.Of(("service", "api"), ("env", "production"), ("sev", "1"))), Ct).DefaultTimeout()).ShouldNotBeNull();

        warning.Incident.Severity.ShouldBe(2, "a warning (SEV3) does not lower a SEV2");
        (down.Opened, down.Incident.Id, down.Incident.Severity).ShouldBe((false, incident.Id, 1));
        (await Store.Incidents.ListEventsAsync(incident.Id, Ct).DefaultTimeout()).TakeLast(2).Select(e => (e.Kind, e.Actor, e.Text, e.At)).ShouldBe(
        [
            (IncidentEventKind.Alert, "alert:ApiDown", "ApiDown on api in production firing: api answers more than 1% of requests with 5xx", At(1)),
            (IncidentEventKind.Severity, "alert:ApiDown", "SEV2 → SEV1: ApiDown on api in production is SEV1", At(1)),
        ]);
    }

    [Fact]
    public async Task APerson_SetsTheSeverity_UpOrDown_SayingWhy_ButNotOfAResolvedIncident()
    {
        var incident = (await Manager.OnAlertFiringAsync(Alert("HighErrorRate"), Ct).DefaultTimeout()).ShouldNotBeNull().Incident;

        var lowered = await Manager.SetSeverityAsync(incident.Id, IncidentSeverity.Sev3, "ana", "  only the admin pages fail ", Ct).DefaultTimeout();
        await Manager.ResolveAsync(incident.Id, "ana", "fixed", Ct).DefaultTimeout();
        var late = await Should.ThrowAsync<StateStoreException>(() => Manager.SetSeverityAsync(incident.Id, IncidentSeverity.Sev1, "ben", null, Ct).DefaultTimeout());
        var missing = await Should.ThrowAsync<StateStoreException>(() => Manager.SetSeverityAsync("inc_nope", IncidentSeverity.Sev1, "ben", null, Ct).DefaultTimeout());

        lowered.Severity.ShouldBe(3);
        (await Store.Incidents.ListEventsAsync(incident.Id, Ct).DefaultTimeout()).Single(e => e.Kind == IncidentEventKind.Severity).Text
            .ShouldBe("SEV2 → SEV3 (only the admin pages fail)");
        late.Message.ShouldBe($"cannot change the severity of incident {incident.Id}: it is resolved");
        missing.Message.ShouldBe("there is no incident 'inc_nope'");
    }

    [Fact]
    public async Task AWarning_OpenedByHand_IsSev3_WithTheAlertAttached()
    {
        var incident = await Manager.OpenFromAlertAsync(Alert("SlowP95", AlertSeverity.Warning), "ana", Ct).DefaultTimeout();

        (incident.Severity, incident.OpenedBy, incident.Status).ShouldBe((3, "ana", IncidentStatus.Open));
        incident.FiringAlerts.ShouldBe(["SlowP95/fp-api"]);
    }

    [Fact]
    public async Task AlertsResolving_GoOnTheTimeline_AndTheLastOneSaysSo_ButTheIncidentStaysForAPersonToResolve()
    {
        var incident = (await Manager.OnAlertFiringAsync(Alert("HighErrorRate"), Ct).DefaultTimeout()).ShouldNotBeNull().Incident;
        await Manager.OnAlertFiringAsync(Alert("SlowP99", summary: null), Ct).DefaultTimeout();
        Clock.Advance(TimeSpan.FromMinutes(20));

        var afterFirst = (await Manager.OnAlertResolvedAsync(Alert("HighErrorRate"), Ct).DefaultTimeout()).ShouldNotBeNull();
        Clock.Advance(TimeSpan.FromMinutes(1));
        var afterLast = (await Manager.OnAlertResolvedAsync(Alert("SlowP99"), Ct).DefaultTimeout()).ShouldNotBeNull();

        afterFirst.FiringAlerts.ShouldBe(["SlowP99/fp-api"]);
        afterLast.FiringAlerts.ShouldBeEmpty();
        afterLast.Status.ShouldBe(IncidentStatus.Open);
        afterLast.AlertFingerprints.ShouldBe(["HighErrorRate/fp-api", "SlowP99/fp-api"]);
        (await Store.Incidents.ListEventsAsync(incident.Id, Ct).DefaultTimeout()).Skip(2).Select(e => (e.At, e.Actor, e.Text)).ShouldBe(
        [
            (At(20), "alert:HighErrorRate", "HighErrorRate on api in production resolved"),
            (At(21), "alert:SlowP99", "SlowP99 on api in production resolved"),
            (At(21), "capstan", "no alert of the incident is firing any more; resolve it once the service is confirmed healthy"),
        ]);
    }

    [Fact]
    public async Task AnAlertFiringAgainAfterResolving_IsRecordedAsFiringAgain()
    {
        var incident = (await Manager.OnAlertFiringAsync(Alert("HighErrorRate", summary: null), Ct).DefaultTimeout()).ShouldNotBeNull().Incident;
        await Manager.OnAlertResolvedAsync(Alert("HighErrorRate"), Ct).DefaultTimeout();

        var again = (await Manager.OnAlertFiringAsync(Alert("HighErrorRate", summary: null), Ct).DefaultTimeout()).ShouldNotBeNull();

        again.Opened.ShouldBeFalse();
        again.Incident.FiringAlerts.ShouldBe(["HighErrorRate/fp-api"]);
        (await Store.Incidents.ListEventsAsync(incident.Id, Ct).DefaultTimeout()).Last().Text.ShouldBe("HighErrorRate on api in production firing again");
    }

    [Fact]
    public async Task AnAlertResolvingThatIsOnNoIncident_ChangesNothing()
    {
        (await Manager.OnAlertResolvedAsync(Alert("HighErrorRate"), Ct).DefaultTimeout()).ShouldBeNull();
    }

    [Fact]
    public async Task ByHand_OpenAcknowledgeNoteResolve_WritesTheTimeline()
    {
        var incident = await Manager.OpenAsync(
            new IncidentRequest { App = "shop", Environment = "production", Title = "Checkout is slow", Severity = IncidentSeverity.Sev3, Services = ["api"], OpenedBy = "ben" },
            Ct).DefaultTimeout();
        Clock.Advance(TimeSpan.FromMinutes(70));
        var acknowledged = await Manager.AcknowledgeAsync(incident.Id, "ana", Ct).DefaultTimeout();
        Clock.Advance(TimeSpan.FromSeconds(90));
        await Manager.NoteAsync(incident.Id, "ana", "database CPU at 100%", Ct).DefaultTimeout();
        Clock.Advance(TimeSpan.FromMinutes(10));
        var resolved = await Manager.ResolveAsync(incident.Id, "ana", null, Ct).DefaultTimeout();

        (incident.Severity, incident.OpenedBy, incident.Services.Single()).ShouldBe((3, "ben", "api"));
        (acknowledged.Status, acknowledged.AcknowledgedBy, acknowledged.AcknowledgedAt).ShouldBe((IncidentStatus.Acknowledged, "ana", (DateTimeOffset?)At(70)));
        (resolved.Status, resolved.ResolvedBy, resolved.ResolvedAt).ShouldBe((IncidentStatus.Resolved, "ana", (DateTimeOffset?)At(81, 30)));
        (await Store.Incidents.ListEventsAsync(incident.Id, Ct).DefaultTimeout()).Select(e => (e.Kind, e.Actor, e.Text)).ShouldBe(
        [
            (IncidentEventKind.Opened, "ben", "Checkout is slow"),
            (IncidentEventKind.Acknowledged, "ana", "acknowledged 1h 10m after opening, outside the SEV3 target of 1h"),
            (IncidentEventKind.Note, "ana", "database CPU at 100%"),
            (IncidentEventKind.Resolved, "ana", "resolved 1h 21m 30s after opening"),
        ]);
    }

    [Fact]
    public async Task AStaleAcknowledgementOrResolution_FailsNamingTheStatus()
    {
        var incident = await Manager.OpenAsync(
            new IncidentRequest { App = "shop", Title = "Checkout is slow", Severity = IncidentSeverity.Sev3, OpenedBy = "ben" },
            Ct).DefaultTimeout();
        await Manager.AcknowledgeAsync(incident.Id, "ana", Ct).DefaultTimeout();

        (await Should.ThrowAsync<StateStoreException>(() => Manager.AcknowledgeAsync(incident.Id, "ben", Ct).DefaultTimeout()))
            .Message.ShouldBe($"cannot acknowledge incident {incident.Id}: it is already acknowledged");
        await Manager.ResolveAsync(incident.Id, "ana", "fixed the index", Ct).DefaultTimeout();
        (await Should.ThrowAsync<StateStoreException>(() => Manager.ResolveAsync(incident.Id, "ben", null, Ct).DefaultTimeout()))
            .Message.ShouldBe($"cannot resolve incident {incident.Id}: it is already resolved");
        (await Should.ThrowAsync<StateStoreException>(() => Manager.AcknowledgeAsync("inc_nope", "ben", Ct).DefaultTimeout()))
            .Message.ShouldBe("there is no incident 'inc_nope'");
    }

    [Fact]
    public async Task Changes_AreRecordedOnTheUnresolvedIncidentsOfTheServicesTheyTouch()
    {
        var api = (await Manager.OnAlertFiringAsync(Alert("HighErrorRate"), Ct).DefaultTimeout()).ShouldNotBeNull().Incident;
        var web = (await Manager.OnAlertFiringAsync(Alert("HighErrorRate", service: "web"), Ct).DefaultTimeout()).ShouldNotBeNull().Incident;
        var staging = (await Manager.OnAlertFiringAsync(Alert("HighErrorRate", environment: "staging"), Ct).DefaultTimeout()).ShouldNotBeNull().Incident;
        var resolved = (await Manager.OnAlertFiringAsync(Alert("HighErrorRate", service: "worker"), Ct).DefaultTimeout()).ShouldNotBeNull().Incident;
        await Manager.ResolveAsync(resolved.Id, "ana", null, Ct).DefaultTimeout();
        Clock.Advance(TimeSpan.FromMinutes(5));

        var rollback = await Manager.AddChangeAsync(Change(ChangeKind.Rollback, At(4), "api", "api rolled back to release 41"), Ct).DefaultTimeout();
        var secret = await Manager.AddChangeAsync(Change(ChangeKind.Secret, At(5), null, "DB_POOL_SIZE changed to version 4"), Ct).DefaultTimeout();
        var otherApp = await Manager.AddChangeAsync(Change(ChangeKind.Deployment, At(5), "api", "blog deployed") with { App = "blog" }, Ct).DefaultTimeout();

        rollback.ShouldHaveSingleItem().ShouldBe(new IncidentEvent
        {
            IncidentId = api.Id,
            Sequence = 2,
            At = At(4),
            Kind = IncidentEventKind.Rollback,
            Actor = "ci",
            Text = "api rolled back to release 41",
        });
        secret.Select(e => e.IncidentId).ShouldBe([api.Id, web.Id], ignoreOrder: true); // opened at the same moment
        secret.ShouldAllBe(e => e.Kind == IncidentEventKind.Secret);
        otherApp.ShouldBeEmpty();
        (await Store.Incidents.ListEventsAsync(staging.Id, Ct).DefaultTimeout()).ShouldHaveSingleItem();
        (await Store.Incidents.ListEventsAsync(resolved.Id, Ct).DefaultTimeout()).Count.ShouldBe(2);
    }

    [Fact]
    public void WhatChanged_IsTheAppsChangesInTheHourBeforeTheIncidentOpened_OldestFirst()
    {
        var incident = new Incident
        {
            Id = "inc_1",
            App = "shop",
            Environment = "production",
            Title = "errors",
            Severity = 2,
            Status = IncidentStatus.Open,
            OpenedAt = T0,
            OpenedBy = "alert:HighErrorRate",
            Services = ["api"],
            AlertFingerprints = [],
        };
        ChangeEvent[] changes =
        [
            Change(ChangeKind.Deployment, At(-20), "api", "api release 42 deployed"),
            Change(ChangeKind.Secret, At(-60), null, "DB_POOL_SIZE changed"),
            Change(ChangeKind.Deployment, At(-61), "api", "api release 41 deployed"),
            Change(ChangeKind.Deployment, At(-10), "web", "web release 7 deployed"),
            Change(ChangeKind.Deployment, At(-5), "api", "staging") with { Environment = "staging" },
            Change(ChangeKind.Deployment, At(-5), "api", "blog") with { App = "blog" },
            Change(ChangeKind.Rollback, At(0), "api", "at the very moment"),
            Change(ChangeKind.Rollback, At(1), "api", "after"),
        ];

        IncidentManager.WhatChanged(incident, changes).Select(c => c.Text).ShouldBe(
            ["DB_POOL_SIZE changed", "api release 42 deployed", "web release 7 deployed", "at the very moment"]);
    }

    [Fact]
    public async Task FromAlertToPostmortem_TheDraftTellsTheWholeStory()
    {
        ChangeEvent[] changes =
        [
            Change(ChangeKind.Deployment, At(-21), "api", "api release 42 deployed"),
            Change(ChangeKind.Deployment, At(-90), "api", "api release 41 deployed"),
        ];
        var incident = (await Manager.OnAlertFiringAsync(Alert("HighErrorRate"), Ct).DefaultTimeout()).ShouldNotBeNull().Incident;
        Clock.Advance(TimeSpan.FromMinutes(3));
        await Manager.AcknowledgeAsync(incident.Id, "ana", Ct).DefaultTimeout();
        Clock.Advance(TimeSpan.FromMinutes(5));
        await Manager.AddChangeAsync(Change(ChangeKind.Rollback, Clock.GetUtcNow(), "api", "api rolled back to release 41"), Ct).DefaultTimeout();
        Clock.Advance(TimeSpan.FromMinutes(4));
        await Manager.OnAlertResolvedAsync(Alert("HighErrorRate"), Ct).DefaultTimeout();
        Clock.Advance(TimeSpan.FromMinutes(10));
        var resolved = await Manager.ResolveAsync(incident.Id, "ana", "errors gone since the rollback", Ct).DefaultTimeout();

        var markdown = PostmortemWriter.Write(
            resolved,
            await Store.Incidents.ListEventsAsync(incident.Id, Ct).DefaultTimeout(),
            IncidentManager.WhatChanged(resolved, changes),
            new PostmortemImpact { SloTarget = 0.999, ErrorRatio = 0.5 });

        markdown.ShouldContain("SEV2 incident in shop (production) affecting api. Opened 2030-03-14 14:02:00 UTC by alert:HighErrorRate, acknowledged by ana after 3m, resolved by ana after 22m.");
        markdown.ShouldContain("""
            | 2030-03-14 14:02:00 | opened | alert:HighErrorRate | HighErrorRate: api answers more than 1% of requests with 5xx |
            | 2030-03-14 14:05:00 | acknowledged | ana | acknowledged 3m after opening, within the SEV2 target of 15m |
            | 2030-03-14 14:10:00 | rollback | ci | api rolled back to release 41 |
            | 2030-03-14 14:14:00 | alert | alert:HighErrorRate | HighErrorRate on api in production resolved |
            | 2030-03-14 14:14:00 | alert | capstan | no alert of the incident is firing any more; resolve it once the service is confirmed healthy |
            | 2030-03-14 14:24:00 | resolved | ana | errors gone since the rollback |
            """);
        markdown.ShouldContain("| 2030-03-14 13:41:00 | deployment | api | ci | api release 42 deployed |");
        markdown.ShouldNotContain("release 41 deployed");
        markdown.ShouldContain("| Error budget burned | 25.5% of the error budget of a 99.9% SLO over 30d |");
    }

    private static IncidentAlert Alert(
        string rule,
        AlertSeverity severity = AlertSeverity.Critical,
        string service = "api",
        string environment = "production",
        string? summary = "api answers more than 1% of requests with 5xx",
        LabelSet? labels = null) => new()
    {
        App = "shop",
        Rule = rule,
        Fingerprint = "fp-" + service + (environment == "production" ? string.Empty : "-" + environment),
        Severity = severity,
        Labels = labels ?? LabelSet.Of(("service", service), ("env", environment), ("team", "payments")),
        Summary = summary,
    };

    private static ChangeEvent Change(ChangeKind kind, DateTimeOffset at, string? service, string text) => new()
    {
        At = at,
        Kind = kind,
        App = "shop",
        Environment = "production",
        Service = service,
        Actor = "ci",
        Text = text,
    };
}
