using Capstan.Manifest.Model;
using Capstan.Observability.Incidents;
using Capstan.State;
using Capstan.Testing;

namespace Capstan.Observability.Tests.Incidents;

public sealed class EscalationTests : IncidentStoreTests
{
    // Daily shifts from 09:00 UTC; ana is on call on T0's day (14 March 2030), ben on the next, and so on.
    private static readonly OnCallSchedule Rotation = new(["ana", "ben", "eve", "kim"], TimeSpan.FromDays(1), new DateTimeOffset(2030, 3, 14, 9, 0, 0, TimeSpan.Zero));

    private IncidentManager Manager => new(Store.Incidents, Clock);

    [Fact]
    public void Tick_EscalatesOnePersonFurtherEachResponseTarget_UntilEveryoneWasNotified()
    {
        var policy = new EscalationPolicy(Rotation);
        var incident = OpenIncident(severity: 1);

        policy.Tick(incident, 0, At(4, 59)).ShouldBeEmpty();
        policy.Tick(incident, 0, At(5)).ShouldBe(
        [
            new EscalationAction
            {
                IncidentId = "inc_1", App = "shop", Title = "Checkout down", Severity = IncidentSeverity.Sev1,
                Level = 1, Of = 3, Person = "ben", DueAt = At(5), Unacknowledged = TimeSpan.FromMinutes(5),
            },
        ]);
        policy.Tick(incident, 1, At(9)).ShouldBeEmpty();
        policy.Tick(incident, 1, At(10)).Select(a => (a.Level, a.Person)).ShouldBe([(2, "eve")]);
        policy.Tick(incident, 0, At(16)).Select(a => (a.Level, a.Person, a.DueAt)).ShouldBe([(1, "ben", At(5)), (2, "eve", At(10)), (3, "kim", At(15))]);
        policy.Tick(incident, 3, At(600)).ShouldBeEmpty();
    }

    [Fact]
    public void Tick_WaitsTheSeveritysResponseTarget_UnlessTheWaitIsGiven()
    {
        var sev3 = OpenIncident(severity: 3);

        new EscalationPolicy(Rotation).Tick(sev3, 0, At(59)).ShouldBeEmpty();
        new EscalationPolicy(Rotation).Tick(sev3, 0, At(60)).ShouldHaveSingleItem().Person.ShouldBe("ben");
        new EscalationPolicy(Rotation, TimeSpan.FromMinutes(2)).Tick(sev3, 0, At(4)).Select(a => a.Person).ShouldBe(["ben", "eve"]);
        new EscalationPolicy(Rotation).WaitFor(IncidentSeverity.Sev4).ShouldBe(TimeSpan.FromHours(4));
        Should.Throw<ArgumentOutOfRangeException>(() => new EscalationPolicy(Rotation, TimeSpan.Zero));
    }

    [Fact]
    public void Tick_StartsFromWhoeverWasOnCallWhenTheIncidentOpened_WrappingAroundTheRotation()
    {
        // On 17 March kim is on call; escalation goes to ana, then ben, then eve.
        var incident = OpenIncident(severity: 1) with { OpenedAt = new DateTimeOffset(2030, 3, 17, 23, 58, 0, TimeSpan.Zero) };

        new EscalationPolicy(Rotation).Tick(incident, 0, incident.OpenedAt.AddMinutes(15)).Select(a => a.Person).ShouldBe(["ana", "ben", "eve"]);
    }

    [Fact]
    public void Tick_DoesNothingOnceAcknowledgedOrResolved_OrWithNobodyToEscalateTo()
    {
        var policy = new EscalationPolicy(Rotation);

        policy.Tick(OpenIncident(1) with { Status = IncidentStatus.Acknowledged }, 0, At(60)).ShouldBeEmpty();
        policy.Tick(OpenIncident(1) with { Status = IncidentStatus.Resolved }, 0, At(60)).ShouldBeEmpty();
        new EscalationPolicy(new OnCallSchedule(["ana"], TimeSpan.FromDays(1), T0)).Tick(OpenIncident(1), 0, At(60)).ShouldBeEmpty();
    }

