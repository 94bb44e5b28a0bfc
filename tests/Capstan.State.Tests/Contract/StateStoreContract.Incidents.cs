using Capstan.Testing;

namespace Capstan.State.Tests;

public abstract partial class StateStoreContract
{
    [Fact]
    public async Task CreateIncident_ThenGet_RoundTripsEveryField_AndRecordsTheOpenedEvent()
    {
        var incident = NewIncident("inc_1") with
        {
            Environment = null,
            Services = ["web", "api", "web"],
            AlertFingerprints = ["high-errors/fp1", "slow/fp2"],
            FiringAlerts = ["high-errors/fp1"],
        };

        await Store.Incidents.CreateAsync(incident, Ct).DefaultTimeout();

        var stored = (await Store.Incidents.GetAsync("inc_1", Ct).DefaultTimeout()).ShouldNotBeNull();
        stored.ShouldBe(incident with { Services = stored.Services, AlertFingerprints = stored.AlertFingerprints, FiringAlerts = stored.FiringAlerts });
        stored.Services.ShouldBe(["web", "api"]);
        stored.AlertFingerprints.ShouldBe(["high-errors/fp1", "slow/fp2"]);
        stored.FiringAlerts.ShouldBe(["high-errors/fp1"]);
        (await Store.Incidents.ListEventsAsync("inc_1", Ct).DefaultTimeout()).ShouldBe(
        [
            new IncidentEvent { IncidentId = "inc_1", Sequence = 1, At = T0, Kind = IncidentEventKind.Opened, Actor = "alert:high-errors", Text = "Checkout errors above 5%" },
        ]);
        (await Store.Incidents.GetAsync("inc_2", Ct).DefaultTimeout()).ShouldBeNull();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public async Task CreateIncident_WithASeverityOutsideOneToFour_IsRefused(int severity)
    {
        var error = await Should.ThrowAsync<ArgumentException>(
            () => Store.Incidents.CreateAsync(NewIncident("inc_1") with { Severity = severity }, Ct).DefaultTimeout());

        error.Message.ShouldContain($"severity {severity}; use 1 (SEV1) to 4 (SEV4)");
        (await Store.Incidents.GetAsync("inc_1", Ct).DefaultTimeout()).ShouldBeNull();
    }

    [Fact]
    public async Task CreateIncident_ThatIsNotNewAndOpen_IsRefused()
    {
        await Should.ThrowAsync<ArgumentException>(() => Store.Incidents.CreateAsync(
            NewIncident("inc_1") with { Status = IncidentStatus.Acknowledged }, Ct).DefaultTimeout());
        await Should.ThrowAsync<ArgumentException>(() => Store.Incidents.CreateAsync(
            NewIncident("inc_1") with { ResolvedAt = At(5), ResolvedBy = "ana" }, Ct).DefaultTimeout());
        var error = await Should.ThrowAsync<ArgumentException>(() => Store.Incidents.CreateAsync(
            NewIncident("inc_1") with { FiringAlerts = ["other/fp9"] }, Ct).DefaultTimeout());

        error.Message.ShouldContain("firing alerts that are not among its alerts: other/fp9");
        (await Store.Incidents.ListAsync(null, false, null, 10, Ct).DefaultTimeout()).ShouldBeEmpty();
    }

    [Fact]
    public async Task CreateIncident_WithATakenId_IsABug()
    {
        await Store.Incidents.CreateAsync(NewIncident("inc_1"), Ct).DefaultTimeout();

        await Should.ThrowAsync<System.Data.Common.DbException>(() => Store.Incidents.CreateAsync(NewIncident("inc_1"), Ct).DefaultTimeout());
    }

    [Fact]
    public async Task ListIncidents_NewestFirst_ByApp_UnresolvedOnly_Since_AndLimited()
    {
        await Store.Incidents.CreateAsync(NewIncident("inc_a", minute: 0), Ct).DefaultTimeout();
        await Store.Incidents.CreateAsync(NewIncident("inc_b", minute: 10), Ct).DefaultTimeout();
        await Store.Incidents.CreateAsync(NewIncident("inc_c", minute: 20), Ct).DefaultTimeout();
        await Store.Incidents.CreateAsync(NewIncident("inc_d", minute: 30, app: "blog"), Ct).DefaultTimeout();
        await Store.Incidents.AcknowledgeAsync("inc_b", At(11), "ana", "on it", Ct).DefaultTimeout();
        await Store.Incidents.ResolveAsync("inc_c", At(25), "ana", "fixed", Ct).DefaultTimeout();

        async Task<IEnumerable<string>> Ids(string? app, bool unresolvedOnly, DateTimeOffset? since, int limit = 10) =>
            (await Store.Incidents.ListAsync(app, unresolvedOnly, since, limit, Ct).DefaultTimeout()).Select(i => i.Id);

        (await Ids("shop", false, null)).ShouldBe(["inc_c", "inc_b", "inc_a"]);
        (await Ids(null, false, null)).ShouldBe(["inc_d", "inc_c", "inc_b", "inc_a"]);
        (await Ids("shop", true, null)).ShouldBe(["inc_b", "inc_a"]);
        (await Ids("shop", false, At(10))).ShouldBe(["inc_c", "inc_b"]);
        (await Ids(null, true, At(5))).ShouldBe(["inc_d", "inc_b"]);
        (await Ids("shop", false, null, limit: 2)).ShouldBe(["inc_c", "inc_b"]);
        (await Ids("nobody", false, null)).ShouldBeEmpty();
    }

    [Fact]
    public async Task AcknowledgeIncident_WhenOpen_RecordsWhoAndWhen_OnTheIncidentAndTheTimeline()
    {
        await Store.Incidents.CreateAsync(NewIncident("inc_1"), Ct).DefaultTimeout();

        var acknowledged = await Store.Incidents.AcknowledgeAsync("inc_1", At(4), "ana", "looking at the error logs", Ct).DefaultTimeout();

        acknowledged.Status.ShouldBe(IncidentStatus.Acknowledged);
        acknowledged.AcknowledgedAt.ShouldBe(At(4));
        acknowledged.AcknowledgedBy.ShouldBe("ana");
        (await Store.Incidents.GetAsync("inc_1", Ct).DefaultTimeout()).ShouldNotBeNull().Status.ShouldBe(IncidentStatus.Acknowledged);
        (await Store.Incidents.ListEventsAsync("inc_1", Ct).DefaultTimeout()).Select(e => (e.Sequence, e.Kind, e.Actor, e.Text, e.At)).ShouldBe(
        [
            (1L, IncidentEventKind.Opened, "alert:high-errors", "Checkout errors above 5%", T0),
            (2L, IncidentEventKind.Acknowledged, "ana", "looking at the error logs", At(4)),
        ]);
    }

    [Fact]
    public async Task AcknowledgeIncident_WhenAlreadyAcknowledgedOrResolved_FailsNamingTheStatus_AndChangesNothing()
    {
        await Store.Incidents.CreateAsync(NewIncident("inc_1"), Ct).DefaultTimeout();
        await Store.Incidents.CreateAsync(NewIncident("inc_2"), Ct).DefaultTimeout();
        await Store.Incidents.AcknowledgeAsync("inc_1", At(4), "ana", "mine", Ct).DefaultTimeout();
        await Store.Incidents.ResolveAsync("inc_2", At(4), "ana", "false alarm", Ct).DefaultTimeout();

        var twice = await Should.ThrowAsync<StateStoreException>(
            () => Store.Incidents.AcknowledgeAsync("inc_1", At(5), "ben", "mine too", Ct).DefaultTimeout());
        var resolved = await Should.ThrowAsync<StateStoreException>(
            () => Store.Incidents.AcknowledgeAsync("inc_2", At(5), "ben", "late", Ct).DefaultTimeout());
        var missing = await Should.ThrowAsync<StateStoreException>(
            () => Store.Incidents.AcknowledgeAsync("inc_9", At(5), "ben", "?", Ct).DefaultTimeout());

        twice.Message.ShouldBe("cannot acknowledge incident inc_1: it is already acknowledged");
        resolved.Message.ShouldBe("cannot acknowledge incident inc_2: it is resolved");
        missing.Message.ShouldBe("there is no incident 'inc_9'");
        var first = (await Store.Incidents.GetAsync("inc_1", Ct).DefaultTimeout()).ShouldNotBeNull();
        (first.AcknowledgedBy, first.AcknowledgedAt).ShouldBe(("ana", At(4)));
        (await Store.Incidents.ListEventsAsync("inc_1", Ct).DefaultTimeout()).Count.ShouldBe(2);
        (await Store.Incidents.ListEventsAsync("inc_2", Ct).DefaultTimeout()).Count.ShouldBe(2);
    }

    [Fact]
    public async Task ResolveIncident_FromOpenOrAcknowledged_Works_AndASecondResolveFailsNamingTheStatus()
    {
        await Store.Incidents.CreateAsync(NewIncident("inc_1"), Ct).DefaultTimeout();
        await Store.Incidents.CreateAsync(NewIncident("inc_2"), Ct).DefaultTimeout();
        await Store.Incidents.AcknowledgeAsync("inc_2", At(3), "ana", "mine", Ct).DefaultTimeout();

        var fromOpen = await Store.Incidents.ResolveAsync("inc_1", At(30), "ben", "rolled back", Ct).DefaultTimeout();
        var fromAcknowledged = await Store.Incidents.ResolveAsync("inc_2", At(31), "ana", "fixed", Ct).DefaultTimeout();
        var again = await Should.ThrowAsync<StateStoreException>(
            () => Store.Incidents.ResolveAsync("inc_1", At(32), "ana", "again", Ct).DefaultTimeout());
        var missing = await Should.ThrowAsync<StateStoreException>(
            () => Store.Incidents.ResolveAsync("inc_9", At(32), "ana", "?", Ct).DefaultTimeout());

        (fromOpen.Status, fromOpen.ResolvedAt, fromOpen.ResolvedBy, fromOpen.AcknowledgedAt).ShouldBe((IncidentStatus.Resolved, (DateTimeOffset?)At(30), "ben", (DateTimeOffset?)null));
        (fromAcknowledged.Status, fromAcknowledged.AcknowledgedBy, fromAcknowledged.ResolvedBy).ShouldBe((IncidentStatus.Resolved, "ana", "ana"));
        again.Message.ShouldBe("cannot resolve incident inc_1: it is already resolved");
        missing.Message.ShouldBe("there is no incident 'inc_9'");
        (await Store.Incidents.ListEventsAsync("inc_1", Ct).DefaultTimeout()).Select(e => e.Kind).ShouldBe([IncidentEventKind.Opened, IncidentEventKind.Resolved]);
        (await Store.Incidents.GetAsync("inc_1", Ct).DefaultTimeout()).ShouldNotBeNull().ResolvedAt.ShouldBe(At(30));
    }

    [Fact]
    public async Task SetIncidentSeverity_RecordsTheChange_SameSeverityChangesNothing_AndAResolvedIncidentRefuses()
    {
        await Store.Incidents.CreateAsync(NewIncident("inc_1"), Ct).DefaultTimeout();
        await Store.Incidents.CreateAsync(NewIncident("inc_2"), Ct).DefaultTimeout();
        await Store.Incidents.AcknowledgeAsync("inc_1", At(2), "ana", "mine", Ct).DefaultTimeout();
        await Store.Incidents.ResolveAsync("inc_2", At(2), "ana", "false alarm", Ct).DefaultTimeout();

        var raised = await Store.Incidents.SetSeverityAsync("inc_1", 1, At(3), "alert:payments-down", "SEV2 → SEV1: payments-down fired", Ct).DefaultTimeout();
        var same = await Store.Incidents.SetSeverityAsync("inc_1", 1, At(4), "ben", "SEV1 again", Ct).DefaultTimeout();
        var resolved = await Should.ThrowAsync<StateStoreException>(
            () => Store.Incidents.SetSeverityAsync("inc_2", 1, At(4), "ben", "?", Ct).DefaultTimeout());
        var missing = await Should.ThrowAsync<StateStoreException>(
            () => Store.Incidents.SetSeverityAsync("inc_9", 1, At(4), "ben", "?", Ct).DefaultTimeout());
        await Should.ThrowAsync<ArgumentOutOfRangeException>(() => Store.Incidents.SetSeverityAsync("inc_1", 5, At(4), "ben", "?", Ct).DefaultTimeout());

        (raised.Severity, raised.Status).ShouldBe((1, IncidentStatus.Acknowledged), "the status is kept");
        same.ShouldBeEquivalentTo(raised);
        resolved.Message.ShouldBe("cannot change the severity of incident inc_2: it is resolved");
        missing.Message.ShouldBe("there is no incident 'inc_9'");
        (await Store.Incidents.GetAsync("inc_2", Ct).DefaultTimeout()).ShouldNotBeNull().Severity.ShouldBe(2);
        (await Store.Incidents.ListEventsAsync("inc_1", Ct).DefaultTimeout()).Select(e => (e.Sequence, e.Kind, e.Actor, e.Text)).ShouldBe(
        [
            (1L, IncidentEventKind.Opened, "alert:high-errors", "Checkout errors above 5%"),
            (2L, IncidentEventKind.Acknowledged, "ana", "mine"),
            (3L, IncidentEventKind.Severity, "alert:payments-down", "SEV2 → SEV1: payments-down fired"),
        ]);
    }

    [Fact]
    public async Task AcknowledgeIncident_ConcurrentlyBySeveralPeople_ExactlyOneSucceeds()
    {
        await Store.Incidents.CreateAsync(NewIncident("inc_1"), Ct).DefaultTimeout();

        var attempts = await Task.WhenAll(new[] { "ana", "ben", "eve", "kim" }.Select(person => Task.Run(
            async () =>
            {
                try
                {
                    await Store.Incidents.AcknowledgeAsync("inc_1", At(2), person, "mine", Ct);
                    return person;
                }
                catch (StateStoreException e)
                {
                    e.Message.ShouldBe("cannot acknowledge incident inc_1: it is already acknowledged");
                    return null;
                }
            },
            Ct))).DefaultTimeout();

        var winner = attempts.Where(p => p is not null).ShouldHaveSingleItem();
        (await Store.Incidents.GetAsync("inc_1", Ct).DefaultTimeout()).ShouldNotBeNull().AcknowledgedBy.ShouldBe(winner);
        (await Store.Incidents.ListEventsAsync("inc_1", Ct).DefaultTimeout()).Select(e => e.Sequence).ShouldBe([1L, 2L]);
    }

    [Fact]
    public async Task AppendIncidentEvents_NumbersThemInOrder_InAnyStatus()
    {
        await Store.Incidents.CreateAsync(NewIncident("inc_1"), Ct).DefaultTimeout();

        var note = await Store.Incidents.AppendEventAsync(NewIncidentEvent("inc_1", IncidentEventKind.Note, minute: 2) with { Sequence = 77 }, Ct).DefaultTimeout();
        await Store.Incidents.ResolveAsync("inc_1", At(9), "ana", "fixed", Ct).DefaultTimeout();
        var deployment = await Store.Incidents.AppendEventAsync(
            NewIncidentEvent("inc_1", IncidentEventKind.Deployment, minute: 1) with { Actor = "ci", Text = "web v42 deployed" },
            Ct).DefaultTimeout();

        note.Sequence.ShouldBe(2);
        deployment.Sequence.ShouldBe(4);
        (await Store.Incidents.ListEventsAsync("inc_1", Ct).DefaultTimeout()).Select(e => (e.Sequence, e.Kind, e.At)).ShouldBe(
        [
            (1L, IncidentEventKind.Opened, T0),
            (2L, IncidentEventKind.Note, At(2)),
            (3L, IncidentEventKind.Resolved, At(9)),
            (4L, IncidentEventKind.Deployment, At(1)),
        ]);
        (await Store.Incidents.ListEventsAsync("inc_9", Ct).DefaultTimeout()).ShouldBeEmpty();
    }

    [Fact]
    public async Task AppendIncidentEvents_ConcurrentlyGetDistinctGaplessSequences()
    {
        await Store.Incidents.CreateAsync(NewIncident("inc_1"), Ct).DefaultTimeout();

        var appended = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(
            () => Store.Incidents.AppendEventAsync(NewIncidentEvent("inc_1", IncidentEventKind.Note) with { Text = $"note {i}" }, Ct),
            Ct))).DefaultTimeout();

