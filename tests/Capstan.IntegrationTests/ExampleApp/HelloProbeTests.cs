using Capstan.Testing;
using System.Net;

namespace Capstan.IntegrationTests.ExampleApp;

[Collection(HelloAppCollection.Name)]
public sealed class HelloProbeTests
{
    private readonly HelloAppFixture _app;

    public HelloProbeTests(HelloAppFixture app)
    {
        _app = app;
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task HealthAndReady_WithAWorkingDatabase_AnswerOk()
    {
        using var data = new TempDirectory();
        await using var hello = await _app.StartAsync(data.Path, environment: null, Ct);

        (await hello.Http.GetStringAsync("/health", Ct)).ShouldBe("ok");
        (await hello.Http.GetStringAsync("/ready", Ct)).ShouldBe("ready");
    }

    // Overwriting the file works as root too, where taking write permission away would not stop the app.
    [Fact]
    public async Task Ready_WhenTheDatabaseFileIsReplacedWithGarbage_Answers503_AndHealthStaysUp()
    {
        using var data = new TempDirectory();
        await using var hello = await _app.StartAsync(data.Path, environment: null, Ct);
        (await StatusOf(hello, "/ready")).ShouldBe(HttpStatusCode.OK);

        await File.WriteAllBytesAsync(data.Combine("visits.db"), Garbage(), Ct);

        await UntilStatusAsync(hello, "/ready", HttpStatusCode.ServiceUnavailable);
        (await Body(hello, "/ready")).ShouldStartWith("not ready: ");
        (await StatusOf(hello, "/health")).ShouldBe(HttpStatusCode.OK);
        (await StatusOf(hello, "/")).ShouldBe(HttpStatusCode.ServiceUnavailable);
    }

    [Fact]
    public async Task Ready_WhenTheDataFolderIsRemoved_Answers503_AndHealthStaysUp()
    {
        using var data = new TempDirectory();
        var folder = data.Combine("data");
        await using var hello = await _app.StartAsync(folder, environment: null, Ct);

        Directory.Delete(folder, recursive: true);

        await UntilStatusAsync(hello, "/ready", HttpStatusCode.ServiceUnavailable);
        (await StatusOf(hello, "/health")).ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Ready_WhenTheDatabaseFileIsRestored_AnswersOkAgain()
    {
        using var data = new TempDirectory();
        await using var hello = await _app.StartAsync(data.Path, environment: null, Ct);
        (await StatusOf(hello, "/")).ShouldBe(HttpStatusCode.OK);
        // No connection stays open between requests, so the file alone holds every visit.
        var good = await File.ReadAllBytesAsync(data.Combine("visits.db"), Ct);

        await File.WriteAllBytesAsync(data.Combine("visits.db"), Garbage(), Ct);
        await UntilStatusAsync(hello, "/ready", HttpStatusCode.ServiceUnavailable);
        await File.WriteAllBytesAsync(data.Combine("visits.db"), good, Ct);

        await UntilStatusAsync(hello, "/ready", HttpStatusCode.OK);
        (await Body(hello, "/")).ShouldContain("\"visits\":2");
    }

    private static byte[] Garbage()
    {
        var bytes = new byte[8192];
        new Random(7).NextBytes(bytes);
        return bytes;
    }

    private static async Task<HttpStatusCode> StatusOf(HelloProcess hello, string path)
    {
        using var response = await hello.Http.GetAsync(path, Ct);
        return response.StatusCode;
    }

    private static async Task<string> Body(HelloProcess hello, string path)
    {
        using var response = await hello.Http.GetAsync(path, Ct);
        return await response.Content.ReadAsStringAsync(Ct);
    }

    private static Task UntilStatusAsync(HelloProcess hello, string path, HttpStatusCode status) =>
        Poll.UntilAsync(
            async token =>
            {
                using var response = await hello.Http.GetAsync(path, token);
                return response.StatusCode == status;
            },
            $"{path} answers {(int)status}",
            TimeoutExtensions.DefaultTimeoutSpan,
            Ct);
}
