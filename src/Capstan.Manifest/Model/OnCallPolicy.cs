using Capstan.Manifest.Values;

namespace Capstan.Manifest.Model;

/// <summary>
/// Who is paged: people take shifts in the order written, each shift starting at a handoff; an unacknowledged page
/// escalates to the next person after <see cref="EscalateAfter"/> (or the incident severity's response target).
/// </summary>
public sealed record OnCallPolicy
{
    /// <summary>The people in rotation order, each with the notification channel that reaches them.</summary>
    public required IReadOnlyList<OnCallPerson> People { get; init; }

    public required Duration Shift { get; init; }

    /// <summary>A moment a shift starts, in <see cref="TimeZone"/>: the first shift of the rotation begins then.</summary>
    public required DateTime Handoff { get; init; }

    public required TimeZoneInfo TimeZone { get; init; }

    /// <summary>How long a page may go unacknowledged before the next person is paged; null: the severity's response target.</summary>
    public Duration? EscalateAfter { get; init; }
}

/// <summary>One person of the rotation and the channel (under <c>notifications:</c>) that pages them.</summary>
public sealed record OnCallPerson(string Name, string Notify);

/// <summary>Alertmanager's timings for one severity: wait before a group's first notification, between updates, between repeats.</summary>
public sealed record RouteTimings(Duration GroupWait, Duration GroupInterval, Duration RepeatInterval)
{
    /// <summary>Critical notifies at once, updates within a minute and repeats hourly until acknowledged.</summary>
    public static RouteTimings Critical { get; } = new(Duration.FromSeconds(0), Duration.FromSeconds(60), new Duration(TimeSpan.FromHours(1)));

    /// <summary>Warnings wait 30 s to group, update every 5 minutes and repeat every 4 hours, as Alertmanager does.</summary>
    public static RouteTimings Warning { get; } = new(Duration.FromSeconds(30), new Duration(TimeSpan.FromMinutes(5)), new Duration(TimeSpan.FromHours(4)));
}

/// <summary>The <c>routing:</c> section: notification timings per severity (info alerts are recorded, never sent).</summary>
public sealed record AlertRouting(RouteTimings Critical, RouteTimings Warning)
{
    public static AlertRouting Default { get; } = new(RouteTimings.Critical, RouteTimings.Warning);
}
