using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Capstan.Observability.Metrics;

/// <summary>
/// A TLS endpoint to probe: <see cref="Host"/> is the name sent (SNI) and the <c>host</c> label; <see cref="Address"/>
/// connects somewhere else than the name resolves to (an IP, or a test listener).
/// </summary>
public sealed record CertificateTarget(string Host, int Port = 443)
{
    public string? Address { get; init; }

    public override string ToString() => $"{Host}:{Port}";
}

/// <summary>The outcome of one probe: the leaf certificate's expiry, or why there is none.</summary>
public sealed record CertificateProbeResult(CertificateTarget Target, DateTimeOffset? NotAfter, CollectorProblem? Problem);

/// <summary>
/// Connects to a TLS endpoint, reads the leaf certificate's NotAfter and records it as
/// <c>capstan_cert_expiry_timestamp_seconds{host}</c>. Any certificate is accepted, expired, self-signed or for
/// another name: the probe reads the date, it does not judge the chain. A failure or timeout writes no sample and
/// returns a problem.
/// </summary>
public sealed class CertificateProbe
{
    private readonly SeriesStore _store;

    public CertificateProbe(SeriesStore store, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        Timeout = timeout ?? TimeSpan.FromSeconds(10);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Timeout, TimeSpan.Zero, nameof(timeout));
        SeriesNames.DescribeAll(store);
    }

    /// <summary>The limit for connecting and the handshake together.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Probes <paramref name="target"/> and records the expiry at <paramref name="now"/>. Cancelling throws; failing does not.</summary>
    public async Task<CertificateProbeResult> ProbeAsync(CertificateTarget target, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var subject = $"certificate {target}";
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(Timeout);
        DateTimeOffset notAfter;
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(target.Address ?? target.Host, target.Port, limit.Token).ConfigureAwait(false);
            var ssl = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
            await using (ssl.ConfigureAwait(false))
            {
                var options = new SslClientAuthenticationOptions
                {
                    TargetHost = target.Host,
                    // Only the expiry date is read; trust is not this probe's question.
                    RemoteCertificateValidationCallback = (_, _, _, _) => true,
                };
                await ssl.AuthenticateAsClientAsync(options, limit.Token).ConfigureAwait(false);
                if (ssl.RemoteCertificate is null)
                {
                    return Failed(target, subject, "the server sent no certificate");
                }

                using var leaf = new X509Certificate2(ssl.RemoteCertificate);
                notAfter = new DateTimeOffset(leaf.NotAfter.ToUniversalTime(), TimeSpan.Zero);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed(target, subject, string.Create(CultureInfo.InvariantCulture, $"timed out after {Timeout.TotalSeconds:0.###} s"));
        }
        catch (Exception e) when (e is SocketException or IOException or System.Security.Authentication.AuthenticationException)
        {
            return Failed(target, subject, e.Message);
        }

        _store.Append(SeriesNames.CertificateExpiry, LabelSet.Of((SeriesLabels.Host, target.Host)), notAfter.ToUnixTimeMilliseconds() / 1000.0, now);
        return new(target, notAfter, null);
    }

    private static CertificateProbeResult Failed(CertificateTarget target, string subject, string message) =>
        new(target, null, new CollectorProblem(subject, message));
}
