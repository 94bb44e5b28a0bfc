using System.Text;
using Capstan.Observability.Exposition;
using Capstan.Observability.Tests.Exposition.Support;
using Capstan.Testing;

namespace Capstan.Observability.Tests.Exposition;

public sealed class MetricsScraperTests : IDisposable
{
    private readonly HttpClient _client = new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) });

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AScrape_AsksForTextFormat004_AndParsesTheBody()
    {
        const string Body = "# TYPE up gauge\nup 1\n# TYPE requests_total counter\nrequests_total{code=\"200\"} 7\n";
        await using var server = RawHttpServer.Answering(200, "OK", Body);

        var result = await new MetricsScraper(_client).ScrapeAsync(server.MetricsUrl, TimeSpan.FromSeconds(10), Ct).DefaultTimeout();

        result.Succeeded.ShouldBeTrue(result.Failure);
        result.StatusCode.ShouldBe(200);
        result.Problems.ShouldBeEmpty();
        result.Families.Select(f => (f.Name, f.Type)).ShouldBe([("up", MetricType.Gauge), ("requests_total", MetricType.Counter)]);
        result.Duration.ShouldBeGreaterThan(TimeSpan.Zero);
        result.BodyBytes.ShouldBe(Body.Length);
        var request = server.Requests.ShouldHaveSingleItem();
        request.ShouldStartWith("GET /metrics HTTP/1.1\r\n");
        request.ShouldContain("\r\nAccept: text/plain;version=0.0.4\r\n");
    }

    [Fact]
    public async Task AChunkedBody_IsReadToItsEnd()
    {
        var body = new StringBuilder("# TYPE x gauge\n");
        for (var i = 0; i < 5000; i++)
        {
            body.Append("x{n=\"").Append(i).Append("\"} ").Append(i).Append('\n');
        }

        await using var server = RawHttpServer.Answering(200, "OK", body.ToString(), chunked: true);

        var result = await new MetricsScraper(_client).ScrapeAsync(server.MetricsUrl, TimeSpan.FromSeconds(10), Ct).DefaultTimeout();

        result.Succeeded.ShouldBeTrue(result.Failure);
        result.Families.Single().Samples.Count.ShouldBe(5000);
    }

    [Fact]
    public async Task ABodyWithBadLines_IsStillAScrape_WithItsProblems()
    {
        await using var server = RawHttpServer.Answering(200, "OK", "up 1\nup{a=\"x} 2\nother 3\n");

        var result = await new MetricsScraper(_client).ScrapeAsync(server.MetricsUrl, TimeSpan.FromSeconds(10), Ct).DefaultTimeout();

        result.Succeeded.ShouldBeTrue();
        result.Problems.Select(p => p.ToString()).ShouldBe(["line 2: label value of \"a\" is not closed by a double quote"]);
        result.Families.Select(f => f.Name).ShouldBe(["up", "other"]);
    }

    [Fact]
    public async Task ADownTarget_IsAFailure_NotAnException()
    {
        var target = new Uri($"http://127.0.0.1:{FreePort.Get()}/metrics");

        var result = await new MetricsScraper(_client).ScrapeAsync(target, TimeSpan.FromSeconds(10), Ct).DefaultTimeout();

        result.Succeeded.ShouldBeFalse();
        result.TimedOut.ShouldBeFalse();
        result.StatusCode.ShouldBeNull();
        result.Failure.ShouldStartWith($"{target} could not be scraped: ");
        result.Failure.ShouldContain("refused", Case.Insensitive);
        result.Families.ShouldBeEmpty();
    }

    [Fact]
    public async Task ATargetThatNeverAnswers_TimesOut_AfterTheScrapeTimeout()
    {
        await using var server = RawHttpServer.NeverAnswering();

        var result = await new MetricsScraper(_client).ScrapeAsync(server.MetricsUrl, TimeSpan.FromMilliseconds(300), Ct).DefaultTimeout();

        result.Succeeded.ShouldBeFalse();
        result.TimedOut.ShouldBeTrue();
        result.Failure.ShouldBe($"scrape of {server.MetricsUrl} timed out after 0.3 s");
        result.Duration.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(250));
        result.Duration.ShouldBeLessThan(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task ABodyThatStopsHalfway_TimesOut_Too()
    {
        await using var server = RawHttpServer.Start(async (stream, ct) =>
        {
            await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nup 1\n"u8.ToArray(), ct);
            await stream.FlushAsync(ct);
            await Task.Delay(Timeout.Infinite, ct);
        });

        var result = await new MetricsScraper(_client).ScrapeAsync(server.MetricsUrl, TimeSpan.FromMilliseconds(300), Ct).DefaultTimeout();

        result.TimedOut.ShouldBeTrue();
        result.StatusCode.ShouldBe(200);
        result.Families.ShouldBeEmpty();
    }

    [Fact]
    public async Task A500_IsAFailure_NamingTheStatus()
    {
        await using var server = RawHttpServer.Answering(500, "Internal Server Error", "boom");

        var result = await new MetricsScraper(_client).ScrapeAsync(server.MetricsUrl, TimeSpan.FromSeconds(10), Ct).DefaultTimeout();

        result.Succeeded.ShouldBeFalse();
        result.StatusCode.ShouldBe(500);
        result.Failure.ShouldBe($"{server.MetricsUrl} answered 500 Internal Server Error");
        result.Families.ShouldBeEmpty();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ABodyOverTheLimit_IsRefused_WhetherAnnouncedOrNot(bool chunked)
    {
        var body = "# TYPE x gauge\n" + string.Concat(Enumerable.Repeat("x 1\n", 1000));
        await using var server = RawHttpServer.Answering(200, "OK", body, chunked);
        var scraper = new MetricsScraper(_client) { MaxBodyBytes = 2000 };

        var result = await scraper.ScrapeAsync(server.MetricsUrl, TimeSpan.FromSeconds(10), Ct).DefaultTimeout();

        result.Succeeded.ShouldBeFalse();
        result.StatusCode.ShouldBe(200);
        result.Failure.ShouldBe(chunked
            ? $"body of {server.MetricsUrl} is over the limit of 2000 bytes"
            : $"body of {server.MetricsUrl} is {body.Length} bytes, over the limit of 2000 bytes");
        result.Families.ShouldBeEmpty();
    }

    [Fact]
    public async Task ABodyAtTheLimit_IsRead()
    {
        var body = "# TYPE x gauge\nx 1\n";
        await using var server = RawHttpServer.Answering(200, "OK", body, chunked: true);
        var scraper = new MetricsScraper(_client) { MaxBodyBytes = body.Length };

        var result = await scraper.ScrapeAsync(server.MetricsUrl, TimeSpan.FromSeconds(10), Ct).DefaultTimeout();

        result.Succeeded.ShouldBeTrue(result.Failure);
        result.Families.ShouldHaveSingleItem();
    }

    [Fact]
    public void TheDefaultLimit_Is10MiB()
    {
        new MetricsScraper(_client).MaxBodyBytes.ShouldBe(10 * 1024 * 1024);
    }

    [Fact]
    public async Task CancellingTheCallersToken_Throws_InsteadOfReportingATimeout()
    {
        await using var server = RawHttpServer.NeverAnswering();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(200));

        await Should.ThrowAsync<OperationCanceledException>(
            new MetricsScraper(_client).ScrapeAsync(server.MetricsUrl, TimeSpan.FromSeconds(30), cancel.Token).DefaultTimeout());
    }

    public void Dispose() => _client.Dispose();
}
