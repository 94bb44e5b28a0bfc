namespace Capstan.Testing;

/// <summary>
/// What an <see cref="AlertmanagerServer"/> is started with: one route to one webhook receiver. Unset timings are
/// Alertmanager's own defaults, so a test states only what it tunes.
/// </summary>
public sealed record AlertmanagerOptions
{
    /// <summary>Where notifications are POSTed (<c>webhook_configs[].url</c>), e.g. a <see cref="WebhookRecorder"/>'s URL.</summary>
    public required Uri WebhookUrl { get; init; }

    /// <summary>The receiver's name, the <c>receiver</c> field of each notification.</summary>
    public string Receiver { get; init; } = "webhook";

    /// <summary>
    /// <c>route.group_by</c>: the labels that split alerts into notification groups. Alertmanager's default, empty, puts
    /// every alert in one group; <c>["..."]</c> groups by all labels.
    /// </summary>
    public IReadOnlyList<string> GroupBy { get; init; } = [];

    /// <summary><c>route.group_wait</c>: how long a new group waits for more alerts before its first notification; default 30s.</summary>
    public TimeSpan GroupWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary><c>route.group_interval</c>: how long a group waits before notifying of changes to it; default 5m.</summary>
    public TimeSpan GroupInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary><c>route.repeat_interval</c>: how long before an unchanged group is notified again; default 4h.</summary>
    public TimeSpan RepeatInterval { get; init; } = TimeSpan.FromHours(4);

    /// <summary><c>send_resolved</c>: whether resolved alerts are notified too; Alertmanager's default for webhooks is true.</summary>
    public bool SendResolved { get; init; } = true;

    /// <summary>More command-line flags, passed as given after the helper's own.</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];
}
