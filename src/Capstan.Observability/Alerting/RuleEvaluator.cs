using Capstan.Manifest.Model;

namespace Capstan.Observability.Alerting;

/// <summary>
/// Evaluates alert rules against an <see cref="IConditionSource"/>, one step per call of <see cref="Evaluate"/>, and
/// keeps one <see cref="Alert"/> per rule and label set of its subject. For each: inactive → pending when the
/// condition holds → firing once it has held for the rule's <c>for</c> (at once when <c>for</c> is 0) → resolved when
/// it stops holding or its subject has no value any more. A pending alert that stops holding goes back to inactive,
/// and nobody hears of it. Resolved alerts are kept for <see cref="ResolvedRetention"/>, so that the dispatcher can
/// tell of the resolution; one that holds again meanwhile starts over as pending.
/// </summary>
/// <remarks>
/// Deterministic: time is only the <c>now</c> passed in. Not thread-safe: one loop calls it, once a second.
/// Alert labels are the subject's labels, then the rule's labels (which win), then <c>alertname</c> and
/// <c>severity</c>, which nothing overrides.
/// </remarks>
public sealed class RuleEvaluator
{
    /// <summary>How long a resolved alert is kept, as Prometheus keeps it (15 minutes).</summary>
    public static readonly TimeSpan ResolvedRetention = TimeSpan.FromMinutes(15);

    private readonly IReadOnlyList<AlertRule> _rules;
    private readonly IConditionSource _source;
    private readonly Dictionary<string, Alert> _alerts = new(StringComparer.Ordinal);

