using Capstan.Manifest.Alerts;
using Capstan.Manifest.Model;
using Capstan.Manifest.Values;
using Capstan.Observability.Alerting;

namespace Capstan.Observability.Tests.Alerting;

/// <summary>A condition source whose values the test sets, by condition text.</summary>
internal sealed class FakeConditionSource : IConditionSource
{
    private readonly Dictionary<string, List<ConditionValue>> _values = new(StringComparer.Ordinal);

    public HashSet<string> Failing { get; } = new(StringComparer.Ordinal);

    public void Set(string condition, params (string Env, string Service, double Value)[] values) =>
        _values[condition] = [.. values.Select(v => new ConditionValue(LabelSet.Of(("env", v.Env), ("service", v.Service)), v.Value))];

    public void SetSeries(string condition, params ConditionValue[] values) => _values[condition] = [.. values];

    public void Clear(string condition) => _values.Remove(condition);

    public IReadOnlyList<ConditionValue> Evaluate(AlertCondition condition, DateTimeOffset now) =>
        Failing.Contains(condition.Text)
            ? throw new InvalidOperationException($"no data for {condition.Text}")
            : _values.TryGetValue(condition.Text, out var values) ? values : [];
}

internal static class Rules
{
    public static AlertRule Make(
        string name,
        string condition,
        AlertSeverity severity = AlertSeverity.Critical,
        TimeSpan? @for = null,
        IReadOnlyList<string>? notify = null,
        string? summary = null,
        string? runbook = null,
        IReadOnlyDictionary<string, string>? labels = null) => new()
        {
            Name = name,
            When = AlertConditionParser.Parse(condition, out var error) ?? throw new FormatException(error.Message),
            For = new Duration(@for ?? TimeSpan.Zero),
            Severity = severity,
            Notify = notify ?? ["ops"],
            Summary = summary,
            Runbook = runbook,
            Labels = labels ?? new Dictionary<string, string>(),
            Guard = false,
        };

    /// <summary>A firing alert as the evaluator would give it, for dispatcher tests.</summary>
    public static Alert Firing(AlertRule rule, string env, string service, DateTimeOffset startsAt, double value = 5) =>
        Firing(rule, LabelSet.Of(("env", env), ("service", service)), startsAt, value);

    public static Alert Firing(AlertRule rule, LabelSet subject, DateTimeOffset startsAt, double value = 5)
    {
        var labels = RuleEvaluator.Labels(rule, subject);
        return new Alert
        {
            Fingerprint = AlertFingerprint.Of(labels),
            RuleName = rule.Name,
            Severity = rule.Severity,
            State = AlertState.Firing,
            Labels = labels,
            Annotations = LabelSet.Of(("description", AlertDescription.Describe(rule.When, subject, value))),
            ActiveSince = startsAt,
            StartsAt = startsAt,
            Value = value,
            LastSeenAt = startsAt,
        };
    }

    public static Alert Resolved(Alert alert, DateTimeOffset endsAt) => alert with { State = AlertState.Resolved, EndsAt = endsAt };
}
