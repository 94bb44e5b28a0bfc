using Capstan.Secrets.Masking;

namespace Capstan.Observability.Alerting;

/// <summary>
/// POSTs Alertmanager's webhook JSON (version 4, <see cref="AlertmanagerPayload"/>) to a URL: anything written for
/// Alertmanager's <c>webhook_config</c> receives Capstan's alerts unchanged. 2xx is success; 5xx, 408, 429 and
/// network errors are retried, other 4xx are not.
/// </summary>
public sealed class WebhookReceiver : INotificationReceiver
{
    /// <summary>How long one POST may take, answer included.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly string _url;
    private readonly SecretMasker _masker;
    private readonly HttpClient _http;
    private readonly string? _externalUrl;
    private readonly TimeSpan _timeout;

    /// <param name="url">The resolved URL; it may hold a secret, which <paramref name="masker"/> masks in every error.</param>
    /// <param name="masker">Masks the secret values of the URL.</param>
    /// <param name="http">A shared client; the receiver does not dispose it.</param>
    /// <param name="externalUrl">Where Capstan is reached, for <c>externalURL</c> and <c>generatorURL</c>.</param>
    /// <param name="timeout">How long one POST may take; <see cref="DefaultTimeout"/> when null.</param>
    public WebhookReceiver(string url, SecretMasker masker, HttpClient http, string? externalUrl = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(masker);
        ArgumentNullException.ThrowIfNull(http);
        _url = url;
        _masker = masker;
        _http = http;
        _externalUrl = externalUrl;
        _timeout = timeout ?? DefaultTimeout;
    }

    public Task<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        return HttpDelivery.PostJsonAsync(_http, _url, AlertmanagerPayload.Serialize(notification, _externalUrl), _masker, _timeout, cancellationToken);
    }
}
