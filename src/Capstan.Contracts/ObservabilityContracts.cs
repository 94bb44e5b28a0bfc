namespace Capstan.Contracts;

/// <summary>One series' latest value, as <c>capstan metrics</c> prints it.</summary>
public sealed record MetricValueView
{
    public required string Name { get; init; }

    public required IReadOnlyDictionary<string, string> Labels { get; init; }

    public required double Value { get; init; }

    public required DateTimeOffset At { get; init; }
}

/// <summary>An alert of a rule for one label set: pending, firing or just resolved, and how it is being handled.</summary>
public sealed record AlertView
{
    /// <summary>The fingerprint: what <c>capstan alert ack</c> takes.</summary>
    public required string Id { get; init; }

    public required string Rule { get; init; }

    /// <summary><c>pending</c>, <c>firing</c> or <c>resolved</c>.</summary>
    public required string Status { get; init; }

    public required string Severity { get; init; }

    public required IReadOnlyDictionary<string, string> Labels { get; init; }

    /// <summary>What was measured against what: "error_rate(web) is 12%, above 1%".</summary>
    public required string Description { get; init; }

    public string? Summary { get; init; }

    public string? Runbook { get; init; }

    public double? Value { get; init; }

    /// <summary>When the condition started to hold.</summary>
    public DateTimeOffset? ActiveSince { get; init; }

    /// <summary>When it started firing.</summary>
    public DateTimeOffset? FiringSince { get; init; }

    public DateTimeOffset? ResolvedAt { get; init; }

    /// <summary>Silences that mute it, by id.</summary>
    public IReadOnlyList<string> SilencedBy { get; init; } = [];

    /// <summary>The firing critical alert that mutes this warning, if any.</summary>
    public string? InhibitedBy { get; init; }

    public string? AcknowledgedBy { get; init; }

    public DateTimeOffset? AcknowledgedAt { get; init; }

    /// <summary>A guard alert blocks deployments of its environment while it fires.</summary>
    public bool Guard { get; init; }
}

/// <summary><c>capstan alert ack</c>, <c>capstan incident ack|resolve</c>: who does it.</summary>
public sealed record ActorRequest
{
    public string? Actor { get; init; }
}

/// <summary><c>capstan silence add --match service=api --for 2h --reason …</c>.</summary>
public sealed record SilenceRequest
{
    /// <summary>Label equalities an alert must all have to be muted; at least one.</summary>
    public required IReadOnlyDictionary<string, string> Matchers { get; init; }

    /// <summary>How long, as a duration (<c>2h</c>).</summary>
    public required string For { get; init; }

    public required string Reason { get; init; }

    public string? Actor { get; init; }
}

public sealed record SilenceView
{
    public required string Id { get; init; }

    public required IReadOnlyDictionary<string, string> Matchers { get; init; }

    public required DateTimeOffset StartsAt { get; init; }

    public required DateTimeOffset EndsAt { get; init; }

    public required string CreatedBy { get; init; }

    public required string Reason { get; init; }

    /// <summary><c>active</c> or <c>expired</c>.</summary>
    public required string Status { get; init; }
}

/// <summary><c>capstan incident open --title … --sev 2 [--env production] [--service api]</c>.</summary>
public sealed record IncidentRequest
{
    public required string Title { get; init; }

    /// <summary>1 to 4.</summary>
    public required int Severity { get; init; }

    public string? Environment { get; init; }

    public IReadOnlyList<string> Services { get; init; } = [];

    public string? Actor { get; init; }
}

/// <summary><c>capstan incident note ID "text"</c>.</summary>
/// <summary><c>capstan incident severity ID 1 --reason …</c>.</summary>
public sealed record IncidentSeverityRequest
{
    /// <summary>1 to 4.</summary>
    public required int Severity { get; init; }

    /// <summary>Why, for the timeline.</summary>
    public string? Reason { get; init; }

    public string? Actor { get; init; }
}

public sealed record IncidentNoteRequest
{
    public required string Text { get; init; }

    public string? Actor { get; init; }
}

public sealed record IncidentView
{
    public required string Id { get; init; }

    public required string Title { get; init; }

    /// <summary><c>SEV1</c> to <c>SEV4</c>.</summary>
    public required string Severity { get; init; }

    /// <summary>The severity's response target, in seconds (SEV1: 300).</summary>
    public required double ResponseTargetSeconds { get; init; }

    /// <summary><c>open</c>, <c>acknowledged</c> or <c>resolved</c>.</summary>
    public required string Status { get; init; }

    public string? Environment { get; init; }

    public required IReadOnlyList<string> Services { get; init; }

    public required DateTimeOffset OpenedAt { get; init; }

    public required string OpenedBy { get; init; }

    public DateTimeOffset? AcknowledgedAt { get; init; }

    public string? AcknowledgedBy { get; init; }

    public DateTimeOffset? ResolvedAt { get; init; }

    public string? ResolvedBy { get; init; }

    /// <summary>Who is on call now, when the app has a rotation.</summary>
    public string? OnCall { get; init; }

    /// <summary>The timeline, oldest first (in <c>show</c>; absent in lists).</summary>
    public IReadOnlyList<IncidentEventView>? Timeline { get; init; }
}

public sealed record IncidentEventView
{
    public required DateTimeOffset At { get; init; }

    /// <summary><c>opened</c>, <c>alert</c>, <c>acknowledged</c>, <c>note</c>, <c>escalated</c>, <c>resolved</c>, <c>deployment</c>, <c>rollback</c>, <c>secret</c>.</summary>
    public required string Kind { get; init; }

    public required string Actor { get; init; }

    public required string Text { get; init; }
}
