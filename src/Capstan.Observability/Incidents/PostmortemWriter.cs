using System.Globalization;
using System.Text;
using Capstan.State;

namespace Capstan.Observability.Incidents;

/// <summary>
/// Writes the first draft of an incident's postmortem in Markdown (the "learn" step of incident response): what the
/// records know (summary, impact with error budget, timeline, what changed in the hour before) filled in, and empty
/// sections for what only people know (root cause, what went well and wrong, action items). All times are UTC.
/// </summary>
public static class PostmortemWriter
{
    private const string TimeFormat = "yyyy-MM-dd HH:mm:ss";

    /// <param name="timeline">The incident's timeline, in any order: it is written by time, then sequence.</param>
    /// <param name="changesBefore">The changes of the hour before (see <see cref="IncidentManager.WhatChanged"/>).</param>
    public static string Write(
        Incident incident,
        IReadOnlyList<IncidentEvent> timeline,
        IReadOnlyList<ChangeEvent> changesBefore,
        PostmortemImpact impact)
    {
        ArgumentNullException.ThrowIfNull(incident);
        ArgumentNullException.ThrowIfNull(timeline);
        ArgumentNullException.ThrowIfNull(changesBefore);
        ArgumentNullException.ThrowIfNull(impact);
        impact.Validate();
        var severity = IncidentSeverity.FromLevel(incident.Severity);
        var md = new StringBuilder();

        md.Append("# Postmortem: ").Append(OneLine(incident.Title)).Append('\n');
        md.Append('\n');
        md.Append("Draft written by Capstan from incident ").Append(incident.Id)
            .Append(". Fill in the empty sections with the people involved; look for causes in systems, not culprits.\n");

        md.Append("\n## Summary\n\n");
        md.Append(SummarySentence(incident, severity)).Append('\n');
        md.Append('\n');
        md.Append("| | |\n|---|---|\n");
        Row(md, "Incident", incident.Id);
        Row(md, "Severity", $"{severity.Name}: {severity.Description} (respond within {DurationText.Format(severity.ResponseTarget)})");
        Row(md, "Status", incident.Status.ToString().ToLowerInvariant());
        Row(md, "App", incident.App);
        Row(md, "Environment", incident.Environment ?? "none");
        Row(md, "Services", incident.Services.Count == 0 ? "none named" : string.Join(", ", incident.Services));
        Row(md, "Alerts", incident.AlertFingerprints.Count == 0 ? "none" : string.Join(", ", incident.AlertFingerprints));
        Row(md, "Opened", $"{Time(incident.OpenedAt)} by {incident.OpenedBy}");
        Row(md, "Acknowledged", incident.AcknowledgedAt is { } acknowledged ? $"{Time(acknowledged)} by {incident.AcknowledgedBy}" : "never");
        Row(md, "Resolved", incident.ResolvedAt is { } resolved ? $"{Time(resolved)} by {incident.ResolvedBy}" : "not yet");

        md.Append("\n## Impact\n\n");
        if (!string.IsNullOrWhiteSpace(impact.Description))
        {
            md.Append(impact.Description.Trim()).Append("\n\n");
        }

        WriteImpact(md, incident, severity, impact);

        md.Append("\n## Timeline\n\n");
        md.Append("| Time (UTC) | Event | By | What |\n|---|---|---|---|\n");
        foreach (var entry in timeline.OrderBy(e => e.At).ThenBy(e => e.Sequence))
        {
            md.Append("| ").Append(Time(entry.At))
                .Append(" | ").Append(entry.Kind.ToString().ToLowerInvariant())
                .Append(" | ").Append(Cell(entry.Actor))
                .Append(" | ").Append(Cell(entry.Text))
                .Append(" |\n");
        }

        md.Append("\n## What changed in the hour before\n\n");
        md.Append("Deployments, rollbacks and secret changes from ").Append(Time(incident.OpenedAt - IncidentManager.WhatChangedWindow))
            .Append(" to ").Append(Time(incident.OpenedAt)).Append(" UTC, when the incident was opened.\n\n");
        if (changesBefore.Count == 0)
        {
            md.Append("None recorded.\n");
        }
        else
        {
            md.Append("| Time (UTC) | Change | Service | By | What |\n|---|---|---|---|---|\n");
            foreach (var change in changesBefore.OrderBy(c => c.At))
            {
                md.Append("| ").Append(Time(change.At))
                    .Append(" | ").Append(change.Kind.ToString().ToLowerInvariant())
                    .Append(" | ").Append(Cell(change.Service ?? "all"))
                    .Append(" | ").Append(Cell(change.Actor))
                    .Append(" | ").Append(Cell(change.Text))
                    .Append(" |\n");
            }
        }

        md.Append("\n## Root cause\n\n");
        md.Append("\n## What went well\n\n");
        md.Append("\n## What went wrong\n\n");
        md.Append("\n## Action items\n\n");
        md.Append("- [ ] What to change, who owns it, by when\n");
        return md.ToString();
    }

    private static string SummarySentence(Incident incident, IncidentSeverity severity)
    {
        var where = incident.App + (incident.Environment is null ? string.Empty : $" ({incident.Environment})");
        var affecting = incident.Services.Count == 0 ? string.Empty : " affecting " + string.Join(", ", incident.Services);
        var text = new StringBuilder($"{severity.Name} incident in {where}{affecting}. Opened {Time(incident.OpenedAt)} UTC by {incident.OpenedBy}");
        if (incident.AcknowledgedAt is { } acknowledged)
        {
            text.Append(CultureInfo.InvariantCulture, $", acknowledged by {incident.AcknowledgedBy} after {DurationText.Format(acknowledged - incident.OpenedAt)}");
        }

        text.Append(incident.ResolvedAt is { } resolved
            ? $", resolved by {incident.ResolvedBy} after {DurationText.Format(resolved - incident.OpenedAt)}."
            : "; not resolved yet.");
        return OneLine(text.ToString());
    }

