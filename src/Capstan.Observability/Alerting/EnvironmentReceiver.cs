namespace Capstan.Observability.Alerting;

/// <summary>
/// One channel whose URL or command differs per environment (it names a secret, and each environment has its own
/// value): a notification goes to the receiver rendered for its environment, the <c>env</c> label of its group or,
/// when the group has none, the one all its alerts share. A notification of an environment the channel could not be
/// rendered for (its secret is missing there), or of no single environment, goes to <paramref name="fallback"/>.
/// </summary>
public sealed class EnvironmentReceiver(IReadOnlyDictionary<string, INotificationReceiver> byEnvironment, INotificationReceiver fallback) : INotificationReceiver
{
    /// <summary>The receiver a notification of <paramref name="environment"/> goes to.</summary>
    public INotificationReceiver For(string? environment) =>
        environment is not null && byEnvironment.TryGetValue(environment, out var receiver) ? receiver : fallback;

    /// <summary>The environment a notification is about: its group's <c>env</c>, else the one its alerts share, else null.</summary>
    public static string? EnvironmentOf(Notification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        if (notification.GroupLabels[AlertLabels.Env] is { Length: > 0 } grouped)
        {
            return grouped;
        }

        var environments = notification.Alerts.Select(a => a.Labels[AlertLabels.Env]).Distinct(StringComparer.Ordinal).ToList();
        return environments is [{ Length: > 0 } only] ? only : null;
    }

    public Task<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken) =>
        For(EnvironmentOf(notification)).SendAsync(notification, cancellationToken);
}