        appended.Select(e => e.Sequence).Order().ShouldBe([2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L]);
        (await Store.Incidents.ListEventsAsync("inc_1", Ct).DefaultTimeout()).Select(e => e.Sequence).ShouldBe(Enumerable.Range(1, 9).Select(i => (long)i));
    }

    [Theory]
    [InlineData(IncidentEventKind.Opened)]
    [InlineData(IncidentEventKind.Acknowledged)]
    [InlineData(IncidentEventKind.Resolved)]
    [InlineData(IncidentEventKind.Severity)]
    public async Task AppendIncidentEvent_OfATransitionsKind_IsRefused(IncidentEventKind kind)
    {
        await Store.Incidents.CreateAsync(NewIncident("inc_1"), Ct).DefaultTimeout();

        var error = await Should.ThrowAsync<ArgumentException>(
            () => Store.Incidents.AppendEventAsync(NewIncidentEvent("inc_1", kind), Ct).DefaultTimeout());

        error.Message.ShouldContain("is recorded by its transition");
        (await Store.Incidents.ListEventsAsync("inc_1", Ct).DefaultTimeout()).ShouldHaveSingleItem();
    }

    [Fact]
    public async Task AppendIncidentEvent_ToAnUnknownIncident_FailsNamingIt()
    {
        var error = await Should.ThrowAsync<StateStoreException>(
            () => Store.Incidents.AppendEventAsync(NewIncidentEvent("inc_9", IncidentEventKind.Note), Ct).DefaultTimeout());

        error.Message.ShouldBe("there is no incident 'inc_9'");
    }

    [Fact]
    public async Task IncidentEventKinds_RoundTripEveryValue_AsLowercaseNames()
    {
        await Store.Incidents.CreateAsync(NewIncident("inc_1"), Ct).DefaultTimeout();
        var appendable = Enum.GetValues<IncidentEventKind>()
            .Where(k => k is not (IncidentEventKind.Opened or IncidentEventKind.Acknowledged or IncidentEventKind.Resolved or IncidentEventKind.Severity))
            .ToList();
        foreach (var kind in appendable)
        {
            await Store.Incidents.AppendEventAsync(NewIncidentEvent("inc_1", kind), Ct).DefaultTimeout();
        }

        await Store.Incidents.SetSeverityAsync("inc_1", 1, At(1), "ana", "SEV2 → SEV1", Ct).DefaultTimeout();
        await Store.Incidents.AcknowledgeAsync("inc_1", At(1), "ana", "ack", Ct).DefaultTimeout();
        await Store.Incidents.ResolveAsync("inc_1", At(2), "ana", "done", Ct).DefaultTimeout();

        (await Store.Incidents.ListEventsAsync("inc_1", Ct).DefaultTimeout()).Select(e => e.Kind).Order()
            .ShouldBe(Enum.GetValues<IncidentEventKind>().Order());
        (await ScalarSqlAsync(Store, """
            SELECT COUNT(*) FROM capstan_incident_events
            WHERE kind IN ('opened', 'alert', 'acknowledged', 'note', 'escalated', 'resolved', 'deployment', 'rollback', 'secret', 'severity')
            """)).ShouldBe(10);
        (await ScalarSqlAsync(Store, "SELECT COUNT(*) FROM capstan_incidents WHERE status = 'resolved'")).ShouldBe(1);
    }

    [Fact]
    public async Task AttachAlert_AddsTheAlertAndItsServiceOnce_AndRecordsTheEvent()
    {
        await Store.Incidents.CreateAsync(NewIncident("inc_1"), Ct).DefaultTimeout();
        var firing = NewIncidentEvent("inc_1", IncidentEventKind.Alert, minute: 3) with { Actor = "alert:slow", Text = "slow firing" };

        var attached = await Store.Incidents.AttachAlertAsync("slow/fp2", "api", firing, Ct).DefaultTimeout();
        var again = await Store.Incidents.AttachAlertAsync("slow/fp2", "web", firing with { At = At(4) }, Ct).DefaultTimeout();

        attached.AlertFingerprints.ShouldBe(["high-errors/fp1", "slow/fp2"]);
        attached.FiringAlerts.ShouldBe(["high-errors/fp1", "slow/fp2"]);
        attached.Services.ShouldBe(["web", "api"]);
        again.AlertFingerprints.ShouldBe(attached.AlertFingerprints);
        again.Services.ShouldBe(attached.Services);
        var stored = (await Store.Incidents.GetAsync("inc_1", Ct).DefaultTimeout()).ShouldNotBeNull();
        stored.FiringAlerts.ShouldBe(["high-errors/fp1", "slow/fp2"]);
        stored.Services.ShouldBe(["web", "api"]);
        (await Store.Incidents.ListEventsAsync("inc_1", Ct).DefaultTimeout()).Select(e => (e.Sequence, e.Kind, e.At)).ShouldBe(
        [
            (1L, IncidentEventKind.Opened, T0),
            (2L, IncidentEventKind.Alert, At(3)),
            (3L, IncidentEventKind.Alert, At(4)),
        ]);
    }

    [Fact]
    public async Task DetachFiringAlert_RemovesItFromTheFiringOnes_KeepsItAmongTheAlerts_AndRecordsTheEvent()
    {
        await Store.Incidents.CreateAsync(NewIncident("inc_1"), Ct).DefaultTimeout();
        var resolved = NewIncidentEvent("inc_1", IncidentEventKind.Alert, minute: 8) with { Actor = "alert:high-errors", Text = "resolved" };

        var detached = await Store.Incidents.DetachFiringAlertAsync("high-errors/fp1", resolved, Ct).DefaultTimeout();
        var unknown = await Store.Incidents.DetachFiringAlertAsync("other/fp9", resolved, Ct).DefaultTimeout();

        detached.FiringAlerts.ShouldBeEmpty();
        detached.AlertFingerprints.ShouldBe(["high-errors/fp1"]);
        unknown.FiringAlerts.ShouldBeEmpty();
        (await Store.Incidents.GetAsync("inc_1", Ct).DefaultTimeout()).ShouldNotBeNull().FiringAlerts.ShouldBeEmpty();
        (await Store.Incidents.ListEventsAsync("inc_1", Ct).DefaultTimeout()).Count.ShouldBe(3);
    }

    [Fact]
    public async Task AttachAlert_ConcurrentlyToOneIncident_LosesNoAlert()
    {
        await Store.Incidents.CreateAsync(NewIncident("inc_1") with { AlertFingerprints = [], FiringAlerts = [] }, Ct).DefaultTimeout();

        await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(
            () => Store.Incidents.AttachAlertAsync($"rule{i}/fp", $"svc{i}", NewIncidentEvent("inc_1", IncidentEventKind.Alert), Ct),
            Ct))).DefaultTimeout();

        var stored = (await Store.Incidents.GetAsync("inc_1", Ct).DefaultTimeout()).ShouldNotBeNull();
        stored.FiringAlerts.Order().ShouldBe(Enumerable.Range(0, 6).Select(i => $"rule{i}/fp"));
        stored.Services.Order().ShouldBe(new[] { "web" }.Concat(Enumerable.Range(0, 6).Select(i => $"svc{i}")).Order());
    }

    [Fact]
    public async Task AttachAlert_ToAnUnknownIncident_FailsNamingIt()
    {
        var error = await Should.ThrowAsync<StateStoreException>(
            () => Store.Incidents.AttachAlertAsync("x/fp", null, NewIncidentEvent("inc_9", IncidentEventKind.Alert), Ct).DefaultTimeout());

        error.Message.ShouldBe("there is no incident 'inc_9'");
    }

    [Fact]
    public async Task IncidentTransitions_InsideATransaction_RollBackWithIt()
    {
        await Store.Incidents.CreateAsync(NewIncident("inc_1"), Ct).DefaultTimeout();

        await Should.ThrowAsync<InvalidOperationException>(() => Store.InTransactionAsync(
            async (session, ct) =>
            {
                await session.Incidents.AcknowledgeAsync("inc_1", At(1), "ana", "mine", ct);
                await session.Incidents.AppendEventAsync(NewIncidentEvent("inc_1", IncidentEventKind.Note), ct);
                throw new InvalidOperationException("the work failed");
            },
            Ct).DefaultTimeout());

        (await Store.Incidents.GetAsync("inc_1", Ct).DefaultTimeout()).ShouldNotBeNull().Status.ShouldBe(IncidentStatus.Open);
        (await Store.Incidents.ListEventsAsync("inc_1", Ct).DefaultTimeout()).ShouldHaveSingleItem();
        (await Store.Incidents.AppendEventAsync(NewIncidentEvent("inc_1", IncidentEventKind.Note), Ct).DefaultTimeout()).Sequence.ShouldBe(2);
    }

    [Fact]
    public async Task AStaleTransition_InsideATransaction_DoesNotBreakIt()
    {
        await Store.Incidents.CreateAsync(NewIncident("inc_1"), Ct).DefaultTimeout();
        await Store.Incidents.ResolveAsync("inc_1", At(1), "ana", "done", Ct).DefaultTimeout();

        await Store.InTransactionAsync(
            async (session, ct) =>
            {
                await Should.ThrowAsync<StateStoreException>(() => session.Incidents.ResolveAsync("inc_1", At(2), "ben", "done", ct));
                await session.Incidents.AppendEventAsync(NewIncidentEvent("inc_1", IncidentEventKind.Note) with { Text = "postmortem scheduled" }, ct);
            },
            Ct).DefaultTimeout();

        (await Store.Incidents.ListEventsAsync("inc_1", Ct).DefaultTimeout()).Select(e => e.Text).ShouldBe(["Checkout errors above 5%", "done", "postmortem scheduled"]);
    }

    protected static Incident NewIncident(string id, int minute = 0, string app = "shop") => new()
    {
        Id = id,
        App = app,
        Environment = "production",
        Title = "Checkout errors above 5%",
        Severity = 2,
        Status = IncidentStatus.Open,
        OpenedAt = At(minute),
        OpenedBy = "alert:high-errors",
        Services = ["web"],
        AlertFingerprints = ["high-errors/fp1"],
        FiringAlerts = ["high-errors/fp1"],
    };

    protected static IncidentEvent NewIncidentEvent(string incidentId, IncidentEventKind kind, int minute = 1) => new()
    {
        IncidentId = incidentId,
        Sequence = 0,
        At = At(minute),
        Kind = kind,
        Actor = "ana",
        Text = "checked the dashboards",
    };
}
