using Capstan.Manifest.Model;
using Capstan.Observability.Alerting;
using Capstan.Testing;

namespace Capstan.Observability.Tests.Alerting;

public sealed class RuleEvaluatorTests
{
    private const string HighErrors = "error_rate(api) > 1%";

    private readonly ManualClock _clock = new();
    private readonly FakeConditionSource _source = new();

    [Fact]
    public void AnAlert_IsPendingWhileTheConditionHolds_AndFiresExactlyAtFor()
    {
        var evaluator = new RuleEvaluator([Rules.Make("HighErrorRate", HighErrors, @for: TimeSpan.FromMinutes(2))], _source);
        var transitions = new List<AlertTransition>();
        evaluator.Transitioned += transitions.Add;
        var start = _clock.GetUtcNow();
        _source.Set(HighErrors, ("production", "api", 4.2));

        var alert = evaluator.Evaluate(start).ShouldHaveSingleItem();
        alert.State.ShouldBe(AlertState.Pending);
        alert.ActiveSince.ShouldBe(start);
        alert.StartsAt.ShouldBeNull();

        _clock.Advance(TimeSpan.FromMinutes(2) - TimeSpan.FromSeconds(1));
        evaluator.Evaluate(_clock.GetUtcNow()).ShouldHaveSingleItem().State.ShouldBe(AlertState.Pending);

        _clock.Advance(TimeSpan.FromSeconds(1));
        alert = evaluator.Evaluate(_clock.GetUtcNow()).ShouldHaveSingleItem();
        alert.State.ShouldBe(AlertState.Firing);
        alert.StartsAt.ShouldBe(start + TimeSpan.FromMinutes(2));
        alert.ActiveSince.ShouldBe(start);

        transitions.Select(t => (t.From, t.To)).ShouldBe([(AlertState.Inactive, AlertState.Pending), (AlertState.Pending, AlertState.Firing)]);
        transitions[1].At.ShouldBe(start + TimeSpan.FromMinutes(2));
    }

    [Fact]
    public void APendingAlertThatStopsHolding_GoesBackToInactive_AndStartsOverWhenItHoldsAgain()
    {
        var evaluator = new RuleEvaluator([Rules.Make("HighErrorRate", HighErrors, @for: TimeSpan.FromMinutes(2))], _source);
        var transitions = new List<AlertTransition>();
        evaluator.Transitioned += transitions.Add;

        _source.Set(HighErrors, ("production", "api", 4.2));
        evaluator.Evaluate(_clock.GetUtcNow());
        _clock.Advance(TimeSpan.FromMinutes(1));
        _source.Set(HighErrors, ("production", "api", 0.5)); // back under the threshold
        evaluator.Evaluate(_clock.GetUtcNow()).ShouldBeEmpty();

        _clock.Advance(TimeSpan.FromMinutes(1));
        _source.Set(HighErrors, ("production", "api", 3));
        var restart = _clock.GetUtcNow();
        evaluator.Evaluate(restart).ShouldHaveSingleItem().ActiveSince.ShouldBe(restart);
        _clock.Advance(TimeSpan.FromMinutes(1));
        evaluator.Evaluate(_clock.GetUtcNow()).ShouldHaveSingleItem().State.ShouldBe(AlertState.Pending, "the flap reset for");

        transitions.Select(t => (t.From, t.To)).ShouldBe([
            (AlertState.Inactive, AlertState.Pending),
            (AlertState.Pending, AlertState.Inactive),
            (AlertState.Inactive, AlertState.Pending),
        ]);
    }

    [Fact]
    public void ForZero_FiresAtTheFirstEvaluation()
    {
        var evaluator = new RuleEvaluator([Rules.Make("HighErrorRate", HighErrors)], _source);
        var transitions = new List<AlertTransition>();
        evaluator.Transitioned += transitions.Add;
        _source.Set(HighErrors, ("production", "api", 4.2));

        var alert = evaluator.Evaluate(_clock.GetUtcNow()).ShouldHaveSingleItem();

        alert.State.ShouldBe(AlertState.Firing);
        alert.StartsAt.ShouldBe(_clock.GetUtcNow());
        transitions.ShouldHaveSingleItem().From.ShouldBe(AlertState.Inactive);
    }

