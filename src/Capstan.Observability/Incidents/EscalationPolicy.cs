using Capstan.State;

namespace Capstan.Observability.Incidents;

/// <summary>
/// Who to notify when an open incident is not acknowledged in time. Whoever was on call when it opened was notified then
/// (by the alert's route, or by the person who opened it). If nobody acknowledges within <see cref="EscalateAfter"/>
/// (by default the severity's response target: 5 minutes for SEV1), the next person in the rotation is notified; after
/// twice that, the one after; and so on until everyone in the rotation has been. Acknowledging (or resolving) stops it.
/// </summary>
/// <remarks>
/// The policy remembers nothing: <see cref="Tick"/> is told how many escalations already happened (the incident manager
/// counts the <c>escalated</c> events on the timeline), so it is deterministic and survives restarts. A firing critical
/// alert always belongs to an incident, so escalating incidents also escalates such alerts.
/// </remarks>
public sealed class EscalationPolicy
{
    /// <param name="escalateAfter">How long each person has to acknowledge before the next is notified; null for the severity's response target.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="escalateAfter"/> is not positive.</exception>
    public EscalationPolicy(OnCallSchedule schedule, TimeSpan? escalateAfter = null)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        if (escalateAfter is { } after && after <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(escalateAfter), after, "Escalation must wait longer than zero.");
        }

        Schedule = schedule;
        EscalateAfter = escalateAfter;
    }

    public OnCallSchedule Schedule { get; }

    /// <summary>The wait before each escalation; null for the response target of the incident's severity.</summary>
    public TimeSpan? EscalateAfter { get; }

    /// <summary>How many escalations an incident can have: one per person in the rotation after the one on call.</summary>
    public int MaxLevel => Schedule.People.Count - 1;

    /// <summary>The wait before each escalation of an incident of <paramref name="severity"/>.</summary>
    public TimeSpan WaitFor(IncidentSeverity severity)
    {
        ArgumentNullException.ThrowIfNull(severity);
        return EscalateAfter ?? severity.ResponseTarget;
    }

    /// <summary>
    /// The escalations of <paramref name="incident"/> due by <paramref name="now"/> that have not happened yet, lowest level
    /// first: level k is due at <see cref="Incident.OpenedAt"/> + k × the wait and notifies the person k places after the
    /// one on call when the incident opened. Empty unless the incident is <see cref="IncidentStatus.Open"/>. Several at once
    /// when ticks were missed.
    /// </summary>
    /// <param name="escalationsSoFar">How many escalations of the incident already happened.</param>
    public IReadOnlyList<EscalationAction> Tick(Incident incident, int escalationsSoFar, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(incident);
        ArgumentOutOfRangeException.ThrowIfNegative(escalationsSoFar);
        if (incident.Status != IncidentStatus.Open)
        {
            return [];
        }

        var severity = IncidentSeverity.FromLevel(incident.Severity);
        var wait = WaitFor(severity);
        var onCall = Schedule.At(incident.OpenedAt).Position;
        var actions = new List<EscalationAction>();
        for (var level = escalationsSoFar + 1; level <= MaxLevel; level++)
        {
            var due = incident.OpenedAt + (wait * level);
            if (due > now)
            {
                break;
            }

            actions.Add(new EscalationAction
            {
                IncidentId = incident.Id,
                App = incident.App,
                Title = incident.Title,
                Severity = severity,
                Level = level,
                Of = MaxLevel,
                Person = Schedule.PersonAfter(onCall, level),
                DueAt = due,
                Unacknowledged = wait * level,
            });
        }

        return actions;
    }
}

/// <summary>An escalation to deliver: notify <see cref="Person"/> about an incident nobody acknowledged.</summary>
public sealed record EscalationAction
{
    public required string IncidentId { get; init; }

    public required string App { get; init; }

    public required string Title { get; init; }

    public required IncidentSeverity Severity { get; init; }

    /// <summary>1 for the first escalation (the person after the one on call), 2 for the next, …</summary>
    public required int Level { get; init; }

    /// <summary>How many escalations there can be in all (<see cref="EscalationPolicy.MaxLevel"/>).</summary>
    public required int Of { get; init; }

    public required string Person { get; init; }

    /// <summary>When the escalation was due; the notification goes out at the tick that returned it.</summary>
    public required DateTimeOffset DueAt { get; init; }

    /// <summary>How long the incident had gone unacknowledged when the escalation was due.</summary>
    public required TimeSpan Unacknowledged { get; init; }
}
