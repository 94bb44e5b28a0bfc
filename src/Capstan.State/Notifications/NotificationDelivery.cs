namespace Capstan.State;

/// <summary>
/// One attempt to deliver a notification of an alert group to a receiver, and how it went: the delivery log that
/// answers "did the page go out?".
/// </summary>
public sealed record NotificationDelivery
{
    /// <summary>The entry's id, e.g. <c>StateId.New("ntf")</c>.</summary>
    public required string Id { get; init; }

    public required string App { get; init; }

    /// <summary>The receiver's name, e.g. <c>on-call-pager</c>.</summary>
    public required string Receiver { get; init; }

    /// <summary>Identifies the alert group notified, e.g. its grouping labels.</summary>
    public required string GroupKey { get; init; }

    /// <summary>Whether the notification said the group is firing or resolved.</summary>
    public required NotificationStatus Status { get; init; }

    /// <summary>1 for the first attempt of this notification, 2 for its first retry, …</summary>
    public required int Attempt { get; init; }

    public required NotificationOutcome Outcome { get; init; }

    /// <summary>Why it failed, already masked by the caller (the store writes it as given); null when delivered.</summary>
    public string? Error { get; init; }

    public required DateTimeOffset At { get; init; }
}

/// <summary>What a notification said about its alert group. Stored as the lowercase text in each member's comment.</summary>
public enum NotificationStatus
{
    /// <summary><c>firing</c></summary>
    Firing,

    /// <summary><c>resolved</c></summary>
    Resolved,
}

/// <summary>How a delivery attempt went. Stored as the lowercase text in each member's comment.</summary>
public enum NotificationOutcome
{
    /// <summary><c>delivered</c>: the receiver accepted it.</summary>
    Delivered,

    /// <summary><c>failed</c>: it failed, and will not be tried again.</summary>
    Failed,

    /// <summary><c>retrying</c>: it failed, and will be tried again.</summary>
    Retrying,
}

/// <summary>The notification delivery log: appended to, read newest first, pruned by age.</summary>
public interface INotificationLog
{
    /// <summary>Appends an entry. Its id must not exist yet.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="NotificationDelivery.Attempt"/> is below 1.</exception>
    Task AppendAsync(NotificationDelivery delivery, CancellationToken cancellationToken);

    /// <summary>
    /// The newest <paramref name="limit"/> entries (by time, then id, both descending), of one app or of all (<paramref name="app"/>
    /// null) and of one receiver or of all (<paramref name="receiver"/> null).
    /// </summary>
    Task<IReadOnlyList<NotificationDelivery>> ListRecentAsync(string? app, string? receiver, int limit, CancellationToken cancellationToken);

    /// <summary>Deletes the entries made before <paramref name="before"/>, keeping the log bounded; returns how many.</summary>
    Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken);
}
