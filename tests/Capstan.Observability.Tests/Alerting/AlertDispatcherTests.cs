using Capstan.Manifest.Model;
using Capstan.Observability.Alerting;
using Capstan.Testing;

namespace Capstan.Observability.Tests.Alerting;

public sealed class AlertDispatcherTests
{
    private static readonly AlertRule HighErrorRate = Rules.Make("HighErrorRate", "error_rate(api) > 1%", notify: ["pager"]);
    private static readonly AlertRule SlowApi = Rules.Make("SlowApi", "latency_p95(api) > 500ms", AlertSeverity.Warning, notify: ["chat"]);
    private static readonly AlertRule DiskFilling = Rules.Make("DiskFilling", "disk_free() < 20%", AlertSeverity.Info, notify: ["chat"]);
    private static readonly AlertRule Quiet = Rules.Make("Quiet", "up(api) < 1", notify: []);

    private readonly ManualClock _clock = new();
    private readonly AlertDispatcher _dispatcher = new([HighErrorRate, SlowApi, DiskFilling, Quiet]);

    private DateTimeOffset T0 => new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ACriticalAlert_IsNotifiedAtOnce_WithItsGroup()
    {
        var alert = Rules.Firing(HighErrorRate, "production", "api", T0);

        var notification = _dispatcher.Dispatch([alert], T0).ShouldHaveSingleItem();

        notification.Receiver.ShouldBe("pager");
        notification.Status.ShouldBe(NotificationStatus.Firing);
        notification.GroupLabels.ShouldBe(LabelSet.Of(("alertname", "HighErrorRate"), ("env", "production"), ("service", "api")));
        notification.GroupKey.ShouldBe("{}:{alertname=\"HighErrorRate\", env=\"production\", service=\"api\"}");
        notification.Alerts.ShouldBe([alert]);
        notification.CreatedAt.ShouldBe(T0);
    }

    [Fact]
    public void AWarning_WaitsThirtySeconds_ThenTellsOfItsGroupInOneNotification()
    {
        var first = Rules.Firing(SlowApi, Instance("api", "i-1"), T0);
        var second = Rules.Firing(SlowApi, Instance("api", "i-2"), T0 + TimeSpan.FromSeconds(20));

        var sent = Run(T0, TimeSpan.FromSeconds(40), at => at < second.StartsAt ? [first] : [first, second]);

        var (time, notification) = sent.ShouldHaveSingleItem();
        time.ShouldBe(T0 + TimeSpan.FromSeconds(30));
        notification.Receiver.ShouldBe("chat");
        notification.Alerts.Select(a => a["instance"]).ShouldBe(["i-1", "i-2"]);
    }

    [Fact]
    public void AlertsOfTwoServices_MakeTwoNotifications_AlertsOfOneServiceMakeOne()
    {
        var twoServices = _dispatcher.Dispatch(
            [Rules.Firing(HighErrorRate, "production", "api", T0), Rules.Firing(HighErrorRate, "production", "web", T0)], T0);
        twoServices.Select(n => n.GroupLabels["service"]).ShouldBe(["api", "web"], ignoreOrder: true);
        twoServices.ShouldAllBe(n => n.Alerts.Count == 1);

        var oneService = new AlertDispatcher([HighErrorRate]).Dispatch(
            [Rules.Firing(HighErrorRate, Instance("api", "i-1"), T0), Rules.Firing(HighErrorRate, Instance("api", "i-2"), T0)], T0);
        oneService.ShouldHaveSingleItem().Alerts.Count.ShouldBe(2);
    }

    [Fact]
    public void ANewAlertInAGroupThatWasToldOf_WaitsForTheGroupInterval()
    {
        var first = Rules.Firing(HighErrorRate, Instance("api", "i-1"), T0);
        var second = Rules.Firing(HighErrorRate, Instance("api", "i-2"), T0 + TimeSpan.FromSeconds(10));

        var sent = Run(T0, TimeSpan.FromMinutes(2), at => at < second.StartsAt ? [first] : [first, second]);

        sent.Select(s => s.At).ShouldBe([T0, T0 + TimeSpan.FromMinutes(1)]);
        sent[1].Notification.Alerts.Select(a => a["instance"]).ShouldBe(["i-1", "i-2"]);
    }

    [Fact]
    public void UnchangedFiringAlerts_AreRepeatedEveryHourWhenCritical()
    {
        var alert = Rules.Firing(HighErrorRate, "production", "api", T0);

        var sent = Run(T0, TimeSpan.FromHours(2) + TimeSpan.FromMinutes(1), _ => [alert]);

        sent.Select(s => s.At).ShouldBe([T0, T0 + TimeSpan.FromHours(1), T0 + TimeSpan.FromHours(2)]);
    }

