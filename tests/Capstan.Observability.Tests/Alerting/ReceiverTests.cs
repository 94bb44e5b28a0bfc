using System.Globalization;
using System.Text;
using System.Text.Json;
using Capstan.Manifest.Model;
using Capstan.Observability.Alerting;
using Capstan.Secrets.Masking;
using Capstan.Testing;

namespace Capstan.Observability.Tests.Alerting;

public sealed class ReceiverTests
{
    private const string Secret = "tok-9f8e7d6c5b4a";

    private static readonly DateTimeOffset T0 = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly HttpClient Http = new();
    private static readonly SecretMasker Masker = SecretMasker.Create([Secret]);

    private static readonly AlertRule HighErrorRate = Rules.Make(
        "HighErrorRate", "error_rate(api) > 1%", summary: "api answers with errors", runbook: "https://runbooks.example/high-errors?a=1&b=2");

    [Fact]
    public async Task Webhook_PostsAlertmanagersVersion4Payload_FieldByField()
    {
        await using var server = new RecordingHttpServer();
        var receiver = new WebhookReceiver(server.Url("/hooks/alerts"), Masker, Http, externalUrl: "https://capstan.example");
        var notification = Sample();

        var result = await receiver.SendAsync(notification, TestContext.Current.CancellationToken).DefaultTimeout();

        result.ShouldBe(DeliveryResult.Success);
        var request = server.Requests.ShouldHaveSingleItem();
        request.Method.ShouldBe("POST");
        request.PathAndQuery.ShouldBe("/hooks/alerts");
        request.ContentType.ShouldBe("application/json; charset=utf-8");
        using var json = JsonDocument.Parse(request.Body);
        var root = json.RootElement;
        root.EnumerateObject().Select(p => p.Name).ShouldBe([
            "receiver", "status", "alerts", "groupLabels", "commonLabels", "commonAnnotations", "externalURL", "version", "groupKey", "truncatedAlerts",
        ]);
        root.GetProperty("version").GetString().ShouldBe("4");
        root.GetProperty("receiver").GetString().ShouldBe("ops");
        root.GetProperty("status").GetString().ShouldBe("firing");
        root.GetProperty("groupKey").GetString().ShouldBe("{}:{alertname=\"HighErrorRate\", env=\"production\", service=\"api\"}");
        root.GetProperty("truncatedAlerts").ValueKind.ShouldBe(JsonValueKind.Number);
        root.GetProperty("truncatedAlerts").GetInt32().ShouldBe(0);
        root.GetProperty("externalURL").GetString().ShouldBe("https://capstan.example");
        Pairs(root.GetProperty("groupLabels")).ShouldBe(["alertname=HighErrorRate", "env=production", "service=api"]);
        Pairs(root.GetProperty("commonLabels")).ShouldBe(["alertname=HighErrorRate", "env=production", "service=api", "severity=critical"]);
        Pairs(root.GetProperty("commonAnnotations")).ShouldBe(["runbook_url=https://runbooks.example/high-errors?a=1&b=2", "summary=api answers with errors"]);

        var alerts = root.GetProperty("alerts").EnumerateArray().ToList();
        alerts.Count.ShouldBe(2);
        alerts.ShouldAllBe(a => a.EnumerateObject().Select(p => p.Name).SequenceEqual(
            new[] { "status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint" }));
        var (firing, resolved) = (alerts[0], alerts[1]);
        firing.GetProperty("status").GetString().ShouldBe("firing");
        Pairs(firing.GetProperty("labels")).ShouldBe(["alertname=HighErrorRate", "env=production", "instance=i-1", "service=api", "severity=critical"]);
        Pairs(firing.GetProperty("annotations")).ShouldContain("description=error_rate(api) is 4.2%, above 1%");
        firing.GetProperty("startsAt").GetString().ShouldBe("2030-01-01T12:00:00.1234567Z");
        firing.GetProperty("endsAt").GetString().ShouldBe("0001-01-01T00:00:00Z");
        firing.GetProperty("generatorURL").GetString().ShouldBe("https://capstan.example");
        firing.GetProperty("fingerprint").GetString().ShouldBe(notification.Alerts[0].Fingerprint);
        resolved.GetProperty("status").GetString().ShouldBe("resolved");
        resolved.GetProperty("startsAt").GetString().ShouldBe("2030-01-01T11:50:00Z");
        resolved.GetProperty("endsAt").GetString().ShouldBe("2030-01-01T12:01:30.5Z");
        resolved.GetProperty("fingerprint").GetString()!.ShouldMatch("^[0-9a-f]{16}$");
        request.Body.ShouldContain("\\u0026", Case.Sensitive, "& is escaped as Go's encoding/json escapes it");
    }

