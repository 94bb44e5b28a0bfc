using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Capstan.Contracts;
using Capstan.Testing;

namespace Capstan.Deployments.Tests;

/// <summary>
/// The observability service in a real server: requests through the real HAProxy become series, a rule fires, the
/// notification reaches a real receiver (a command), the guard blocks deployments, an incident opens, and the
/// people's side (acknowledgement, silences, incidents, postmortem) works through the API.
/// </summary>
public sealed class AlertingTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static string ManifestWith(string env, string folder, string extra = "") => TestApp.Manifest("blue-green", 1, env) + $$"""

        alerts:
          - name: HighErrorRate
            when: "error_rate(web) > 1%"
            severity: critical
            summary: "web answers 5xx"
            runbook: https://runbooks.example/high-error-rate
            notify: [log]
            guard: true
        {{extra}}
        notifications:
          log: { command: "cat >> '{{folder}}/alerts.jsonl'; echo >> '{{folder}}/alerts.jsonl'" }
        """;

    [Fact]
    public async Task FailingRequests_FireTheCriticalAlert_WhichNotifies_Guards_OpensAnIncident_AndCanBeAcknowledged()
    {
        await using var fixture = await DeploymentFixture.StartAsync(cancellationToken: Token);
        using var folder = new TempDirectory();
        File.WriteAllText(Path.Combine(fixture.Project, "capstan.yaml"), ManifestWith("FAULT_RATE: \"1\"", folder.Path));
        var first = await fixture.ShouldSucceedAsync((await fixture.DeployAsync(cancellationToken: Token))[0], Token);

        using var client = new HttpClient();
        for (var i = 0; i < 20; i++)
        {
            (await fixture.GetThroughEdgeAsync(client, "/", Token)).Status.ShouldBe(HttpStatusCode.InternalServerError);
        }

        // The notification: Alertmanager's webhook payload, on the command's stdin.
        var log = Path.Combine(folder.Path, "alerts.jsonl");
        await Poll.UntilAsync(_ => Task.FromResult(File.Exists(log) && File.ReadAllText(log).Contains("HighErrorRate", StringComparison.Ordinal)), "the alert reaches the command", TimeSpan.FromSeconds(30), Token);
        using (var payload = JsonDocument.Parse(File.ReadAllLines(log).First(l => l.Length > 0)))
        {
            var root = payload.RootElement;
            root.GetProperty("version").GetString().ShouldBe("4");
            root.GetProperty("status").GetString().ShouldBe("firing");
            root.GetProperty("receiver").GetString().ShouldBe("log");
            var alert = root.GetProperty("alerts")[0];
            var labels = alert.GetProperty("labels");
            labels.GetProperty("alertname").GetString().ShouldBe("HighErrorRate");
            labels.GetProperty("env").GetString().ShouldBe("staging");
            labels.GetProperty("service").GetString().ShouldBe("web");
            labels.GetProperty("severity").GetString().ShouldBe("critical");
            alert.GetProperty("annotations").GetProperty("runbook_url").GetString().ShouldBe("https://runbooks.example/high-error-rate");
            alert.GetProperty("annotations").GetProperty("description").GetString().ShouldBe("error_rate(web) is 100%, above 1%");
        }

        var alerts = (await fixture.Api.GetFromJsonAsync("api/apps/shop/alerts", ApiJson.Default.IReadOnlyListAlertView, Token))!;
        var firing = alerts.ShouldHaveSingleItem();
        (firing.Rule, firing.Status, firing.Severity, firing.Guard).ShouldBe(("HighErrorRate", "firing", "critical", true));

        // The guard: no new deployment of staging while it fires.
        File.WriteAllText(Path.Combine(fixture.Project, "capstan.yaml"), ManifestWith("FAULT_RATE: \"0\"", folder.Path));
        using (var refused = await fixture.Api.PostAsJsonAsync(
            "api/apps/shop/deployments", new DeployRequest { Environment = "staging", Manifest = File.ReadAllText(Path.Combine(fixture.Project, "capstan.yaml")) }, ApiJson.Default.DeployRequest, Token))
        {
            refused.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            (await refused.Content.ReadFromJsonAsync(ApiJson.Default.ApiError, Token))!.Error.ShouldStartWith("environment 'staging' is guarded: alert HighErrorRate (error_rate(web) is 100%, above 1%) fires");
        }

        // The incident a critical alert opens, with the alert on its timeline.
        IReadOnlyList<IncidentView> incidents = [];
        await Poll.UntilAsync(
            async ct => (incidents = (await fixture.Api.GetFromJsonAsync("api/apps/shop/incidents", ApiJson.Default.IReadOnlyListIncidentView, ct))!).Count == 1,
            "the critical alert opens an incident", TimeSpan.FromSeconds(10), Token);
        var incident = incidents[0];
        (incident.Severity, incident.Status, incident.Environment, incident.ResponseTargetSeconds).ShouldBe(("SEV2", "open", "staging", 900.0));
        var shown = (await fixture.Api.GetFromJsonAsync($"api/apps/shop/incidents/{incident.Id}", ApiJson.Default.IncidentView, Token))!;
        var opened = shown.Timeline.ShouldNotBeNull().First();
        opened.Kind.ShouldBe("opened");
        opened.Text.ShouldContain("HighErrorRate");

        // Acknowledgement, on the alert and on the incident.
        using (var ack = await fixture.Api.PostAsJsonAsync($"api/apps/shop/alerts/{firing.Id}/ack", new ActorRequest { Actor = "ana" }, ApiJson.Default.ActorRequest, Token))
        {
            ack.StatusCode.ShouldBe(HttpStatusCode.OK, await ack.Content.ReadAsStringAsync(Token));
            (await ack.Content.ReadFromJsonAsync(ApiJson.Default.AlertView, Token))!.AcknowledgedBy.ShouldBe("ana (token admin)");
        }

        using (var unknown = await fixture.Api.PostAsJsonAsync("api/apps/shop/alerts/0123456789abcdef/ack", new ActorRequest(), ApiJson.Default.ActorRequest, Token))
        {
            unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
            (await unknown.Content.ReadFromJsonAsync(ApiJson.Default.ApiError, Token))!.Error.ShouldContain("no alert 0123456789abcdef");
        }

        using (var acked = await fixture.Api.PostAsJsonAsync($"api/apps/shop/incidents/{incident.Id}/ack", new ActorRequest { Actor = "ana" }, ApiJson.Default.ActorRequest, Token))
        {
            (await acked.Content.ReadFromJsonAsync(ApiJson.Default.IncidentView, Token))!.Status.ShouldBe("acknowledged");
        }

        using (var again = await fixture.Api.PostAsJsonAsync($"api/apps/shop/incidents/{incident.Id}/ack", new ActorRequest { Actor = "ben" }, ApiJson.Default.ActorRequest, Token))
        {
            again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        }

        // The series behind it, at /metrics for Prometheus (token required) and through the API.
        using (var anonymous = new HttpClient())
        {
            (await anonymous.GetAsync($"http://127.0.0.1:{fixture.ApiPort}/metrics", Token)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        var exposition = await fixture.Api.GetStringAsync("metrics", Token);
        exposition.ShouldContain("# TYPE capstan_http_requests_total counter");
        exposition.ShouldContain($"capstan_http_request_errors_total{{env=\"staging\",service=\"web\",version=\"v{first.ReleaseVersion}\"}}");
        // The edge's log reaches the series within a second or so; a loaded machine may take longer to count all 20.
        IReadOnlyList<MetricValueView> values = [];
        await Poll.UntilAsync(
            async ct => (values = (await fixture.Api.GetFromJsonAsync("api/apps/shop/metrics?query=" + Uri.EscapeDataString("capstan_http_requests_total{service=\"web\"}"), ApiJson.Default.IReadOnlyListMetricValueView, ct))!) is [{ Value: >= 20 }],
            "the metrics count the 20 requests", TimeSpan.FromSeconds(30), Token);
        values.ShouldHaveSingleItem();
        using (var bad = await fixture.Api.GetAsync("api/apps/shop/metrics?query=" + Uri.EscapeDataString("x{service=web}"), Token))
        {
            bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await bad.Content.ReadFromJsonAsync(ApiJson.Default.ApiError, Token))!.Error.ShouldContain("'service=web' is not label=\"value\"");
        }

        // Silences: added, listed, ended.
        using var added = await fixture.Api.PostAsJsonAsync(
            "api/apps/shop/silences", new SilenceRequest { Matchers = new Dictionary<string, string> { ["service"] = "web" }, For = "2h", Reason = "fixing it", Actor = "ana" }, ApiJson.Default.SilenceRequest, Token);
        added.StatusCode.ShouldBe(HttpStatusCode.Created, await added.Content.ReadAsStringAsync(Token));
        var silence = (await added.Content.ReadFromJsonAsync(ApiJson.Default.SilenceView, Token))!;
        await Poll.UntilAsync(
            async ct => (await fixture.Api.GetFromJsonAsync("api/apps/shop/alerts", ApiJson.Default.IReadOnlyListAlertView, ct))!.Single().SilencedBy.Contains(silence.Id),
            "the silence mutes the alert", TimeSpan.FromSeconds(10), Token);
        (await fixture.Api.GetFromJsonAsync("api/apps/shop/silences", ApiJson.Default.IReadOnlyListSilenceView, Token))!.ShouldHaveSingleItem().Id.ShouldBe(silence.Id);
        using (var badSilence = await fixture.Api.PostAsJsonAsync(
            "api/apps/shop/silences", new SilenceRequest { Matchers = new Dictionary<string, string>(), For = "2h", Reason = "x" }, ApiJson.Default.SilenceRequest, Token))
        {
            badSilence.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        }

        using (var ended = await fixture.Api.DeleteAsync($"api/apps/shop/silences/{silence.Id}", Token))
        {
            (await ended.Content.ReadFromJsonAsync(ApiJson.Default.SilenceView, Token))!.Status.ShouldBe("expired");
        }

        (await fixture.Api.GetFromJsonAsync("api/apps/shop/silences", ApiJson.Default.IReadOnlyListSilenceView, Token))!.ShouldBeEmpty();
        var audit = (await fixture.Server!.Store.Audit.ReadAllAsync(Token)).Where(e => e.Action.StartsWith("alert.", StringComparison.Ordinal)).ToList();
        audit.Select(e => e.Action).ShouldBe(["alert.ack", "alert.silence", "alert.unsilence"]);
        audit.ShouldAllBe(e => e.Actor == "ana (token admin)" || e.Actor == "token admin");

        // The postmortem draft.
        var postmortem = await fixture.Api.GetStringAsync($"api/apps/shop/incidents/{incident.Id}/postmortem", Token);
        postmortem.ShouldContain(incident.Title);
        postmortem.ShouldContain("Root cause");
    }

    [Fact]
    public async Task AServicesOwnMetrics_AreScraped_WithTheInstancesLabels_AndCanFireARule()
    {
        await using var fixture = await DeploymentFixture.StartAsync(cancellationToken: Token);
        using var folder = new TempDirectory();
        var manifest = ManifestWith("QUEUE_DEPTH: \"500\"", folder.Path, """
              - name: MailQueueLong
                when: 'testapp_queue_depth{queue="mail"} > 100'
                severity: warning
            """).Replace("    route: { host: shop.localhost }", "    route: { host: shop.localhost }\n    metrics: /metrics", StringComparison.Ordinal);
        manifest.ShouldContain("metrics: /metrics");
        File.WriteAllText(Path.Combine(fixture.Project, "capstan.yaml"), manifest);
        var deployment = await fixture.ShouldSucceedAsync((await fixture.DeployAsync(cancellationToken: Token))[0], Token);

        IReadOnlyList<MetricValueView> values = [];
        await Poll.UntilAsync(
            async ct => (values = (await fixture.Api.GetFromJsonAsync("api/apps/shop/metrics?query=testapp_queue_depth", ApiJson.Default.IReadOnlyListMetricValueView, ct))!).Count > 0,
            "the instance's /metrics is scraped", TimeSpan.FromSeconds(40), Token);
        var depth = values.ShouldHaveSingleItem();
        depth.Value.ShouldBe(500);
        depth.Labels["queue"].ShouldBe("mail");
        depth.Labels["env"].ShouldBe("staging");
        depth.Labels["service"].ShouldBe("web");
        depth.Labels["version"].ShouldBe($"v{deployment.ReleaseVersion}");

        await Poll.UntilAsync(
            async ct => (await fixture.Api.GetFromJsonAsync("api/apps/shop/alerts", ApiJson.Default.IReadOnlyListAlertView, ct))!.Any(a => a.Rule == "MailQueueLong" && a.Status == "firing"),
            "the rule on the scraped series fires", TimeSpan.FromSeconds(10), Token);
    }

    [Fact]
    public async Task ARestartedServer_KeepsTheFiringAlert_AndDoesNotNotifyItAgain()
    {
        await using var fixture = await DeploymentFixture.StartAsync(cancellationToken: Token);
        using var folder = new TempDirectory();
        File.WriteAllText(Path.Combine(fixture.Project, "capstan.yaml"), ManifestWith("FAULT_RATE: \"1\"", folder.Path));
        await fixture.ShouldSucceedAsync((await fixture.DeployAsync(cancellationToken: Token))[0], Token);
        await using var load = new LoadLoop(fixture, workers: 1, pause: TimeSpan.FromMilliseconds(50));
        var log = Path.Combine(folder.Path, "alerts.jsonl");
        string[] Notifications() => File.Exists(log) ? [.. File.ReadAllLines(log).Where(l => l.Length > 0)] : [];
        await Poll.UntilAsync(_ => Task.FromResult(Notifications().Length == 1), "the alert is notified", TimeSpan.FromSeconds(30), Token);
        var before = (await fixture.Api.GetFromJsonAsync("api/apps/shop/alerts", ApiJson.Default.IReadOnlyListAlertView, Token))!.ShouldHaveSingleItem();

        await fixture.StopServerAsync();
        await fixture.StartServerAsync(Token);
        var after = before;
        await Poll.UntilAsync(
            async ct => (after = (await fixture.Api.GetFromJsonAsync("api/apps/shop/alerts", ApiJson.Default.IReadOnlyListAlertView, ct))!.SingleOrDefault()) is { Status: "firing" },
            "the restarted server has the alert firing", TimeSpan.FromSeconds(20), Token);
        await Task.Delay(TimeSpan.FromSeconds(3), Token);
        await load.StopAsync();

        after!.Id.ShouldBe(before.Id);
        // The store keeps milliseconds.
        after.FiringSince!.Value.ToUnixTimeMilliseconds().ShouldBe(before.FiringSince!.Value.ToUnixTimeMilliseconds(), "the alert fires on, it did not start again");
        Notifications().Length.ShouldBe(1, string.Join("\n", Notifications()));
    }

    [Fact]
    public async Task AChannelNamingASecret_NotifiesEachEnvironmentAtItsOwnValue()
    {
        await using var fixture = await DeploymentFixture.StartAsync(cancellationToken: Token);
        await using var stagingHook = WebhookRecorder.Start();
        await using var productionHook = WebhookRecorder.Start();
        File.WriteAllText(Path.Combine(fixture.Project, "capstan.yaml"), TestApp.Manifest("blue-green", 1, "FAULT_RATE: \"1\"") + """

              production: { strategy: blue-green }
            alerts:
              - name: HighErrorRate
                when: "error_rate(web) > 1%"
                severity: critical
                notify: [hook]
            notifications:
              hook: { webhook: "${secret:ALERT_HOOK}" }
            secrets:
              ALERT_HOOK: {}
            """);
        foreach (var (environment, hook) in new[] { ("staging", stagingHook), ("production", productionHook) })
        {
            var (code, _, error) = await Cli.RunAsync(["secret", "set", "ALERT_HOOK", "--env", environment, "--value", hook.Url + environment, "--project", fixture.Project], Token);
            code.ShouldBe(0, error);
        }

        await fixture.ShouldSucceedAsync((await fixture.DeployAsync(cancellationToken: Token))[0], Token);
        using var client = new HttpClient();
        for (var i = 0; i < 20; i++)
        {
            (await fixture.GetThroughEdgeAsync(client, "/", Token)).Status.ShouldBe(HttpStatusCode.InternalServerError);
        }

        // Staging's alert goes to staging's URL (the last environment's, production, was all a channel got before).
        var notified = await stagingHook.WaitForAsync(r => r.Path == "/staging", TimeSpan.FromSeconds(30), Token);
        notified.Json().GetProperty("commonLabels").GetProperty("env").GetString().ShouldBe("staging");
        await Task.Delay(TimeSpan.FromSeconds(2), Token);
        productionHook.Requests.ShouldBeEmpty();
    }
}
