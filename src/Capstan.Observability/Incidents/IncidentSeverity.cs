using System.Globalization;
using Capstan.Manifest.Model;

namespace Capstan.Observability.Incidents;

/// <summary>
/// How bad an incident is, SEV1 (worst) to SEV4, with how soon someone must respond. The classes and response targets
/// are those of the incident response procedure in seed 001 (<c>classification</c> and <c>response_times</c>).
/// </summary>
public sealed class IncidentSeverity : IComparable<IncidentSeverity>
{
    /// <summary>The label an alert rule sets to choose the severity of the incidents it opens: <c>sev: "1"</c> … <c>"4"</c>.</summary>
    public const string LabelName = "sev";

    private IncidentSeverity(int level, string description, TimeSpan responseTarget)
    {
        Level = level;
        Description = description;
        ResponseTarget = responseTarget;
    }

    /// <summary>SEV1: complete system outage affecting all users; respond within 5 minutes.</summary>
    public static IncidentSeverity Sev1 { get; } = new(1, "Complete system outage affecting all users", TimeSpan.FromMinutes(5));

    /// <summary>SEV2: major feature unavailable, significant user impact; respond within 15 minutes.</summary>
    public static IncidentSeverity Sev2 { get; } = new(2, "Major feature unavailable, significant user impact", TimeSpan.FromMinutes(15));

    /// <summary>SEV3: minor feature issues, limited user impact; respond within 1 hour.</summary>
    public static IncidentSeverity Sev3 { get; } = new(3, "Minor feature issues, limited user impact", TimeSpan.FromHours(1));

    /// <summary>SEV4: performance degradation, minimal user impact; respond within 4 hours.</summary>
    public static IncidentSeverity Sev4 { get; } = new(4, "Performance degradation, minimal user impact", TimeSpan.FromHours(4));

    /// <summary>SEV1 to SEV4, in that order.</summary>
    public static IReadOnlyList<IncidentSeverity> All { get; } = [Sev1, Sev2, Sev3, Sev4];

    /// <summary>1 (worst) to 4; the number the state store keeps (<see cref="State.Incident.Severity"/>).</summary>
    public int Level { get; }

    /// <summary><c>SEV1</c> … <c>SEV4</c>.</summary>
    public string Name => "SEV" + Level.ToString(CultureInfo.InvariantCulture);

    /// <summary>What an incident of this severity looks like, from seed 001.</summary>
    public string Description { get; }

    /// <summary>How soon after an incident opens someone must acknowledge it, from seed 001; also when escalation starts by default.</summary>
    public TimeSpan ResponseTarget { get; }

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="level"/> is not 1 to 4.</exception>
    public static IncidentSeverity FromLevel(int level) =>
        level is >= 1 and <= 4
            ? All[level - 1]
            : throw new ArgumentOutOfRangeException(nameof(level), level, "An incident severity is 1 (SEV1) to 4 (SEV4).");

    /// <summary>Reads <c>1</c> … <c>4</c> or <c>sev1</c> … <c>sev4</c> (any case).</summary>
    public static bool TryParse(string? text, out IncidentSeverity severity)
    {
        var digits = text is not null && text.StartsWith("sev", StringComparison.OrdinalIgnoreCase) ? text[3..] : text;
        if (digits is { Length: 1 } && digits[0] is >= '1' and <= '4')
        {
            severity = All[digits[0] - '1'];
            return true;
        }

        severity = Sev4;
        return false;
    }

    /// <summary>True for the alerts that open an incident by themselves: <see cref="AlertSeverity.Critical"/> ones only.</summary>
    public static bool OpensIncident(AlertSeverity alertSeverity) => alertSeverity == AlertSeverity.Critical;

    /// <summary>
    /// The severity of an incident opened from an alert. A <see cref="LabelName"/> label on the alert (set on its rule) of
    /// <c>1</c> to <c>4</c> decides; without one (or with another value), a critical alert gives SEV2, a warning SEV3 and an
    /// info alert SEV4. Only critical alerts open incidents by themselves (<see cref="OpensIncident"/>): the others give a
    /// severity for a person who opens an incident from them by hand.
    /// </summary>
    public static IncidentSeverity ForAlert(AlertSeverity alertSeverity, LabelSet labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels[LabelName] is { Length: 1 } sev && sev[0] is >= '1' and <= '4')
        {
            return All[sev[0] - '1'];
        }

        return alertSeverity switch
        {
            AlertSeverity.Critical => Sev2,
            AlertSeverity.Warning => Sev3,
            _ => Sev4,
        };
    }

    /// <summary>Lower levels are more severe and sort first.</summary>
    public int CompareTo(IncidentSeverity? other) => other is null ? -1 : Level.CompareTo(other.Level);

    public override string ToString() => Name;
}
