using System.Text.Json;
using Capstan.Secrets.Masking;

namespace Capstan.Observability.Alerting;

/// <summary>
/// POSTs <c>{"text": …}</c> to a Slack incoming webhook (or anything that speaks it: Mattermost, Rocket.Chat):
/// the title, then per alert its severity, rule, env/service, summary, description, runbook link and start
/// (<see cref="NotificationText.SlackText"/>).
/// </summary>
public sealed class SlackReceiver : INotificationReceiver
{
    private readonly string _url;
    private readonly SecretMasker _masker;
    private readonly HttpClient _http;
    private readonly TimeSpan _timeout;

    /// <param name="url">The resolved incoming-webhook URL, a secret in itself: <paramref name="masker"/> masks it in every error.</param>
    /// <param name="masker">Masks the secret values of the URL.</param>
    /// <param name="http">A shared client; the receiver does not dispose it.</param>
    /// <param name="timeout">How long one POST may take; <see cref="WebhookReceiver.DefaultTimeout"/> when null.</param>
    public SlackReceiver(string url, SecretMasker masker, HttpClient http, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(masker);
        ArgumentNullException.ThrowIfNull(http);
        _url = url;
        _masker = masker;
        _http = http;
        _timeout = timeout ?? WebhookReceiver.DefaultTimeout;
    }

    public Task<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("text", NotificationText.SlackText(notification));
            json.WriteEndObject();
        }

        var body = buffer.ToArray();
        return HttpDelivery.PostJsonAsync(_http, _url, body, _masker, _timeout, cancellationToken);
    }
}
