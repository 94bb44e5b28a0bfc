namespace Capstan.Observability.Alerting;

/// <summary>What the dispatcher must remember across a restart so that it neither tells again what it told nor forgets silences.</summary>
public sealed record DispatcherState
{
    public IReadOnlyList<Silence> Silences { get; init; } = [];

    public IReadOnlyList<Acknowledgement> Acknowledgements { get; init; } = [];

    public IReadOnlyList<NotificationLogEntry> NotificationLog { get; init; } = [];
}

/// <summary>What was last told to one receiver about one group, as Alertmanager's notification log keeps it.</summary>
public sealed record NotificationLogEntry
{
    public required string Receiver { get; init; }

    public required string GroupKey { get; init; }

    public required DateTimeOffset LastSentAt { get; init; }

    /// <summary>The firing alerts of the last notification.</summary>
    public required IReadOnlyList<AlertEpisode> LastFiring { get; init; }

    /// <summary>The alerts told as firing whose resolution is not told yet.</summary>
    public required IReadOnlyList<AlertEpisode> Unresolved { get; init; }
}

/// <summary>One firing period of one alert: a new firing after a resolution is a new episode.</summary>
public sealed record AlertEpisode(string Fingerprint, DateTimeOffset StartsAt);
