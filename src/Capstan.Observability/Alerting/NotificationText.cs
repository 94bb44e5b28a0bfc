using System.Globalization;
using System.Text;
using Capstan.Manifest.Model;

namespace Capstan.Observability.Alerting;

/// <summary>Notifications written for people: the title Alertmanager's default templates use, and one paragraph per alert.</summary>
public static class NotificationText
{
    /// <summary>
    /// <c>[FIRING:2] HighErrorRate production api</c>: the status, the number of firing alerts, then the values of the
    /// group labels, <c>alertname</c> first and the others by name, as Alertmanager's default email subject.
    /// </summary>
    public static string Title(Notification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var status = notification.Status == NotificationStatus.Firing
            ? $"[FIRING:{notification.Firing.Count().ToString(CultureInfo.InvariantCulture)}]"
            : "[RESOLVED]";
        var values = notification.GroupLabels
            .OrderBy(l => l.Key == AlertLabels.AlertName ? 0 : 1)
            .ThenBy(l => l.Key, StringComparer.Ordinal)
            .Select(l => l.Value);
        return string.Join(' ', values.Prepend(status));
    }

    /// <summary>A plain-text body: the title, then each alert with its severity, labels, summary, description and runbook.</summary>
    public static string PlainText(Notification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var text = new StringBuilder().Append(Title(notification)).Append("\n\n");
        foreach (var alert in notification.Alerts)
        {
            text.Append(alert.IsFiring ? "FIRING" : "RESOLVED").Append(' ')
                .Append(Severity(alert)).Append(' ')
                .Append(alert.RuleName);
            if (Where(alert) is { } where)
            {
                text.Append(" (").Append(where).Append(')');
            }

            text.Append('\n');
            AppendLine(text, "Summary", alert.Annotations[AlertLabels.Summary]);
            AppendLine(text, "Description", alert.Annotations[AlertLabels.Description]);
            AppendLine(text, "Runbook", alert.Annotations[AlertLabels.RunbookUrl]);
            AppendLine(text, "Since", FormatTime(alert.StartsAt ?? alert.ActiveSince));
            if (alert.IsResolved)
            {
                AppendLine(text, "Resolved", FormatTime(alert.EndsAt ?? alert.LastSeenAt));
            }

            AppendLine(text, "Labels", string.Join(", ", alert.Labels.Select(l => $"{l.Key}={l.Value}")));
            AppendLine(text, "Fingerprint", alert.Fingerprint);
            text.Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Slack's mrkdwn: a bold title, then per alert a line with an icon, the severity, the rule and where, and quoted details.</summary>
    public static string SlackText(Notification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var text = new StringBuilder().Append('*').Append(SlackEscape(Title(notification))).Append('*');
        foreach (var alert in notification.Alerts)
        {
            text.Append('\n')
                .Append(alert.IsResolved ? ":white_check_mark:" : alert.Severity == AlertSeverity.Critical ? ":red_circle:" : ":warning:")
                .Append(" *").Append(alert.IsResolved ? "RESOLVED" : Severity(alert).ToUpperInvariant()).Append("* ")
                .Append(SlackEscape(alert.RuleName));
            if (Where(alert) is { } where)
            {
                text.Append(" — ").Append(SlackEscape(where));
            }

            if (alert.Annotations[AlertLabels.Summary] is { } summary)
            {
                text.Append("\n>").Append(SlackEscape(summary));
            }

            if (alert.Annotations[AlertLabels.Description] is { } description)
            {
                text.Append("\n>").Append(SlackEscape(description));
            }

            if (alert.Annotations[AlertLabels.RunbookUrl] is { } runbook)
            {
                text.Append("\n>Runbook: ").Append(Uri.TryCreate(runbook, UriKind.Absolute, out _) && !runbook.Contains('|', StringComparison.Ordinal)
                    ? $"<{SlackEscape(runbook)}|{SlackEscape(runbook)}>"
                    : SlackEscape(runbook));
            }

            text.Append("\n>").Append(alert.IsResolved
                ? $"Resolved {FormatTime(alert.EndsAt ?? alert.LastSeenAt)}, fired {FormatTime(alert.StartsAt ?? alert.ActiveSince)}"
                : $"Since {FormatTime(alert.StartsAt ?? alert.ActiveSince)}");
        }

        return text.ToString();
    }

    /// <summary><c>production/api</c> from the env and service labels, or null when the alert has neither.</summary>
    private static string? Where(Alert alert)
    {
        var parts = new[] { alert[AlertLabels.Env], alert[AlertLabels.Service] }.OfType<string>().ToList();
        return parts.Count == 0 ? null : string.Join('/', parts);
    }

    private static string Severity(Alert alert) => AlertLabels.SeverityValue(alert.Severity);

    private static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    private static void AppendLine(StringBuilder text, string name, string? value)
    {
        if (value is not null)
        {
            text.Append("  ").Append(name).Append(": ").Append(value).Append('\n');
        }
    }

    /// <summary>Slack reads &amp;, &lt; and &gt; as control characters; they must be escaped in text.</summary>
    private static string SlackEscape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