    [Fact]
    public async Task TickEscalations_RecordsEachEscalationOnTheTimelineOnce_AndAcknowledgingStopsThem()
    {
        var policy = new EscalationPolicy(Rotation);
        var incident = (await Manager.OnAlertFiringAsync(Alert(sev: "1"), Ct).DefaultTimeout()).ShouldNotBeNull().Incident;

        Clock.Set(At(4, 59));
        (await Manager.TickEscalationsAsync(policy, "shop", Ct).DefaultTimeout()).ShouldBeEmpty();
        Clock.Set(At(5));
        (await Manager.TickEscalationsAsync(policy, "shop", Ct).DefaultTimeout()).Select(a => (a.IncidentId, a.Person)).ShouldBe([(incident.Id, "ben")]);
        (await Manager.TickEscalationsAsync(policy, "shop", Ct).DefaultTimeout()).ShouldBeEmpty();
        Clock.Set(At(10, 30));
        (await Manager.TickEscalationsAsync(policy, null, Ct).DefaultTimeout()).Select(a => a.Person).ShouldBe(["eve"]);
        Clock.Set(At(12));
        await Manager.AcknowledgeAsync(incident.Id, "eve", Ct).DefaultTimeout();
        Clock.Set(At(30));
        (await Manager.TickEscalationsAsync(policy, "shop", Ct).DefaultTimeout()).ShouldBeEmpty();

        (await Store.Incidents.ListEventsAsync(incident.Id, Ct).DefaultTimeout()).Select(e => (e.At, e.Kind, e.Actor, e.Text)).ShouldBe(
        [
            (T0, IncidentEventKind.Opened, "alert:HighErrorRate", "HighErrorRate: api answers more than 1% of requests with 5xx"),
            (At(5), IncidentEventKind.Escalated, "capstan", "not acknowledged within 5m: notifying ben (escalation 1 of 3)"),
            (At(10, 30), IncidentEventKind.Escalated, "capstan", "not acknowledged within 10m: notifying eve (escalation 2 of 3)"),
            (At(12), IncidentEventKind.Acknowledged, "eve", "acknowledged 12m after opening, outside the SEV1 target of 5m"),
        ]);
    }

    [Fact]
    public async Task TickEscalations_AfterMissedTicks_NotifiesEveryoneDueAtOnce_AndThenNobodyMore()
    {
        var policy = new EscalationPolicy(Rotation);
        var incident = (await Manager.OnAlertFiringAsync(Alert(), Ct).DefaultTimeout()).ShouldNotBeNull().Incident;

        Clock.Set(At(120));
        var actions = await Manager.TickEscalationsAsync(policy, "shop", Ct).DefaultTimeout();
        Clock.Set(At(600));
        var later = await Manager.TickEscalationsAsync(policy, "shop", Ct).DefaultTimeout();

        actions.Select(a => (a.Level, a.Person, a.DueAt)).ShouldBe([(1, "ben", At(15)), (2, "eve", At(30)), (3, "kim", At(45))]);
        later.ShouldBeEmpty();
        (await Store.Incidents.ListEventsAsync(incident.Id, Ct).DefaultTimeout()).Count(e => e.Kind == IncidentEventKind.Escalated).ShouldBe(3);
    }

    [Fact]
    public async Task TickEscalations_SurvivesARestart_BecauseTheTimelineRemembers()
    {
        var policy = new EscalationPolicy(Rotation);
        await Manager.OnAlertFiringAsync(Alert(sev: "1"), Ct).DefaultTimeout();
        Clock.Set(At(6));
        await new IncidentManager(Store.Incidents, Clock).TickEscalationsAsync(policy, "shop", Ct).DefaultTimeout();

        Clock.Set(At(11));
        var afterRestart = await new IncidentManager(Store.Incidents, Clock).TickEscalationsAsync(policy, "shop", Ct).DefaultTimeout();

        afterRestart.Select(a => a.Person).ShouldBe(["eve"]);
    }

    [Fact]
    public async Task TickEscalations_LeavesOtherAppsAlone_WhenGivenAnApp()
    {
        var policy = new EscalationPolicy(Rotation);
        await Manager.OnAlertFiringAsync(Alert(sev: "1") with { App = "blog" }, Ct).DefaultTimeout();
        Clock.Set(At(6));

        (await Manager.TickEscalationsAsync(policy, "shop", Ct).DefaultTimeout()).ShouldBeEmpty();
        (await Manager.TickEscalationsAsync(policy, "blog", Ct).DefaultTimeout()).ShouldHaveSingleItem().App.ShouldBe("blog");
    }

    private static Incident OpenIncident(int severity) => new()
    {
        Id = "inc_1",
        App = "shop",
        Environment = "production",
        Title = "Checkout down",
        Severity = severity,
        Status = IncidentStatus.Open,
        OpenedAt = T0,
        OpenedBy = "alert:HighErrorRate",
        Services = ["api"],
        AlertFingerprints = [],
    };

    private static IncidentAlert Alert(string? sev = null)
    {
        var labels = LabelSet.Of(("service", "api"), ("env", "production"));
        return new IncidentAlert
        {
            App = "shop",
            Rule = "HighErrorRate",
            Fingerprint = "fp-api",
            Severity = AlertSeverity.Critical,
            Labels = sev is null ? labels : labels.With("sev", sev),
            Summary = "api answers more than 1% of requests with 5xx",
        };
    }
}
