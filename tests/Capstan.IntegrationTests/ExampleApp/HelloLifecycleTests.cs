using Capstan.Testing;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;

namespace Capstan.IntegrationTests.ExampleApp;

[Collection(HelloAppCollection.Name)]
public sealed class HelloLifecycleTests
{
    private readonly HelloAppFixture _app;

    public HelloLifecycleTests(HelloAppFixture app)
    {
        _app = app;
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sigterm_StopsTheAppWithExitCodeZero()
    {
        using var data = new TempDirectory();
        await using var hello = await _app.StartAsync(data.Path, environment: null, Ct);

        (await hello.StopAsync(Ct)).ShouldBe(0, hello.Output);
    }

    [Fact]
    public async Task Sigterm_LetsARequestInFlightFinish()
    {
        using var data = new TempDirectory();
        await using var hello = await _app.StartAsync(data.Path, new Dictionary<string, string> { ["LATENCY_MS"] = "1500" }, Ct);

        var inFlight = hello.Http.GetAsync("/", Ct);
        await Poll.UntilAsync(
            async token => PrometheusText.Parse(await hello.Http.GetStringAsync("/metrics", token))["hello_requests_in_flight"] == 1,
            "the request to / is in flight",
            TimeoutExtensions.DefaultTimeoutSpan,
            Ct);
        hello.Terminate();

        using var response = await inFlight.DefaultTimeout();
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadFromJsonAsync<Visit>(Ct))!.Visits.ShouldBe(1);
        (await hello.WaitForExitAsync(Ct)).ShouldBe(0, hello.Output);
    }

    [Fact]
    public async Task Start_LogsOneLineWithTheVersionAndUrl_AndNoSecrets()
    {
        using var data = new TempDirectory();
        await using var hello = await _app.StartAsync(
            data.Path,
            new Dictionary<string, string>
            {
                ["APP_VERSION"] = "3.1.4",
                ["DATABASE_URL"] = "postgres://capstan:hunter2-not-for-logs@db.internal/app",
                ["API_TOKEN"] = "tok-not-for-logs",
            },
            Ct);

        await Poll.UntilAsync(() => hello.Output.Contains("listening on", StringComparison.Ordinal), "the start line is logged", Ct);
        (await hello.StopAsync(Ct)).ShouldBe(0);

        var startLine = hello.Output.Split('\n').Where(l => l.Contains("listening on", StringComparison.Ordinal)).ShouldHaveSingleItem();
        startLine.ShouldContain("3.1.4");
        startLine.ShouldContain($"http://127.0.0.1:{hello.Port}");
        hello.Output.ShouldNotContain("not-for-logs");
    }

    [Fact]
    public async Task Start_WithUrlsArgument_ListensThereRatherThanOnPort()
    {
        using var data = new TempDirectory();
        var port = FreePort.Get();
        await using var hello = _app.Launch(data.Path, environment: null, "--urls", $"http://127.0.0.1:{port}");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeoutExtensions.DefaultTimeoutSpan };

        await Poll.UntilAsync(
            async token =>
            {
                hello.HasExited.ShouldBeFalse(hello.Output);
                try
                {
                    using var response = await http.GetAsync("/health", token);
                    return response.IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            $"Hello answers on the --urls port {port}",
            TimeoutExtensions.DefaultTimeoutSpan,
            Ct);

        await Should.ThrowAsync<HttpRequestException>(() => hello.Http.GetAsync("/health", Ct));
    }

    [Fact]
    public async Task Start_WhenThePortIsTaken_RefusesWithAMessage()
    {
        using var data = new TempDirectory();
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
        await using var hello = _app.Launch(data.Path, new Dictionary<string, string> { ["PORT"] = port });

        (await hello.WaitForExitAsync(Ct)).ShouldBe(1);

        hello.StandardError.ShouldContain("hello: cannot start");
        hello.StandardError.ShouldContain(port);
    }
}