    [Fact]
    public void UnchangedFiringWarnings_AreRepeatedEveryFourHours()
    {
        var alert = Rules.Firing(SlowApi, "production", "api", T0);

        var sent = Run(T0, TimeSpan.FromHours(8) + TimeSpan.FromMinutes(1), _ => [alert], step: TimeSpan.FromSeconds(10));

        var first = T0 + TimeSpan.FromSeconds(30);
        sent.Select(s => s.At).ShouldBe([first, first + TimeSpan.FromHours(4), first + TimeSpan.FromHours(8)]);
    }

    [Fact]
    public void AResolvedAlert_IsToldOnce_AtTheNextGroupInterval()
    {
        var alert = Rules.Firing(HighErrorRate, "production", "api", T0);
        var resolvedAt = T0 + TimeSpan.FromSeconds(90);
        var resolved = Rules.Resolved(alert, resolvedAt);

        var sent = Run(T0, TimeSpan.FromMinutes(10), at => at < resolvedAt ? [alert] : [resolved]);

        sent.Select(s => s.At).ShouldBe([T0, T0 + TimeSpan.FromMinutes(2)]);
        sent[1].Notification.Status.ShouldBe(NotificationStatus.Resolved);
        sent[1].Notification.Alerts.ShouldBe([resolved]);
    }

    [Fact]
    public void AnAlertThatVanishesWhileFiring_IsToldAsResolved()
    {
        var alert = Rules.Firing(HighErrorRate, "production", "api", T0);
        _dispatcher.Dispatch([alert], T0);

        var resolution = _dispatcher.Dispatch([], T0 + TimeSpan.FromMinutes(1)).ShouldHaveSingleItem().Alerts.ShouldHaveSingleItem();

        resolution.State.ShouldBe(AlertState.Resolved);
        resolution.EndsAt.ShouldBe(T0 + TimeSpan.FromMinutes(1));
    }

    [Fact]
    public void AnAlertResolvedBeforeItsGroupWait_IsNeverTold()
    {
        var alert = Rules.Firing(SlowApi, "production", "api", T0);

        Run(T0, TimeSpan.FromMinutes(10), at => at < T0 + TimeSpan.FromSeconds(10) ? [alert] : [Rules.Resolved(alert, T0 + TimeSpan.FromSeconds(10))])
            .ShouldBeEmpty();
    }

    [Fact]
    public void InfoAlerts_AreShown_ButNeverNotified()
    {
        var alert = Rules.Firing(DiskFilling, LabelSet.Empty, T0);

        Run(T0, TimeSpan.FromHours(5), _ => [alert], step: TimeSpan.FromMinutes(1)).ShouldBeEmpty();

        var shown = _dispatcher.GetAlerts(T0 + TimeSpan.FromHours(5)).ShouldHaveSingleItem();
        shown.Alert.ShouldBe(alert);
        shown.Receivers.ShouldBeEmpty();
    }

    [Fact]
    public void ARuleWithoutNotify_FiresButNotifiesNobody()
    {
        var alert = Rules.Firing(Quiet, "production", "api", T0);

        _dispatcher.Dispatch([alert], T0).ShouldBeEmpty();
        _dispatcher.GetAlerts(T0).ShouldHaveSingleItem().Alert.IsFiring.ShouldBeTrue();
    }

    [Fact]
    public void ASilence_MutesTheAlertsItMatches_WhichAreStillShown()
    {
        var silence = _dispatcher.AddSilence(LabelSet.Of(("service", "api")), T0, T0 + TimeSpan.FromHours(1), "ana", "deploying a fix", T0);
        var api = Rules.Firing(HighErrorRate, "production", "api", T0);
        var web = Rules.Firing(HighErrorRate, "production", "web", T0);

        var sent = Run(T0, TimeSpan.FromMinutes(30), _ => [api, web]);

        sent.ShouldHaveSingleItem().Notification.Alerts.ShouldBe([web]);
        var shown = _dispatcher.GetAlerts(T0 + TimeSpan.FromMinutes(30));
        shown.Single(a => a.Alert == api).SilencedBy.ShouldBe([silence.Id]);
        shown.Single(a => a.Alert == web).IsMuted.ShouldBeFalse();
    }