    private static void WriteImpact(StringBuilder md, Incident incident, IncidentSeverity severity, PostmortemImpact impact)
    {
        var started = impact.StartedAt ?? incident.OpenedAt;
        var ended = impact.EndedAt ?? incident.ResolvedAt;
        md.Append("| Measure | Value |\n|---|---|\n");
        Row(md, "Impact began", Time(started) + (impact.StartedAt is null ? " (when the incident was opened)" : string.Empty));
        Row(md, "Impact ended", ended is null ? "not yet" : Time(ended.Value) + (impact.EndedAt is null ? " (when the incident was resolved)" : string.Empty));
        Row(md, "Time to detect", DurationText.Format(incident.OpenedAt - started));
        Row(md, "Time to acknowledge", incident.AcknowledgedAt is { } acknowledged
            ? $"{DurationText.Format(acknowledged - incident.OpenedAt)} ({severity.Name} target {DurationText.Format(severity.ResponseTarget)}: {(acknowledged - incident.OpenedAt <= severity.ResponseTarget ? "met" : "missed")})"
            : $"never acknowledged ({severity.Name} target {DurationText.Format(severity.ResponseTarget)})");
        Row(md, "Time to resolve", incident.ResolvedAt is { } resolvedAt ? DurationText.Format(resolvedAt - incident.OpenedAt) : "not resolved yet");

        if (ended is not { } end)
        {
            Row(md, "Duration", "ongoing");
            Row(md, "Error budget burned", "not computed until the impact has ended");
            return;
        }

        var duration = end - started;
        var ratio = impact.ErrorRatio ?? 1;
        var errors = duration * ratio;
        var allowed = impact.SloWindow * (1 - impact.SloTarget);
        var burned = errors / allowed * 100;
        var slo = $"the error budget of a {Percent(impact.SloTarget * 100)} SLO over {DurationText.Format(impact.SloWindow)}";
        Row(md, "Duration", DurationText.Format(duration));
        Row(md, "Error ratio", impact.ErrorRatio is null ? "not given: assumed 100%" : Percent(ratio * 100));
        Row(md, "Error budget burned", (impact.ErrorRatio is null ? "at most " : string.Empty) + $"{Fixed1(burned)}% of {slo}");
        md.Append('\n');
        md.Append(CultureInfo.InvariantCulture, $"Budget burned = duration × error ratio / allowed errors: {DurationText.Format(duration)} × {Percent(ratio * 100)} = ")
            .Append(CultureInfo.InvariantCulture, $"{DurationText.Format(errors)} of failing requests, of the {DurationText.Format(allowed)} that ")
            .Append(CultureInfo.InvariantCulture, $"{Percent(impact.SloTarget * 100)} over {DurationText.Format(impact.SloWindow)} allows.\n");
    }

    private static void Row(StringBuilder md, string name, string value) =>
        md.Append("| ").Append(name).Append(" | ").Append(Cell(value)).Append(" |\n");

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    /// <summary>Up to three decimals, no trailing zeros, then <c>%</c>: <c>99.9%</c>, <c>25%</c>.</summary>
    private static string Percent(double value) => value.ToString("0.###", CultureInfo.InvariantCulture) + "%";

    private static string Fixed1(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();

    /// <summary>A table cell: one line, pipes escaped.</summary>
    private static string Cell(string text) => OneLine(text).Replace("|", "\\|", StringComparison.Ordinal);
}

/// <summary>What the postmortem needs to know about the incident's effect on users, beyond the records.</summary>
public sealed record PostmortemImpact
{
    /// <summary>The availability objective, as a fraction: 0.999 for 99.9%.</summary>
    public required double SloTarget { get; init; }

    /// <summary>The period the objective is measured over; 30 days by default.</summary>
    public TimeSpan SloWindow { get; init; } = TimeSpan.FromDays(30);

    /// <summary>
    /// The share of requests that failed while the incident lasted, 0 to 1 (0.25 for a quarter). Null when unknown: the
    /// budget is then an upper bound that assumes every request failed.
    /// </summary>
    public double? ErrorRatio { get; init; }

    /// <summary>When users began to be affected, if known to be before the incident was opened (say, the deployment that broke it).</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When users stopped being affected, if known to be before the incident was resolved (say, when a rollback finished).</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>What users saw, in a sentence or two; written above the measures.</summary>
    public string? Description { get; init; }

    internal void Validate()
    {
        if (!(SloTarget > 0 && SloTarget < 1))
        {
            throw new ArgumentException($"An SLO target is a fraction between 0 and 1 (0.999 for 99.9%), not {SloTarget.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (SloWindow <= TimeSpan.Zero)
        {
            throw new ArgumentException($"An SLO window must be longer than zero, not {SloWindow}.");
        }

        if (StartedAt is { } started && EndedAt is { } ended && ended < started)
        {
            throw new ArgumentException($"The impact ends at {ended:O}, before it starts at {started:O}.");
        }

        if (ErrorRatio is { } ratio && !(ratio >= 0 && ratio <= 1))
        {
            throw new ArgumentException($"An error ratio is a fraction from 0 to 1 (0.25 for a quarter of requests), not {ratio.ToString(CultureInfo.InvariantCulture)}.");
        }
    }
}
