using System.Globalization;
using System.Text.Json;
using Capstan.Testing;

namespace Capstan.Observability.Tests.Interop;

/// <summary>
/// An alert followed from a real Prometheus through a real Alertmanager to a webhook: what Alertmanager POSTs is the
/// payload Capstan's Alertmanager-compatible receiver must accept, kept in Data/alertmanager-webhook.json.
/// </summary>
public sealed class AlertmanagerWebhookTests
{
    private const string AlwaysFiringRules = """
        groups:
          - name: capstan-interop
            rules:
              - alert: CapstanAlwaysFiring
                expr: vector(1) > 0
                labels:
                  severity: critical
                annotations:
                  summary: Always firing, to follow an alert from Prometheus through Alertmanager to a webhook.
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnAlwaysTrueRule_FiresInPrometheus_AndAlertmanagerPostsItToTheWebhook()
    {
        await using var webhook = WebhookRecorder.Start();
        await using var alertmanager = await AlertmanagerServer.StartAsync(new AlertmanagerOptions
        {
            WebhookUrl = new Uri(webhook.Url, "alerts"),
            GroupBy = ["alertname"],
            GroupWait = TimeSpan.Zero,
        }, Ct).DefaultTimeout();
        await using var prometheus = await PrometheusServer.StartAsync(new PrometheusOptions
        {
            EvaluationInterval = TimeSpan.FromSeconds(1),
            RuleFiles = new Dictionary<string, string> { ["always.yml"] = AlwaysFiringRules },
            AlertmanagerUrls = [alertmanager.Url],
            // The alert fires at the first evaluation, before Prometheus has found its Alertmanager (about 5 s after it
            // starts), so that first sending is dropped: resent every second rather than every minute, it arrives soon after.
            AlertResendDelay = TimeSpan.FromSeconds(1),
        }, Ct).DefaultTimeout();

        var alert = await prometheus.WaitForAlertFiringAsync("CapstanAlwaysFiring", TimeSpan.FromSeconds(10), Ct).DefaultTimeout();
        var delivery = await webhook.WaitForAsync(r => r.Path == "/alerts", TimeSpan.FromSeconds(20), Ct).DefaultTimeout();
        TestContext.Current.TestOutputHelper?.WriteLine(delivery.Body);

        alert.Labels.ShouldBe(new Dictionary<string, string> { ["alertname"] = "CapstanAlwaysFiring", ["severity"] = "critical" }, ignoreOrder: true);
        delivery.Method.ShouldBe("POST");
        delivery.Headers["Content-Type"].ShouldBe("application/json");
        delivery.Headers["User-Agent"].ShouldStartWith("Alertmanager/");
        var payload = delivery.Json();
        payload.GetProperty("version").GetString().ShouldBe("4");
        payload.GetProperty("status").GetString().ShouldBe("firing");
        payload.GetProperty("receiver").GetString().ShouldBe("webhook");
        Map(payload.GetProperty("groupLabels")).ShouldBe(new Dictionary<string, string> { ["alertname"] = "CapstanAlwaysFiring" });
        Map(payload.GetProperty("commonLabels")).ShouldBe(alert.Labels, ignoreOrder: true);
        Map(payload.GetProperty("commonAnnotations")).ShouldBe(alert.Annotations, ignoreOrder: true);
        payload.GetProperty("externalURL").GetString().ShouldBe(alertmanager.Url.ToString().TrimEnd('/'));
        payload.GetProperty("groupKey").GetString().ShouldBe("{}:{alertname=\"CapstanAlwaysFiring\"}");
        payload.GetProperty("truncatedAlerts").GetInt32().ShouldBe(0);

        var sent = payload.GetProperty("alerts").EnumerateArray().ShouldHaveSingleItem();
        sent.GetProperty("status").GetString().ShouldBe("firing");
        Map(sent.GetProperty("labels")).ShouldBe(alert.Labels, ignoreOrder: true);
        Map(sent.GetProperty("annotations")).ShouldBe(new Dictionary<string, string>
        {
            ["summary"] = "Always firing, to follow an alert from Prometheus through Alertmanager to a webhook.",
        });
        // startsAt is when the alert fired, which for a rule without `for` is when it became active; Prometheus's API
        // keeps nanoseconds, the webhook milliseconds.
        var startsAt = Time(sent.GetProperty("startsAt"));
        (startsAt - alert.ActiveAt!.Value).Duration().ShouldBeLessThan(TimeSpan.FromMilliseconds(1));
        // A firing alert's endsAt is Go's zero time in the webhook, not the expiry Prometheus sent with it.
        sent.GetProperty("endsAt").GetString().ShouldBe("0001-01-01T00:00:00Z");
        sent.GetProperty("generatorURL").GetString().ShouldBe(prometheus.Url + "graph?g0.expr=vector%281%29+%3E+0&g0.tab=1");
        sent.GetProperty("fingerprint").GetString()!.ShouldMatch("^[0-9a-f]{16}$");

        // The kept payload must stay a true one: same fields, same kinds of values, as Alertmanager sends today; and
        // the fingerprint, a hash of the labels alone, is the same for the same labels.
        var saved = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Data", "alertmanager-webhook.json"), Ct))
            .RootElement;
        Shape(saved).ShouldBe(Shape(payload));
        sent.GetProperty("fingerprint").GetString().ShouldBe(saved.GetProperty("alerts")[0].GetProperty("fingerprint").GetString());
    }

    [Fact]
    public async Task Alertmanager_RetriesTheWebhook_WhenItAnswers500_WithTheSamePayload()
    {
        await using var webhook = WebhookRecorder.Start();
        webhook.AnswerNext(1, 500);
        await using var alertmanager = await AlertmanagerServer.StartAsync(new AlertmanagerOptions
        {
            WebhookUrl = webhook.Url,
            GroupWait = TimeSpan.Zero,
        }, Ct).DefaultTimeout();

        await alertmanager.PostAlertAsync(
            new Dictionary<string, string> { ["alertname"] = "CapstanRetry", ["severity"] = "warning" }, null, Ct).DefaultTimeout();
        var delivered = await webhook.WaitForAsync(r => r.AnsweredStatus == 200, TimeSpan.FromSeconds(15), Ct).DefaultTimeout();

        var requests = webhook.Requests;
        requests.Count.ShouldBe(2, string.Join('\n', requests));
        requests[0].AnsweredStatus.ShouldBe(500);
        requests[1].ShouldBe(delivered);
        delivered.Body.ShouldBe(requests[0].Body);
        delivered.Timestamp.ShouldBeGreaterThan(requests[0].Timestamp);
        Map(delivered.Json().GetProperty("commonLabels"))["alertname"].ShouldBe("CapstanRetry");
    }

    private static Dictionary<string, string> Map(JsonElement map) =>
        map.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);

    private static DateTimeOffset Time(JsonElement time) =>
        DateTimeOffset.Parse(time.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    /// <summary>Every field's path with the kind of its value: <c>$.alerts[].labels.severity: String</c>.</summary>
    private static List<string> Shape(JsonElement element)
    {
        var shape = new List<string>();
        Walk(element, "$");
        return [.. shape.Distinct().Order(StringComparer.Ordinal)];

        void Walk(JsonElement value, string path)
        {
            shape.Add($"{path}: {value.ValueKind}");
            if (value.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in value.EnumerateObject())
                {
                    Walk(property.Value, path + "." + property.Name);
                }
            }
            else if (value.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in value.EnumerateArray())
                {
                    Walk(item, path + "[]");
                }
            }
        }
    }
}