    [Fact]
    public void AnExpiredSilence_StopsApplying()
    {
        var ends = T0 + TimeSpan.FromMinutes(10);
        _dispatcher.AddSilence(LabelSet.Of(("alertname", "HighErrorRate"), ("env", "production")), T0, ends, "ana", "migration", T0);
        var alert = Rules.Firing(HighErrorRate, "production", "api", T0);

        var sent = Run(T0, TimeSpan.FromMinutes(15), _ => [alert]);

        sent.ShouldHaveSingleItem().At.ShouldBe(ends);
        _dispatcher.Silences.ShouldHaveSingleItem().StateAt(ends).ShouldBe(SilenceState.Expired);
    }

    [Fact]
    public void ExpiringASilenceByHand_EndsItNow()
    {
        var silence = _dispatcher.AddSilence(LabelSet.Of(("service", "api")), T0, T0 + TimeSpan.FromHours(1), "ana", "load test", T0);
        var alert = Rules.Firing(HighErrorRate, "production", "api", T0);
        _dispatcher.Dispatch([alert], T0).ShouldBeEmpty();

        var expired = _dispatcher.ExpireSilence(silence.Id, T0 + TimeSpan.FromSeconds(30));

        expired.EndsAt.ShouldBe(T0 + TimeSpan.FromSeconds(30));
        _dispatcher.Dispatch([alert], T0 + TimeSpan.FromMinutes(1)).ShouldHaveSingleItem();
        Should.Throw<AlertingException>(() => _dispatcher.ExpireSilence("nope", T0)).Message.ShouldContain("'nope'");
    }

    [Fact]
    public void ASilence_NeedsAMatcher_AFutureEnd_ACreatorAndAReason()
    {
        var error = Should.Throw<AlertingException>(() => _dispatcher.AddSilence(LabelSet.Empty, T0, T0 - TimeSpan.FromMinutes(1), " ", "", T0));

        error.Message.ShouldContain("no matcher");
        error.Message.ShouldContain("before it starts");
        error.Message.ShouldContain("no creator");
        error.Message.ShouldContain("no reason");
        error.Kind.ShouldBe(AlertingErrorKind.Invalid);
    }

    [Fact]
    public void AFiringCriticalAlert_InhibitsWarningsOfTheSameService_NotOfAnother()
    {
        var critical = Rules.Firing(HighErrorRate, "production", "api", T0);
        var sameService = Rules.Firing(SlowApi, "production", "api", T0);
        var otherService = Rules.Firing(SlowApi, "production", "web", T0);
        var otherEnv = Rules.Firing(SlowApi, "staging", "api", T0);

        var sent = Run(T0, TimeSpan.FromMinutes(10), _ => [critical, sameService, otherService, otherEnv]);

        sent.Where(s => s.Notification.Receiver == "chat").SelectMany(s => s.Notification.Alerts).ShouldBe([otherEnv, otherService], ignoreOrder: true);
        var shown = _dispatcher.GetAlerts(T0 + TimeSpan.FromMinutes(10));
        shown.Single(a => a.Alert == sameService).InhibitedBy.ShouldBe([critical.Fingerprint]);
        shown.Single(a => a.Alert == critical).IsMuted.ShouldBeFalse();
    }

    [Fact]
    public void AWarningInhibitedUntilTheCriticalResolves_IsToldThen()
    {
        var critical = Rules.Firing(HighErrorRate, "production", "api", T0);
        var warning = Rules.Firing(SlowApi, "production", "api", T0);
        var criticalEnds = T0 + TimeSpan.FromMinutes(3);

        var sent = Run(T0, TimeSpan.FromMinutes(10), at => at < criticalEnds ? [critical, warning] : [Rules.Resolved(critical, criticalEnds), warning]);

        var toChat = sent.Where(s => s.Notification.Receiver == "chat").ShouldHaveSingleItem();
        toChat.At.ShouldBe(T0 + TimeSpan.FromSeconds(30) + TimeSpan.FromMinutes(5), "the group's next interval after the critical resolved");
    }

    [Fact]
    public void Acknowledging_StopsRepeatsUntilResolved_AndARefireIsNotifiedAgain()
    {
        var alert = Rules.Firing(HighErrorRate, "production", "api", T0);
        var resolvedAt = T0 + TimeSpan.FromHours(3);
        var refire = Rules.Firing(HighErrorRate, "production", "api", resolvedAt + TimeSpan.FromMinutes(5));
        _dispatcher.Dispatch([alert], T0).ShouldHaveSingleItem();

        var acknowledgement = _dispatcher.Acknowledge(alert.Fingerprint, "ana", T0 + TimeSpan.FromMinutes(5));
        var sent = Run(
            T0 + TimeSpan.FromMinutes(1),
            TimeSpan.FromHours(4),
            at => at < resolvedAt ? [alert] : at < refire.StartsAt ? [Rules.Resolved(alert, resolvedAt)] : [refire]);

        acknowledgement.By.ShouldBe("ana");
        sent.Select(s => (s.At, s.Notification.Status)).ShouldBe([
            (resolvedAt, NotificationStatus.Resolved),
            (refire.StartsAt!.Value, NotificationStatus.Firing),
        ]);
        _dispatcher.GetAlerts(resolvedAt + TimeSpan.FromHours(1)).ShouldHaveSingleItem().Acknowledgement.ShouldBeNull();
    }

