using Capstan.Manifest.Alerts;

namespace Capstan.Observability;

/// <summary>
/// The current value of an alert condition's subject, once per label set it has: a service function gives one value
/// per environment (labels <c>env</c> and <c>service</c>), a scraped series one per matching series (its own labels).
/// Values are in the unit of the condition's threshold: percent (1 for 1%), seconds, bytes or plain numbers. A subject
/// with no data gives no values, so an alert on it neither fires nor stays firing.
/// </summary>
public interface IConditionSource
{
    IReadOnlyList<ConditionValue> Evaluate(AlertCondition condition, DateTimeOffset now);
}

/// <summary>One value of a condition's subject, for one label set.</summary>
public sealed record ConditionValue(LabelSet Labels, double Value);
