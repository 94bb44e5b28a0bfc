using System.Diagnostics;
using System.Net;
using Capstan.Testing;

namespace Capstan.Observability.Tests.Interop;

/// <summary>The receiving end used by the Alertmanager tests and alert-latency benchmarks records what it is sent.</summary>
public sealed class WebhookRecorderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EachRequest_IsRecorded_AndTheGivenStatusAnswersOnlyTheNextOnes()
    {
        var clock = new ManualClock();
        await using var webhook = WebhookRecorder.Start(clock);
        using var client = new HttpClient();
        webhook.AnswerNext(2, 503);
        var before = Stopwatch.GetTimestamp();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var content = new StringContent($"{{\"n\":{i}}}", System.Text.Encoding.UTF8, "application/json");
            using var response = await client.PostAsync(new Uri(webhook.Url, $"hook?n={i}"), content, Ct).DefaultTimeout();
            statuses.Add(response.StatusCode);
        }

        statuses.ShouldBe([HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK]);
        var requests = webhook.Requests;
        requests.Select(r => (r.Method, r.Path, r.AnsweredStatus)).ShouldBe(
            [("POST", "/hook?n=0", 503), ("POST", "/hook?n=1", 503), ("POST", "/hook?n=2", 200)]);
        requests[2].Body.ShouldBe("{\"n\":2}");
        requests[2].Json().GetProperty("n").GetInt32().ShouldBe(2);
        requests[2].Headers["content-type"].ShouldBe("application/json; charset=utf-8");
        requests.ShouldAllBe(r => r.ReceivedAt == clock.GetUtcNow());
        requests[0].Timestamp.ShouldBeGreaterThanOrEqualTo(before);
        requests[1].Timestamp.ShouldBeGreaterThanOrEqualTo(requests[0].Timestamp);
    }

    [Fact]
    public async Task WaitForAsync_ReturnsARequestThatCameBefore_OrTheFirstMatchingOneAfter()
    {
        await using var webhook = WebhookRecorder.Start();
        using var client = new HttpClient();
        using (var early = await client.PostAsync(new Uri(webhook.Url, "early"), new StringContent("1"), Ct).DefaultTimeout())
        {
            early.EnsureSuccessStatusCode();
        }

        (await webhook.WaitForAsync(r => r.Path == "/early", TimeSpan.FromSeconds(5), Ct).DefaultTimeout()).Body.ShouldBe("1");
        var late = webhook.WaitForAsync(r => r.Path == "/late", TimeSpan.FromSeconds(10), Ct);
        late.IsCompleted.ShouldBeFalse();
        using (var response = await client.PostAsync(new Uri(webhook.Url, "late"), new StringContent("2"), Ct).DefaultTimeout())
        {
            response.EnsureSuccessStatusCode();
        }

        (await late.DefaultTimeout()).Body.ShouldBe("2");
    }

    [Fact]
    public async Task WaitForAsync_WhenNoRequestMatches_TimesOutListingWhatCame()
    {
        await using var webhook = WebhookRecorder.Start();
        using var client = new HttpClient();
        using (var response = await client.PostAsync(new Uri(webhook.Url, "other"), new StringContent("body"), Ct).DefaultTimeout())
        {
            response.EnsureSuccessStatusCode();
        }

        var timeout = await Should.ThrowAsync<TimeoutException>(
            webhook.WaitForAsync(r => r.Path == "/expected", TimeSpan.FromMilliseconds(200), Ct).DefaultTimeout());

        timeout.Message.ShouldContain("Received 1:");
        timeout.Message.ShouldContain("POST /other");
        timeout.Message.ShouldContain("answered 200: body");
    }
}
