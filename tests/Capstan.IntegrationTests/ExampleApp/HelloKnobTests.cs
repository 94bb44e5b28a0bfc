using Capstan.Testing;
using System.Diagnostics;
using System.Net;

namespace Capstan.IntegrationTests.ExampleApp;

[Collection(HelloAppCollection.Name)]
public sealed class HelloKnobTests
{
    private readonly HelloAppFixture _app;

    public HelloKnobTests(HelloAppFixture app)
    {
        _app = app;
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Root_WithFaultRateOne_Answers500ButHealthAndReadyStayUp()
    {
        using var data = new TempDirectory();
        await using var hello = await _app.StartAsync(data.Path, new Dictionary<string, string> { ["FAULT_RATE"] = "1" }, Ct);

        for (var i = 0; i < 10; i++)
        {
            (await StatusOf(hello, "/")).ShouldBe(HttpStatusCode.InternalServerError);
        }

        (await StatusOf(hello, "/health")).ShouldBe(HttpStatusCode.OK);
        (await StatusOf(hello, "/ready")).ShouldBe(HttpStatusCode.OK);
        (await StatusOf(hello, "/metrics")).ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Root_WithFaultRateHalf_FailsRoughlyHalfTheRequests()
    {
        using var data = new TempDirectory();
        await using var hello = await _app.StartAsync(
            data.Path, new Dictionary<string, string> { ["FAULT_RATE"] = "0.5", ["FAULT_SEED"] = "42" }, Ct);

        var failures = 0;
        for (var i = 0; i < 200; i++)
        {
            var status = await StatusOf(hello, "/");
            status.ShouldBeOneOf(HttpStatusCode.OK, HttpStatusCode.InternalServerError);
            failures += status == HttpStatusCode.InternalServerError ? 1 : 0;
        }

        failures.ShouldBeInRange(70, 130);
    }

    [Fact]
    public async Task Root_WithLatency_AnswersNoSoonerThanTheDelay()
    {
        using var data = new TempDirectory();
        await using var hello = await _app.StartAsync(data.Path, new Dictionary<string, string> { ["LATENCY_MS"] = "400" }, Ct);

        var clock = Stopwatch.StartNew();
        (await StatusOf(hello, "/")).ShouldBe(HttpStatusCode.OK);

        clock.Elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(400));
    }

    [Fact]
    public async Task ProbesAndMetrics_WithTheLongestLatency_AnswerWithoutTheDelay()
    {
        using var data = new TempDirectory();
        // The start itself waits on /health, so a delayed probe would already fail here.
        await using var hello = await _app.StartAsync(data.Path, new Dictionary<string, string> { ["LATENCY_MS"] = "60000" }, Ct);

        using var quick = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        quick.CancelAfter(TimeSpan.FromSeconds(10));
        foreach (var path in new[] { "/health", "/ready", "/metrics" })
        {
            using var response = await hello.Http.GetAsync(path, quick.Token);
            response.StatusCode.ShouldBe(HttpStatusCode.OK, path);
        }
    }

    [Theory]
    [InlineData("FAULT_RATE", "abc", "from 0 to 1")]
    [InlineData("FAULT_RATE", "2", "from 0 to 1")]
    [InlineData("FAULT_RATE", "-0.1", "from 0 to 1")]
    [InlineData("FAULT_RATE", "NaN", "from 0 to 1")]
    [InlineData("LATENCY_MS", "abc", "from 0 to 60000")]
    [InlineData("LATENCY_MS", "-5", "from 0 to 60000")]
    [InlineData("LATENCY_MS", "60001", "from 0 to 60000")]
    [InlineData("PORT", "0", "from 1 to 65535")]
    [InlineData("PORT", "http", "from 1 to 65535")]
    [InlineData("FAULT_SEED", "1.5", "whole number")]
    public async Task Start_WithAnInvalidKnob_RefusesNamingTheVariableAndWhatItAccepts(string variable, string value, string accepted)
    {
        using var data = new TempDirectory();
        await using var hello = _app.Launch(data.Path, new Dictionary<string, string> { [variable] = value });

        var exitCode = await hello.WaitForExitAsync(Ct);

        exitCode.ShouldNotBe(0);
        hello.StandardError.ShouldContain(variable);
        hello.StandardError.ShouldContain(accepted);
        Directory.EnumerateFileSystemEntries(data.Path).ShouldBeEmpty("nothing is created before the settings are checked");
    }

    [Fact]
    public async Task Start_WithSeveralInvalidKnobs_NamesEveryOne()
    {
        using var data = new TempDirectory();
        await using var hello = _app.Launch(
            data.Path, new Dictionary<string, string> { ["FAULT_RATE"] = "lots", ["LATENCY_MS"] = "soon", ["PORT"] = "99999" });

        (await hello.WaitForExitAsync(Ct)).ShouldBe(2);

        hello.StandardError.ShouldSatisfyAllConditions(
            error => error.ShouldContain("FAULT_RATE"),
            error => error.ShouldContain("LATENCY_MS"),
            error => error.ShouldContain("PORT"),
            error => error.ShouldNotContain("lots"),
            error => error.ShouldNotContain("soon"));
    }

    private static async Task<HttpStatusCode> StatusOf(HelloProcess hello, string path)
    {
        using var response = await hello.Http.GetAsync(path, Ct);
        return response.StatusCode;
    }
}
