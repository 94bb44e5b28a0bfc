using Capstan.Manifest.Values;

namespace Capstan.Manifest.Model;

/// <summary>Where alerts and deployment news are sent.</summary>
public abstract record NotificationChannel
{
    public required string Name { get; init; }

    public abstract string Kind { get; }
}

/// <summary>An HTTP POST with a payload compatible with Alertmanager's webhook.</summary>
public sealed record WebhookChannel : NotificationChannel
{
    public override string Kind => "webhook";

    public required Template Url { get; init; }
}

/// <summary>A Slack-compatible incoming webhook.</summary>
public sealed record SlackChannel : NotificationChannel
{
    public override string Kind => "slack";

    public required Template Url { get; init; }
}

public sealed record EmailChannel : NotificationChannel
{
    public override string Kind => "email";

    public required IReadOnlyList<string> To { get; init; }

    public string? From { get; init; }

    /// <summary>The SMTP server: <c>smtp://user:password@host:587</c>, usually a secret reference.</summary>
    public required Template Smtp { get; init; }
}

/// <summary>A command that receives the notification as JSON on stdin.</summary>
public sealed record CommandChannel : NotificationChannel
{
    public override string Kind => "command";

    public required Template Command { get; init; }
}
