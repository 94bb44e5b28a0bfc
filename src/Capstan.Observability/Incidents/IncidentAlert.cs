using Capstan.Manifest.Model;

namespace Capstan.Observability.Incidents;

/// <summary>An alert as the incident manager needs it: which rule fired, for which labels, how severe.</summary>
public sealed record IncidentAlert
{
    public required string App { get; init; }

    /// <summary>The alert rule's name, e.g. <c>HighErrorRate</c>.</summary>
    public required string Rule { get; init; }

    /// <summary>Identifies the label set the rule fired for, as <see cref="State.AlertState.Fingerprint"/> does.</summary>
    public required string Fingerprint { get; init; }

    public required AlertSeverity Severity { get; init; }

    /// <summary>
    /// The alert's labels: its rule's labels (which may carry <see cref="IncidentSeverity.LabelName"/>) and its series'
    /// (<c>env</c> and <c>service</c> for a service function).
    /// </summary>
    public required LabelSet Labels { get; init; }

    /// <summary>The rule's one-line summary, when it has one.</summary>
    public string? Summary { get; init; }

    /// <summary>The <c>env</c> label: the environment the alert is about, if any.</summary>
    public string? Environment => Labels["env"];

    /// <summary>The <c>service</c> label: the service the alert is about, if any.</summary>
    public string? Service => Labels["service"];

    /// <summary>How an incident names the alert in <see cref="State.Incident.AlertFingerprints"/>: <c>RULE/FINGERPRINT</c>.</summary>
    public string Key => Rule + "/" + Fingerprint;
}
