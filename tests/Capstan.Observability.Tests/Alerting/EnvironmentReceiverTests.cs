using Capstan.Observability.Alerting;
using Capstan.Secrets.Masking;
using Capstan.Testing;

namespace Capstan.Observability.Tests.Alerting;

/// <summary>A channel rendered per environment sends each notification to its environment's URL.</summary>
public sealed class EnvironmentReceiverTests
{
    private static readonly HttpClient Http = new();

    [Fact]
    public async Task ANotification_GoesToItsEnvironmentsReceiver_OrToTheFallback()
    {
        await using var server = new RecordingHttpServer();
        var receiver = new EnvironmentReceiver(
            new Dictionary<string, INotificationReceiver>
            {
                ["staging"] = new WebhookReceiver(server.Url("/staging"), SecretMasker.Empty, Http),
                ["production"] = new WebhookReceiver(server.Url("/production"), SecretMasker.Empty, Http),
            },
            new WebhookReceiver(server.Url("/fallback"), SecretMasker.Empty, Http));
        var production = ReceiverTests.Sample();
        var staging = Relabel(production, "staging");
        var grouped = production with { GroupLabels = LabelSet.Of(("alertname", "HighErrorRate")) };
        var mixed = grouped with { Alerts = [.. production.Alerts, .. staging.Alerts] };
        var unknown = Relabel(production, "qa");

        foreach (var notification in new[] { production, staging, grouped, mixed, unknown })
        {
            (await receiver.SendAsync(notification, TestContext.Current.CancellationToken).DefaultTimeout()).ShouldBe(DeliveryResult.Success);
        }

        server.Requests.Select(r => r.PathAndQuery).ShouldBe(
            ["/production", "/staging", "/production", "/fallback", "/fallback"],
            "by the group's env; by the env all alerts share; none shared, or an environment not rendered: the fallback");
    }

    private static Notification Relabel(Notification notification, string environment) => notification with
    {
        GroupLabels = notification.GroupLabels.With("env", environment),
        Alerts = [.. notification.Alerts.Select(a => a with { Labels = a.Labels.With("env", environment) })],
    };
}