    /// <param name="rules">The rules of capstan.yaml; names are unique.</param>
    /// <param name="source">Where condition values come from (the metrics engine).</param>
    /// <param name="restored">
    /// The alerts a previous run had (its <see cref="Alerts"/>), so that a restart neither restarts a pending alert's
    /// <c>for</c> nor fires anew what already fired. Alerts of rules that no longer exist resolve at the first evaluation.
    /// </param>
    public RuleEvaluator(IReadOnlyList<AlertRule> rules, IConditionSource source, IEnumerable<Alert>? restored = null)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(source);
        _ = ByName(rules);
        _rules = rules;
        _source = source;
        foreach (var alert in restored ?? [])
        {
            if (alert.State is AlertState.Pending or AlertState.Firing or AlertState.Resolved)
            {
                _alerts[alert.Fingerprint] = alert;
            }
        }
    }

    /// <summary>Raised after each evaluation, once per state change, in order.</summary>
    public event Action<AlertTransition>? Transitioned;

    /// <summary>Raised when a rule's condition could not be evaluated; its alerts keep their state meanwhile.</summary>
    public event Action<RuleEvaluationFailure>? RuleFailed;

    /// <summary>The alerts now: pending, firing and recently resolved, ordered by rule and labels.</summary>
    public IReadOnlyList<Alert> Alerts =>
        [.. _alerts.Values.OrderBy(a => a.RuleName, StringComparer.Ordinal).ThenBy(a => a.Labels.ToString(), StringComparer.Ordinal)];

    /// <summary>Evaluates every rule at <paramref name="now"/> and returns the alerts after it.</summary>
    public IReadOnlyList<Alert> Evaluate(DateTimeOffset now)
    {
        var transitions = new List<AlertTransition>();
        var failures = new List<RuleEvaluationFailure>();
        var held = new HashSet<string>(StringComparer.Ordinal);
        var unevaluated = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rule in _rules)
        {
            IReadOnlyList<ConditionValue> values;
            try
            {
                values = _source.Evaluate(rule.When, now);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One broken condition must not silence every other alert; Prometheus also keeps a failing rule's
                // alerts as they were.
                failures.Add(new RuleEvaluationFailure(rule.Name, rule.When.Text, e, now));
                unevaluated.Add(rule.Name);
                continue;
            }

            foreach (var value in values)
            {
                if (double.IsNaN(value.Value) || !rule.When.IsMet(value.Value))
                {
                    continue;
                }

                var labels = Labels(rule, value.Labels);
                var fingerprint = AlertFingerprint.Of(labels);
                if (!held.Add(fingerprint))
                {
                    continue; // two values with one label set once the rule's labels are added: the first counts
                }

                var annotations = Annotations(rule, value.Labels, value.Value);
                _alerts.TryGetValue(fingerprint, out var existing);
                Alert next;
                if (existing is null || existing.IsResolved)
                {
                    next = new Alert
                    {
                        Fingerprint = fingerprint,
                        RuleName = rule.Name,
                        Severity = rule.Severity,
                        State = AlertState.Pending,
                        Labels = labels,
                        Annotations = annotations,
                        ActiveSince = now,
                        Value = value.Value,
                        LastSeenAt = now,
                    };
                    if (rule.For.Value <= TimeSpan.Zero)
                    {
                        next = next with { State = AlertState.Firing, StartsAt = now };
                    }

                    transitions.Add(new AlertTransition(next, AlertState.Inactive, next.State, now));
                }
                else
                {
                    next = existing with { Annotations = annotations, Value = value.Value, LastSeenAt = now, Severity = rule.Severity };
                    if (existing.State == AlertState.Pending && now - existing.ActiveSince >= rule.For.Value)
                    {
                        next = next with { State = AlertState.Firing, StartsAt = now };
                        transitions.Add(new AlertTransition(next, AlertState.Pending, AlertState.Firing, now));
                    }
                }

                _alerts[fingerprint] = next;
            }
        }

        foreach (var alert in _alerts.Values.ToList())
        {
            if (held.Contains(alert.Fingerprint) || unevaluated.Contains(alert.RuleName))
            {
                continue;
            }

            switch (alert.State)
            {
                case AlertState.Pending:
                    _alerts.Remove(alert.Fingerprint);
                    transitions.Add(new AlertTransition(alert, AlertState.Pending, AlertState.Inactive, now));
                    break;
                case AlertState.Firing:
                    var resolved = alert with { State = AlertState.Resolved, EndsAt = now };
                    _alerts[alert.Fingerprint] = resolved;
                    transitions.Add(new AlertTransition(resolved, AlertState.Firing, AlertState.Resolved, now));
                    break;
                default:
                    if (now - alert.EndsAt >= ResolvedRetention)
                    {
                        _alerts.Remove(alert.Fingerprint);
                    }

                    break;
            }
        }

        foreach (var failure in failures)
        {
            RuleFailed?.Invoke(failure);
        }

        foreach (var transition in transitions)
        {
            Transitioned?.Invoke(transition);
        }

        return Alerts;
    }

    /// <summary>The rules by name; a name given twice is a bug of the caller (capstan.yaml's validation rejects it, CAP033).</summary>
    internal static Dictionary<string, AlertRule> ByName(IReadOnlyList<AlertRule> rules)
    {
        var duplicates = rules.GroupBy(r => r.Name, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicates.Count > 0)
        {
            throw new ArgumentException($"Alert rule names must be unique; given more than once: {string.Join(", ", duplicates)}.", nameof(rules));
        }

        return rules.ToDictionary(r => r.Name, StringComparer.Ordinal);
    }

    /// <summary>The labels of an alert of <paramref name="rule"/> on a subject with <paramref name="subjectLabels"/>.</summary>
    public static LabelSet Labels(AlertRule rule, LabelSet subjectLabels)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(subjectLabels);
        return LabelSet.From(subjectLabels
            .Concat(rule.Labels)
            .Append(new(AlertLabels.AlertName, rule.Name))
            .Append(new(AlertLabels.Severity, AlertLabels.SeverityValue(rule.Severity))));
    }

    private static LabelSet Annotations(AlertRule rule, LabelSet subjectLabels, double value)
    {
        var annotations = new List<KeyValuePair<string, string>>(3)
        {
            new(AlertLabels.Description, AlertDescription.Describe(rule.When, subjectLabels, value)),
        };
        if (!string.IsNullOrWhiteSpace(rule.Summary))
        {
            annotations.Add(new(AlertLabels.Summary, rule.Summary));
        }

        if (!string.IsNullOrWhiteSpace(rule.Runbook))
        {
            annotations.Add(new(AlertLabels.RunbookUrl, rule.Runbook));
        }

        return LabelSet.From(annotations);
    }
}

/// <summary>The names of the labels and annotations alerting gives meaning to.</summary>
public static class AlertLabels
{
    public const string AlertName = "alertname";
    public const string Severity = "severity";
    public const string Env = "env";
    public const string Service = "service";
    public const string Summary = "summary";
    public const string Description = "description";
    public const string RunbookUrl = "runbook_url";

    /// <summary><c>critical</c>, <c>warning</c> or <c>info</c>, as capstan.yaml writes them.</summary>
    public static string SeverityValue(AlertSeverity severity) => severity switch
    {
        AlertSeverity.Critical => "critical",
        AlertSeverity.Warning => "warning",
        _ => "info",
    };
}