    [Fact]
    public void AcknowledgingAnUnknownAlert_IsAnErrorNamingIt()
    {
        _dispatcher.Dispatch([Rules.Firing(HighErrorRate, "production", "api", T0)], T0);

        var error = Should.Throw<AlertingException>(() => _dispatcher.Acknowledge("0123456789abcdef", "ana", T0));

        error.Message.ShouldContain("'0123456789abcdef'");
        error.Kind.ShouldBe(AlertingErrorKind.NotFound);
    }

    [Fact]
    public void RestoringStateAfterARestart_DoesNotNotifyAgain_AndKeepsTheRepeatSchedule()
    {
        var source = new FakeConditionSource();
        var rule = Rules.Make("HighErrorRate", "error_rate(api) > 1%", @for: TimeSpan.FromMinutes(1), notify: ["pager"]);
        source.Set(rule.When.Text, ("production", "api", 4.2));
        var evaluator = new RuleEvaluator([rule], source);
        var dispatcher = new AlertDispatcher([rule]);
        var sent = new List<DateTimeOffset>();
        var now = T0;
        for (; now <= T0 + TimeSpan.FromMinutes(10); now += TimeSpan.FromSeconds(1))
        {
            sent.AddRange(dispatcher.Dispatch(evaluator.Evaluate(now), now).Select(_ => now));
        }

        var firedAt = T0 + TimeSpan.FromMinutes(1);
        sent.ShouldBe([firedAt]);
        var savedAlerts = evaluator.Alerts;
        var savedState = dispatcher.Snapshot();

        evaluator = new RuleEvaluator([rule], source, savedAlerts);
        dispatcher = new AlertDispatcher([rule], restored: savedState);
        for (now += TimeSpan.FromMinutes(2); now <= firedAt + TimeSpan.FromMinutes(61); now += TimeSpan.FromSeconds(1))
        {
            sent.AddRange(dispatcher.Dispatch(evaluator.Evaluate(now), now).Select(_ => now));
        }

        // The restarted group flushes on its own beat, so the repeat comes within one group interval after the hour.
        sent.Count.ShouldBe(2);
        sent[1].ShouldBeInRange(firedAt + TimeSpan.FromHours(1), firedAt + TimeSpan.FromHours(1) + RoutingTimings.CriticalDefaults.GroupInterval);
    }

    [Fact]
    public void RestoringAfterTheAlertResolvedDuringTheRestart_TellsTheResolution()
    {
        var alert = Rules.Firing(HighErrorRate, "production", "api", T0);
        _dispatcher.Dispatch([alert], T0).ShouldHaveSingleItem();

        var restarted = new AlertDispatcher([HighErrorRate], restored: _dispatcher.Snapshot());
        var resolved = Rules.Resolved(alert, T0 + TimeSpan.FromMinutes(3));

        restarted.Dispatch([resolved], T0 + TimeSpan.FromMinutes(4)).ShouldHaveSingleItem().Status.ShouldBe(NotificationStatus.Resolved);
    }

    private static LabelSet Instance(string service, string instance) =>
        LabelSet.Of(("env", "production"), ("service", service), ("instance", instance));

    /// <summary>Dispatches every <paramref name="step"/> (a second by default) from <paramref name="from"/> for <paramref name="length"/>.</summary>
    private List<(DateTimeOffset At, Notification Notification)> Run(
        DateTimeOffset from, TimeSpan length, Func<DateTimeOffset, IReadOnlyList<Alert>> alertsAt, TimeSpan? step = null)
    {
        var sent = new List<(DateTimeOffset, Notification)>();
        _clock.Set(from);
        while (_clock.GetUtcNow() <= from + length)
        {
            var now = _clock.GetUtcNow();
            sent.AddRange(_dispatcher.Dispatch(alertsAt(now), now).Select(n => (now, n)));
            _clock.Advance(step ?? TimeSpan.FromSeconds(1));
        }

        return sent;
    }
}
