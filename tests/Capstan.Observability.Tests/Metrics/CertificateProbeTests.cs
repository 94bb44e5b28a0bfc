using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Capstan.Manifest.Alerts;
using Capstan.Observability.Metrics;
using Capstan.Testing;

namespace Capstan.Observability.Tests.Metrics;

public sealed class CertificateProbeTests
{
    [Fact]
    public async Task ACertificateExpiringInTwelveDays_IsMeasuredAsTwelveDays()
    {
        var now = DateTimeOffset.UtcNow;
        using var certificate = SelfSigned("shop.test", now.AddDays(12));
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var server = ServeTlsOnceAsync(listener, certificate, TestContext.Current.CancellationToken);
        var store = new SeriesStore();
        var target = new CertificateTarget("shop.test", ((IPEndPoint)listener.LocalEndpoint).Port) { Address = "127.0.0.1" };

        var result = await new CertificateProbe(store).ProbeAsync(target, now, TestContext.Current.CancellationToken).DefaultTimeout();

        result.Problem.ShouldBeNull();
        result.NotAfter.ShouldBe(new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero));
        (await server.DefaultTimeout()).ShouldBe("shop.test", "the probe sends the host name (SNI)");
        var sample = store.Latest(SeriesNames.CertificateExpiry, LabelSet.Of(("host", "shop.test"))).ShouldHaveSingleItem();
        sample.Timestamp.ShouldBe(now);

        var condition = AlertConditionParser.Parse("cert_expiry_days(shop.test) < 14", out _)!;
        var days = new MetricsConditionSource(store).Evaluate(condition, now).ShouldHaveSingleItem();
        days.Labels.ShouldBe(LabelSet.Of(("host", "shop.test")));
        // The certificate holds whole seconds.
        days.Value.ShouldBe(12, 1.0 / 86400);
    }

    [Fact]
    public async Task NothingListening_IsAProblem_AndNoSample()
    {
        var store = new SeriesStore();
        var target = new CertificateTarget("shop.test", FreePort.Get()) { Address = "127.0.0.1" };

        var result = await new CertificateProbe(store).ProbeAsync(target, DateTimeOffset.UtcNow, TestContext.Current.CancellationToken).DefaultTimeout();

        result.NotAfter.ShouldBeNull();
        result.Problem.ShouldNotBeNull().Subject.ShouldBe($"certificate shop.test:{target.Port}");
        store.Latest(SeriesNames.CertificateExpiry, LabelSet.Empty).ShouldBeEmpty();
    }

    [Fact]
    public async Task AServerThatNeverAnswersTheHandshake_IsReportedAsATimeout()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start(); // the kernel completes the connection; nobody speaks TLS
        var store = new SeriesStore();
        var target = new CertificateTarget("shop.test", ((IPEndPoint)listener.LocalEndpoint).Port) { Address = "127.0.0.1" };

        var result = await new CertificateProbe(store, TimeSpan.FromMilliseconds(500))
            .ProbeAsync(target, DateTimeOffset.UtcNow, TestContext.Current.CancellationToken).DefaultTimeout();

        result.Problem.ShouldNotBeNull().Message.ShouldBe("timed out after 0.5 s");
        store.Latest(SeriesNames.CertificateExpiry, LabelSet.Empty).ShouldBeEmpty();
    }

    private static X509Certificate2 SelfSigned(string name, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        using var created = request.CreateSelfSigned(notAfter.AddDays(-30), notAfter);
        // Through PKCS#12 so the private key is usable by the TLS server whatever the platform's key store.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Accepts one connection, completes a TLS handshake with <paramref name="certificate"/> and returns the SNI name the client sent.</summary>
    private static async Task<string?> ServeTlsOnceAsync(TcpListener listener, X509Certificate2 certificate, CancellationToken cancellationToken)
    {
        using var client = await listener.AcceptTcpClientAsync(cancellationToken);
        await using var tls = new SslStream(client.GetStream());
        await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, cancellationToken);
        return tls.TargetHostName;
    }
}
