using System.Globalization;
using System.Net;
using System.Net.Mail;
using System.Net.Mime;
using System.Text;
using Capstan.Secrets.Masking;

namespace Capstan.Observability.Alerting;

/// <summary>
/// Sends a plain-text email through an SMTP server given as <c>smtp://user:password@host:port</c> (user and password
/// URL-encoded and optional, port 25 by default; <c>?tls=true</c> upgrades the connection with STARTTLS). The subject
/// is <see cref="NotificationText.Title"/>, <c>[FIRING:2] HighErrorRate production api</c>; the body
/// <see cref="NotificationText.PlainText"/>.
/// </summary>
/// <remarks>System.Net.Mail's <see cref="SmtpClient"/>: it speaks STARTTLS but not implicit TLS (port 465).</remarks>
public sealed class EmailReceiver : INotificationReceiver
{
    /// <summary>The sender when the channel names none.</summary>
    public const string DefaultFrom = "capstan@localhost";

    /// <summary>How long sending one message may take.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private readonly SmtpEndpoint? _endpoint;
    private readonly string? _invalid;
    private readonly IReadOnlyList<string> _to;
    private readonly string _from;
    private readonly SecretMasker _masker;
    private readonly TimeSpan _timeout;

    /// <param name="smtpUrl">The resolved SMTP URL; its password is a secret that <paramref name="masker"/> masks in every error.</param>
    /// <param name="to">The recipients' addresses.</param>
    /// <param name="from">The sender's address; <see cref="DefaultFrom"/> when null.</param>
    /// <param name="masker">Masks secret values.</param>
    /// <param name="timeout">How long sending may take; <see cref="DefaultTimeout"/> when null.</param>
    public EmailReceiver(string smtpUrl, IReadOnlyList<string> to, string? from, SecretMasker masker, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(smtpUrl);
        ArgumentNullException.ThrowIfNull(to);
        ArgumentNullException.ThrowIfNull(masker);
        _masker = masker;
        _to = to;
        _from = string.IsNullOrWhiteSpace(from) ? DefaultFrom : from;
        _timeout = timeout ?? DefaultTimeout;
        // A bad URL fails each delivery (not retried) rather than the construction: one channel must not stop the others.
        if (SmtpEndpoint.TryParse(smtpUrl, out var endpoint, out var error))
        {
            _endpoint = endpoint;
        }
        else
        {
            _invalid = masker.Mask(error);
        }
    }

    public async Task<DeliveryResult> SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        if (_endpoint is null)
        {
            return DeliveryResult.Failure(_invalid!, retryable: false);
        }

        if (_to.Count == 0)
        {
            return DeliveryResult.Failure("the email channel has no recipient", retryable: false);
        }

        var invalid = _to.Prepend(_from).Where(address => !MailAddress.TryCreate(address, out _)).ToList();
        if (invalid.Count > 0)
        {
            return DeliveryResult.Failure(_masker.Mask($"not an email address: {string.Join(", ", invalid.Select(a => $"'{a}'"))}"), retryable: false);
        }

        using var message = new MailMessage
        {
            From = new MailAddress(_from),
            Subject = NotificationText.Title(notification),
            SubjectEncoding = Encoding.UTF8,
            Body = NotificationText.PlainText(notification),
            BodyEncoding = Encoding.UTF8,
            BodyTransferEncoding = TransferEncoding.QuotedPrintable,
            IsBodyHtml = false,
        };
        foreach (var address in _to)
        {
            message.To.Add(new MailAddress(address));
        }

        using var client = new SmtpClient(_endpoint.Host, _endpoint.Port)
        {
            EnableSsl = _endpoint.Tls,
            DeliveryMethod = SmtpDeliveryMethod.Network,
            UseDefaultCredentials = false,
            Credentials = _endpoint.User is null ? null : new NetworkCredential(_endpoint.User, _endpoint.Password),
        };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        var server = $"{_endpoint.Host}:{_endpoint.Port.ToString(CultureInfo.InvariantCulture)}";
        try
        {
            await client.SendMailAsync(message, deadline.Token).ConfigureAwait(false);
            return DeliveryResult.Success;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return DeliveryResult.Failure(_masker.Mask($"SMTP {server} timed out after {_timeout.TotalSeconds:0.#}s"));
        }
        catch (SmtpException e)
        {
            // 5xx replies are permanent (a recipient refused, authentication failed); connection failures are GeneralFailure.
            var permanent = (int)e.StatusCode >= 500;
            return DeliveryResult.Failure(_masker.Mask($"SMTP {server}: {HttpDelivery.Messages(e)}"), retryable: !permanent);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or System.Security.Authentication.AuthenticationException)
        {
            return DeliveryResult.Failure(_masker.Mask($"SMTP {server}: {HttpDelivery.Messages(e)}"));
        }
    }
}

/// <summary>An SMTP server from <c>smtp://user:password@host:port?tls=true</c>.</summary>
public sealed record SmtpEndpoint(string Host, int Port, string? User, string? Password, bool Tls)
{
    public const int DefaultPort = 25;

    public static bool TryParse(string url, out SmtpEndpoint endpoint, out string error)
    {
        ArgumentNullException.ThrowIfNull(url);
        endpoint = null!;
        const string expected = "smtp://user:password@host:port (user, password and port optional; ?tls=true for STARTTLS)";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != "smtp" || uri.Host.Length == 0)
        {
            error = $"'{url}' is not an SMTP URL; write {expected}";
            return false;
        }

        string? user = null, password = null;
        if (uri.UserInfo.Length > 0)
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            user = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            password = colon < 0 ? "" : Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
        }

        var tls = false;
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            if (parts[0] != "tls" || parts.Length != 2 || !bool.TryParse(parts[1], out tls))
            {
                error = $"'{pair}' in '{url}' is not an SMTP option; the only one is tls=true or tls=false";
                return false;
            }
        }

        endpoint = new SmtpEndpoint(uri.Host, uri.IsDefaultPort || uri.Port < 0 ? DefaultPort : uri.Port, user, password, tls);
        error = "";
        return true;
    }

    public override string ToString() => $"smtp://{(User is null ? "" : Uri.EscapeDataString(User) + ":***@")}{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";
}
