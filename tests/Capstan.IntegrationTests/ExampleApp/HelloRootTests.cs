using Capstan.Testing;
using System.Net.Http.Json;

namespace Capstan.IntegrationTests.ExampleApp;

public sealed record Visit(string Version, long Visits);

[Collection(HelloAppCollection.Name)]
public sealed class HelloRootTests
{
    private readonly HelloAppFixture _app;

    public HelloRootTests(HelloAppFixture app)
    {
        _app = app;
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Root_ReportsTheVersionFromAppVersion()
    {
        using var data = new TempDirectory();
        await using var hello = await _app.StartAsync(data.Path, new Dictionary<string, string> { ["APP_VERSION"] = "2.5.0-rc.1" }, Ct);

        var visit = await hello.Http.GetFromJsonAsync<Visit>("/", Ct);

        visit.ShouldNotBeNull().Version.ShouldBe("2.5.0-rc.1");
    }

    [Fact]
    public async Task Root_WithoutAppVersion_ReportsDev()
    {
        using var data = new TempDirectory();
        await using var hello = await _app.StartAsync(data.Path, environment: null, Ct);

        var visit = await hello.Http.GetFromJsonAsync<Visit>("/", Ct);

        visit.ShouldNotBeNull().Version.ShouldBe("dev");
    }

    [Fact]
    public async Task Root_CountsEachVisit_AndKeepsTheCountAcrossARestart()
    {
        using var data = new TempDirectory();
        var counts = new List<long>();
        await using (var first = await _app.StartAsync(data.Path, environment: null, Ct))
        {
            for (var i = 0; i < 3; i++)
            {
                counts.Add((await first.Http.GetFromJsonAsync<Visit>("/", Ct))!.Visits);
            }

            (await first.StopAsync(Ct)).ShouldBe(0, first.Output);
        }

        await using var second = await _app.StartAsync(data.Path, environment: null, Ct);
        counts.Add((await second.Http.GetFromJsonAsync<Visit>("/", Ct))!.Visits);

        counts.ShouldBe([1, 2, 3, 4]);
    }

    [Fact]
    public async Task Root_FromTwoInstancesSharingTheDatabase_CountsEveryVisitExactlyOnce()
    {
        using var data = new TempDirectory();
        await using var blue = await _app.StartAsync(data.Path, environment: null, Ct);
        await using var green = await _app.StartAsync(data.Path, environment: null, Ct);

        var visits = await Task.WhenAll(
            Enumerable.Range(0, 100).Select(i => (i % 2 == 0 ? blue : green).Http.GetFromJsonAsync<Visit>("/", Ct))).DefaultTimeout();

        visits.Select(v => v!.Visits).Order().ShouldBe(Enumerable.Range(1, 100).Select(n => (long)n));
    }

    [Fact]
    public async Task Start_WithAMissingDataFolder_CreatesItAndTheDatabase()
    {
        using var data = new TempDirectory();
        var nested = data.Combine("not", "yet", "there");
        await using var hello = await _app.StartAsync(nested, environment: null, Ct);

        File.Exists(Path.Combine(nested, "visits.db")).ShouldBeTrue();
        (await hello.Http.GetFromJsonAsync<Visit>("/", Ct))!.Visits.ShouldBe(1);
    }
}