    [Fact]
    public void AFiringAlert_ResolvesWhenTheConditionStopsHolding_OrTheValueIsGone()
    {
        var evaluator = new RuleEvaluator([Rules.Make("HighErrorRate", HighErrors)], _source);
        _source.Set(HighErrors, ("production", "api", 4.2), ("staging", "api", 7));
        evaluator.Evaluate(_clock.GetUtcNow()).Count.ShouldBe(2);

        _clock.Advance(TimeSpan.FromSeconds(10));
        _source.Set(HighErrors, ("production", "api", 0.2)); // staging: no value at all
        var alerts = evaluator.Evaluate(_clock.GetUtcNow());

        alerts.ShouldAllBe(a => a.State == AlertState.Resolved && a.EndsAt == _clock.GetUtcNow());
        alerts.Single(a => a["env"] == "production").Value.ShouldBe(4.2, "the last value that held is kept");

        _clock.Advance(RuleEvaluator.ResolvedRetention);
        evaluator.Evaluate(_clock.GetUtcNow()).ShouldBeEmpty();
    }

    [Fact]
    public void AlertLabelsAndAnnotations_NameTheRule_TheSubject_AndTheValueInHumanUnits()
    {
        var rule = Rules.Make(
            "HighErrorRate",
            HighErrors,
            summary: "api answers with errors",
            runbook: "https://runbooks.example/high-errors",
            labels: new Dictionary<string, string> { ["team"] = "payments", ["severity"] = "ignored" });
        var evaluator = new RuleEvaluator([rule], _source);
        _source.Set(HighErrors, ("production", "api", 4.2));

        var alert = evaluator.Evaluate(_clock.GetUtcNow()).ShouldHaveSingleItem();

        alert.Labels.ShouldBe(LabelSet.Of(
            ("alertname", "HighErrorRate"), ("severity", "critical"), ("env", "production"), ("service", "api"), ("team", "payments")));
        alert.Annotations.ShouldBe(LabelSet.Of(
            ("summary", "api answers with errors"),
            ("runbook_url", "https://runbooks.example/high-errors"),
            ("description", "error_rate(api) is 4.2%, above 1%")));
        alert.Value.ShouldBe(4.2);
        alert.Fingerprint.ShouldMatch("^[0-9a-f]{16}$");
        alert.Fingerprint.ShouldBe(AlertFingerprint.Of(alert.Labels));
    }

    [Theory]
    [InlineData("latency_p95(api) > 500ms", 1.25, "latency_p95(api) is 1.25s, above 500ms")]
    [InlineData("latency_p95(api) > 200ms", 0.35, "latency_p95(api) is 350ms, above 200ms")]
    [InlineData("memory(api) >= 1Gi", 1610612736, "memory(api) is 1.5Gi, at or above 1Gi")]
    [InlineData("up(api) < 1", 0, "up(api) is 0, below 1")]
    [InlineData("backup_age(db) > 1d", 183600, "backup_age(db) is 2d 3h, above 1d")]
    [InlineData("error_rate(api) > 0.5%", 0.0123, "error_rate(api) is 0.0123%, above 0.5%")]
    public void Descriptions_WriteValuesInTheThresholdsUnit(string condition, double value, string expected)
    {
        var rule = Rules.Make("R", condition);
        AlertDescription.Describe(rule.When, LabelSet.Empty, value).ShouldBe(expected);
    }

    [Fact]
    public void ASeriesCondition_DescribesTheSeriesWithItsLabels()
    {
        var rule = Rules.Make("QueueDeep", "queue_depth{queue=\"mail\"} > 1000");
        AlertDescription.Describe(rule.When, LabelSet.Of(("queue", "mail"), ("instance", "w1")), 1500)
            .ShouldBe("queue_depth{instance=\"w1\",queue=\"mail\"} is 1500, above 1000");
    }

    [Fact]
    public void TheFingerprint_IsPrometheusLabelSetFingerprint()
    {
        // Values computed with github.com/prometheus/common/model LabelSet.Fingerprint().String().
        AlertFingerprint.Of(LabelSet.Empty).ShouldBe("cbf29ce484222325");
        AlertFingerprint.Of(LabelSet.Of(("a", "b"))).ShouldBe(ExpectedFnv("a", "b"));
        AlertFingerprint.Of(LabelSet.Of(("service", "api"), ("alertname", "X")))
            .ShouldBe(ExpectedFnv("alertname", "X", "service", "api"));
    }