    [Fact]
    public void Times_AreWrittenAsGoWritesThem()
    {
        AlertmanagerPayload.FormatTime(null).ShouldBe("0001-01-01T00:00:00Z");
        AlertmanagerPayload.FormatTime(new DateTimeOffset(2030, 1, 1, 14, 0, 0, TimeSpan.FromHours(2))).ShouldBe("2030-01-01T12:00:00Z");
        AlertmanagerPayload.FormatTime(T0 + TimeSpan.FromMilliseconds(250)).ShouldBe("2030-01-01T12:00:00.25Z");
    }

    [Fact]
    public async Task Slack_PostsAReadableText()
    {
        await using var server = new RecordingHttpServer();
        var receiver = new SlackReceiver(server.Url("/services/T0/B0/" + Secret), Masker, Http);

        (await receiver.SendAsync(Sample(), TestContext.Current.CancellationToken).DefaultTimeout()).Succeeded.ShouldBeTrue();

        using var json = JsonDocument.Parse(server.Requests.ShouldHaveSingleItem().Body);
        json.RootElement.EnumerateObject().ShouldHaveSingleItem().Name.ShouldBe("text");
        json.RootElement.GetProperty("text").GetString().ShouldBe(
            """
            *[FIRING:1] HighErrorRate production api*
            :red_circle: *CRITICAL* HighErrorRate — production/api
            >api answers with errors
            >error_rate(api) is 4.2%, above 1%
            >Runbook: <https://runbooks.example/high-errors?a=1&amp;b=2|https://runbooks.example/high-errors?a=1&amp;b=2>
            >Since 2030-01-01 12:00:00 UTC
            :white_check_mark: *RESOLVED* HighErrorRate — production/api
            >api answers with errors
            >error_rate(api) is 3%, above 1%
            >Runbook: <https://runbooks.example/high-errors?a=1&amp;b=2|https://runbooks.example/high-errors?a=1&amp;b=2>
            >Resolved 2030-01-01 12:01:30 UTC, fired 2030-01-01 11:50:00 UTC
            """.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Email_IsSentThroughSmtp_WithAlertmanagersSubject()
    {
        await using var smtp = new SmtpTestServer();
        var receiver = new EmailReceiver($"smtp://127.0.0.1:{smtp.Port}", ["oncall@example.com", "lead@example.com"], "alerts@example.com", Masker);

        var result = await receiver.SendAsync(Sample(), TestContext.Current.CancellationToken).DefaultTimeout();

        result.ShouldBe(DeliveryResult.Success);
        var mail = smtp.Messages.ShouldHaveSingleItem();
        mail.From.ShouldBe("alerts@example.com");
        mail.To.ShouldBe(["oncall@example.com", "lead@example.com"]);
        var (headers, body) = SplitMessage(mail.Data);
        headers.ShouldContain("Subject: [FIRING:1] HighErrorRate production api");
        body.ShouldContain("FIRING critical HighErrorRate (production/api)\n  Summary: api answers with errors\n  Description: error_rate(api) is 4.2%, above 1%\n");
        body.ShouldContain("  Runbook: https://runbooks.example/high-errors?a=1&b=2\n");
        body.ShouldContain("RESOLVED critical HighErrorRate (production/api)");
        body.ShouldContain("  Resolved: 2030-01-01 12:01:30 UTC\n");
    }

    [Fact]
    public async Task Email_ToAServerThatIsDown_FailsWithoutShowingThePassword()
    {
        var receiver = new EmailReceiver($"smtp://alerts:{Secret}@127.0.0.1:{FreePort.Get()}?tls=false", ["oncall@example.com"], null, Masker);

        var result = await receiver.SendAsync(Sample(), TestContext.Current.CancellationToken).DefaultTimeout();

        result.Succeeded.ShouldBeFalse();
        result.Retryable.ShouldBeTrue();
        result.Error.ShouldNotBeNull().ShouldStartWith("SMTP 127.0.0.1:");
        result.Error.ShouldNotContain(Secret);
    }

    [Fact]
    public void SmtpUrls_AreParsed_AndABadOneIsNamed()
    {
        SmtpEndpoint.TryParse("smtp://me%40corp:p%3Ass@mail.example:587?tls=true", out var endpoint, out _).ShouldBeTrue();
        endpoint.ShouldBe(new SmtpEndpoint("mail.example", 587, "me@corp", "p:ss", true));
        SmtpEndpoint.TryParse("smtp://mail.example", out endpoint, out _).ShouldBeTrue();
        endpoint.ShouldBe(new SmtpEndpoint("mail.example", 25, null, null, false));
        SmtpEndpoint.TryParse("http://mail.example", out _, out var error).ShouldBeFalse();
        error.ShouldContain("'http://mail.example' is not an SMTP URL");
        SmtpEndpoint.TryParse("smtp://mail.example?ssl=1", out _, out error).ShouldBeFalse();
        error.ShouldContain("'ssl=1'");
    }

    [Fact]
    public async Task Command_GetsAlertmanagersPayloadOnStdin()
    {
        using var folder = new TempDirectory();
        var file = folder.Combine("payload.json");
        var receiver = new CommandReceiver($"cat > '{file}'", Masker);
        var notification = Sample();

        var result = await receiver.SendAsync(notification, TestContext.Current.CancellationToken).DefaultTimeout();

        result.ShouldBe(DeliveryResult.Success);
        (await File.ReadAllTextAsync(file, TestContext.Current.CancellationToken)).ShouldBe(AlertmanagerPayload.SerializeToString(notification));
    }

    [Fact]
    public async Task Command_ThatFails_ReportsTheEndOfItsStderr_Masked()
    {
        var receiver = new CommandReceiver($"cat > /dev/null; for i in $(seq 1 500); do echo \"line $i\" >&2; done; echo 'token {Secret} was refused' >&2; exit 3", Masker);

        var result = await receiver.SendAsync(Sample(), TestContext.Current.CancellationToken).DefaultTimeout();

        result.Succeeded.ShouldBeFalse();
        result.Error.ShouldNotBeNull().ShouldStartWith("the command exited with code 3: …");
        result.Error.ShouldEndWith("line 500\ntoken *** was refused");
        result.Error.Length.ShouldBeLessThan(CommandReceiver.StderrTailLength + 50);
    }

    [Fact]
    public async Task Command_ThatIgnoresItsInput_StillSucceeds()
    {
        var receiver = new CommandReceiver("true", Masker);

        (await receiver.SendAsync(Sample(alerts: 200), TestContext.Current.CancellationToken).DefaultTimeout()).ShouldBe(DeliveryResult.Success);
    }

    [Fact]
    public async Task Command_PastItsTimeout_IsKilledWithItsWholeProcessGroup()
    {
        using var folder = new TempDirectory();
        var pidFile = folder.Combine("child.pid");
        var receiver = new CommandReceiver($"sleep 300 & echo $! > '{pidFile}'; wait", Masker, timeout: TimeSpan.FromSeconds(1));

        var result = await receiver.SendAsync(Sample(), TestContext.Current.CancellationToken).DefaultTimeout();

        result.Succeeded.ShouldBeFalse();
        result.Error.ShouldBe("the command timed out after 1s and was killed");
        var child = int.Parse((await File.ReadAllTextAsync(pidFile, TestContext.Current.CancellationToken)).Trim(), CultureInfo.InvariantCulture);
        await Poll.UntilAsync(() => !IsRunning(child), $"the background child {child} is gone", TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task AWebhookUrlWithASecretToken_NeverShowsItInErrors()
    {
        await using var server = new RecordingHttpServer(500);
        var answered500 = await new WebhookReceiver(server.Url("/hook?token=" + Secret), Masker, Http)
            .SendAsync(Sample(), TestContext.Current.CancellationToken).DefaultTimeout();
        var refused = await new WebhookReceiver($"http://127.0.0.1:{FreePort.Get()}/hook?token={Secret}", Masker, Http)
            .SendAsync(Sample(), TestContext.Current.CancellationToken).DefaultTimeout();
        var notAUrl = await new SlackReceiver("hooks.slack.com/" + Secret, Masker, Http)
            .SendAsync(Sample(), TestContext.Current.CancellationToken).DefaultTimeout();

        answered500.Error.ShouldBe($"POST http://127.0.0.1:{server.Port}/hook?token=*** answered 500 Internal Server Error: failed for /hook?token=***");
        answered500.Retryable.ShouldBeTrue();
        refused.Error.ShouldNotBeNull().ShouldStartWith($"POST http://127.0.0.1:");
        refused.Error.ShouldContain("token=***");
        notAUrl.Error.ShouldBe("'hooks.slack.com/***' is not an http:// or https:// URL");
        notAUrl.Retryable.ShouldBeFalse();
        new[] { answered500.Error, refused.Error, notAUrl.Error }.ShouldAllBe(e => !e!.Contains(Secret));
    }

    [Fact]
    public async Task AClientError_IsNotRetried()
    {
        await using var server = new RecordingHttpServer(404);

        var result = await new WebhookReceiver(server.Url("/nope"), Masker, Http).SendAsync(Sample(), TestContext.Current.CancellationToken).DefaultTimeout();

        result.Retryable.ShouldBeFalse();
        result.Error.ShouldStartWith($"POST {server.Url("/nope")} answered 404");
    }

    /// <summary>A group of HighErrorRate on production/api: one alert firing, one resolved (or many firing).</summary>
    internal static Notification Sample(int alerts = 0)
    {
        var firing = Rules.Firing(HighErrorRate, Instance("i-1"), T0 + TimeSpan.FromTicks(1_234_567), 4.2);
        firing = firing with { Annotations = firing.Annotations.With("summary", "api answers with errors").With("runbook_url", HighErrorRate.Runbook!) };
        var resolved = Rules.Resolved(Rules.Firing(HighErrorRate, Instance("i-2"), T0 - TimeSpan.FromMinutes(10), 3), T0 + TimeSpan.FromSeconds(90.5));
        resolved = resolved with { Annotations = resolved.Annotations.With("summary", "api answers with errors").With("runbook_url", HighErrorRate.Runbook!) };
        var list = alerts == 0 ? [firing, resolved] : Enumerable.Range(0, alerts).Select(i => Rules.Firing(HighErrorRate, Instance($"i-{i}"), T0)).ToList();
        return new Notification
        {
            Receiver = "ops",
            GroupKey = "{}:{alertname=\"HighErrorRate\", env=\"production\", service=\"api\"}",
            GroupLabels = LabelSet.Of(("alertname", "HighErrorRate"), ("env", "production"), ("service", "api")),
            Status = NotificationStatus.Firing,
            Alerts = list,
            CreatedAt = T0,
        };
    }

    private static LabelSet Instance(string instance) => LabelSet.Of(("env", "production"), ("service", "api"), ("instance", instance));

    private static List<string> Pairs(JsonElement labels) =>
        [.. labels.EnumerateObject().Select(p => $"{p.Name}={p.Value.GetString()}")];

    /// <summary>The headers as received, and the body decoded from quoted-printable with LF line ends.</summary>
    private static (string Headers, string Body) SplitMessage(string data)
    {
        var split = data.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var headers = data[..split];
        var encoded = data[(split + 4)..].Replace("=\r\n", "", StringComparison.Ordinal);
        var bytes = new List<byte>();
        for (var i = 0; i < encoded.Length; i++)
        {
            if (encoded[i] == '=' && i + 2 < encoded.Length && Uri.IsHexDigit(encoded[i + 1]) && Uri.IsHexDigit(encoded[i + 2]))
            {
                bytes.Add(Convert.ToByte(encoded.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                bytes.Add((byte)encoded[i]);
            }
        }

        return (headers, Encoding.UTF8.GetString([.. bytes]).Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    /// <summary>False when the process is gone or a zombie nobody reaped yet (a container's init may be slow to).</summary>
    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
    }
}