    [Fact]
    public void RestoringAlerts_KeepsForRunning_AndDoesNotFireAgain()
    {
        var rule = Rules.Make("HighErrorRate", HighErrors, @for: TimeSpan.FromMinutes(5));
        var first = new RuleEvaluator([rule], _source);
        var start = _clock.GetUtcNow();
        _source.Set(HighErrors, ("production", "api", 4.2), ("staging", "api", 2));
        first.Evaluate(start);
        _clock.Advance(TimeSpan.FromMinutes(5));
        _source.Set(HighErrors, ("production", "api", 4.2));
        first.Evaluate(_clock.GetUtcNow());
        _source.Set(HighErrors, ("production", "api", 4.2), ("staging", "api", 2));
        _clock.Advance(TimeSpan.FromMinutes(1));
        first.Evaluate(_clock.GetUtcNow());
        var saved = first.Alerts; // production firing, staging pending since a minute

        _clock.Advance(TimeSpan.FromMinutes(3)); // the restart takes three minutes
        var second = new RuleEvaluator([rule], _source, saved);
        var transitions = new List<AlertTransition>();
        second.Transitioned += transitions.Add;
        var alerts = second.Evaluate(_clock.GetUtcNow());

        transitions.ShouldBeEmpty();
        alerts.Single(a => a["env"] == "production").StartsAt.ShouldBe(start + TimeSpan.FromMinutes(5));
        alerts.Single(a => a["env"] == "staging").State.ShouldBe(AlertState.Pending);

        _clock.Advance(TimeSpan.FromMinutes(1));
        second.Evaluate(_clock.GetUtcNow()).Single(a => a["env"] == "staging").State.ShouldBe(AlertState.Pending);
        _clock.Advance(TimeSpan.FromMinutes(1)); // five minutes after staging began to hold again, restart included
        second.Evaluate(_clock.GetUtcNow()).Single(a => a["env"] == "staging").State.ShouldBe(AlertState.Firing);
    }

    [Fact]
    public void ARuleWhoseConditionFails_KeepsItsAlerts_AndOtherRulesGoOn()
    {
        var latency = "latency_p95(api) > 500ms";
        var evaluator = new RuleEvaluator([Rules.Make("HighErrorRate", HighErrors), Rules.Make("SlowApi", latency)], _source);
        var failures = new List<RuleEvaluationFailure>();
        evaluator.RuleFailed += failures.Add;
        _source.Set(HighErrors, ("production", "api", 4.2));
        _source.Set(latency, ("production", "api", 2));
        evaluator.Evaluate(_clock.GetUtcNow());

        _source.Failing.Add(HighErrors);
        _source.Clear(latency);
        var alerts = evaluator.Evaluate(_clock.GetUtcNow());

        alerts.Single(a => a.RuleName == "HighErrorRate").State.ShouldBe(AlertState.Firing);
        alerts.Single(a => a.RuleName == "SlowApi").State.ShouldBe(AlertState.Resolved);
        failures.ShouldHaveSingleItem().RuleName.ShouldBe("HighErrorRate");
    }

    [Fact]
    public void AlertsOfARuleThatNoLongerExists_ResolveAfterARestart()
    {
        var old = new RuleEvaluator([Rules.Make("Old", HighErrors, severity: AlertSeverity.Warning)], _source);
        _source.Set(HighErrors, ("production", "api", 4.2));
        var saved = old.Evaluate(_clock.GetUtcNow());

        var evaluator = new RuleEvaluator([Rules.Make("New", "up(api) < 1")], _source, saved);

        evaluator.Evaluate(_clock.GetUtcNow()).ShouldHaveSingleItem().State.ShouldBe(AlertState.Resolved);
    }

    [Fact]
    public void TwoRulesWithOneName_AreRejected_WithTheName()
    {
        Should.Throw<ArgumentException>(() => new RuleEvaluator([Rules.Make("A", HighErrors), Rules.Make("A", "up(api) < 1")], _source))
            .Message.ShouldContain("given more than once: A");
    }

    private static string ExpectedFnv(params string[] parts)
    {
        var hash = 14695981039346656037UL;
        foreach (var part in parts)
        {
            foreach (var b in System.Text.Encoding.UTF8.GetBytes(part).Append((byte)0xFF))
            {
                hash = (hash ^ b) * 1099511628211UL;
            }
        }

        return hash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
    }
}
