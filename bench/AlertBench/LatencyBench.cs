using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Capstan.Manifest;
using Capstan.Observability.Metrics;
using Capstan.Testing;

namespace AlertBench;

/// <summary>
/// 1. Alert latency (issue #7): the example app starts failing every request at T (the bench creates its FAULT_FILE);
/// how long until Capstan's critical alert reaches a webhook, beside a real Prometheus + Alertmanager watching the
/// same app through the same edge (Capstan's <c>/metrics</c>, with the exported rule), tuned and with their defaults,
/// in the same run.
/// </summary>
internal static class LatencyBench
{
    public const int Rate = 50;
    public const double GoalSeconds = 5;

    /// <summary>The exported rule with its windows widened from 1m to 2m, for the Prometheus with default settings (see the report).</summary>
    private const string Widened = AlertServer.RuleName + "2m";

    private static readonly TimeSpan FastTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Scrape (≤ 1m) + evaluation (≤ 1m) + group_wait (30s) is at most 150 s; past this bound the default setup is reported as not fired.</summary>
    private static readonly TimeSpan DefaultsBound = TimeSpan.FromSeconds(165);

    private static readonly TimeSpan ResolveTimeout = TimeSpan.FromSeconds(150);
    private static readonly TimeSpan GroupsTimeout = TimeSpan.FromSeconds(45);
    private static readonly TimeSpan Healthy = TimeSpan.FromSeconds(3);

    /// <summary>One round; times in seconds from T, null when that notification did not come within its bound.</summary>
    private sealed record Round(
        int Number,
        double? Capstan,
        int CapstanFailed,
        double? Tuned,
        int TunedFailed,
        int GroupsAtT,
        double? DefaultExported,
        double? DefaultWidened,
        int DefaultFailed,
        double? CapstanResolved,
        double? TunedResolved);

    public static async Task<string> RunAsync(int rounds, Action<string> progress, CancellationToken token)
    {
        var started = Stopwatch.StartNew();
        using var faults = new TempDirectory("capstan-alertbench-fault-");
        var faultFile = faults.Combine("outage");
        using var published = new TempDirectory("capstan-alertbench-hello-");
        await using var capstanHook = WebhookRecorder.Start();
        var helloFolder = published.Combine("out");
        var manifest = AlertServer.ManifestFor(helloFolder, faultFile, capstanHook.Url);
        var rule = ManifestLoader.Parse(manifest).Manifest?.Alerts.Single()
            ?? throw new InvalidOperationException("the benchmark's capstan.yaml does not load: " + string.Join("; ", ManifestLoader.Parse(manifest).Errors));
        var exported = PrometheusRuleExporter.Write([rule], "shop");
        var widened = exported
            .Replace("[1m]", "[2m]", StringComparison.Ordinal)
            .Replace("\"capstan-shop\"", "\"capstan-shop-2m\"", StringComparison.Ordinal)
            .Replace($"alert: \"{AlertServer.RuleName}\"", $"alert: \"{Widened}\"", StringComparison.Ordinal);

        // Capstan and both Prometheus setups start first: the default setup's first scrape (up to a minute away) and
        // its Alertmanager discovery then happen while the example app is published.
        progress("latency: starting Capstan, Prometheus + Alertmanager tuned and with defaults");
        await using var server = await AlertServer.StartAsync(manifest, token);
        await using var tuned = await PrometheusSetup.StartAsync(
            "tuned",
            new PrometheusOptions { ScrapeInterval = TimeSpan.FromSeconds(1), EvaluationInterval = TimeSpan.FromSeconds(1), RuleFiles = new Dictionary<string, string> { ["capstan.yml"] = exported } },
            url => new AlertmanagerOptions { WebhookUrl = url, GroupWait = TimeSpan.Zero, GroupInterval = TimeSpan.FromSeconds(1) },
            server.MetricsTarget,
            server.Server.AdminToken,
            token);
        await using var defaults = await PrometheusSetup.StartAsync(
            "defaults",
            new PrometheusOptions { RuleFiles = new Dictionary<string, string> { ["capstan.yml"] = exported, ["capstan-2m.yml"] = widened } },
            url => new AlertmanagerOptions { WebhookUrl = url, GroupBy = ["alertname"] },
            server.MetricsTarget,
            server.Server.AdminToken,
            token);

        progress("latency: publishing examples/hello (Release)");
        await ExampleApp.PublishAsync(published.Path, token);
        progress("latency: deploying it");
        await server.DeployAsync(token);
        await using var load = new SteadyLoad(server.EdgeUri, AlertServer.Host, Rate);

        progress("latency: waiting until both Prometheus know their Alertmanager and have scraped Capstan");
        await Task.WhenAll(tuned.WaitReadyAsync(TimeSpan.FromSeconds(30), token), defaults.WaitReadyAsync(TimeSpan.FromSeconds(90), token));
        var source = new MetricsConditionSource(server.Server.Watch.Series);
        var subject = PrometheusRuleExporter.Subject(rule.When);
        await Poll.UntilAsync(
            async ct => source.Evaluate(rule.When, DateTimeOffset.UtcNow) is [{ Value: 0 }] && await tuned.Prometheus!.QueryAsync(subject, ct) is [{ Value: 0 }],
            "Capstan and the tuned Prometheus compute an error rate of 0 for web",
            TimeSpan.FromSeconds(60),
            token);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var results = new List<Round>();
        var notes = new StringBuilder();
        for (var number = 1; number <= rounds; number++)
        {
            var first = number == 1;
            var groups = await NoGroupsAsync(tuned, http, token);
            await Task.Delay(Healthy, token);

            progress($"latency: round {number}/{rounds}: creating the fault file (T){(first ? $", waiting up to {DefaultsBound.TotalSeconds:0} s for the default setup" : "")}");
            await File.WriteAllTextAsync(faultFile, "", token);
            var t = Stopwatch.GetTimestamp();
            var capstan = ArrivalAsync(capstanHook, AlertServer.RuleName, "firing", t, FastTimeout, token);
            var fast = ArrivalAsync(tuned.Webhook, AlertServer.RuleName, "firing", t, FastTimeout, token);
            var defaultExported = first ? ArrivalAsync(defaults.Webhook, AlertServer.RuleName, "firing", t, DefaultsBound, token) : Task.FromResult<long?>(null);
            var defaultWidened = first ? ArrivalAsync(defaults.Webhook, Widened, "firing", t, DefaultsBound, token) : Task.FromResult<long?>(null);
            await Task.WhenAll(capstan, fast, defaultExported, defaultWidened);
            File.Delete(faultFile);
            var removed = Stopwatch.GetTimestamp();

            if (first)
            {
                // Why the exported rule (1m windows) cannot fire when scraped every minute: its windows hold one sample.
                var inWindow = await defaults.Prometheus!.QueryAsync($"count_over_time({SeriesNames.HttpRequests}{{service=\"web\"}}[1m])", token);
                var inWidened = await defaults.Prometheus.QueryAsync($"count_over_time({SeriesNames.HttpRequests}{{service=\"web\"}}[2m])", token);
                notes.AppendLine(CultureInfo.InvariantCulture,
                    $"- The Prometheus with default settings, at the end of round 1: samples of `{SeriesNames.HttpRequests}{{service=\"web\"}}` in the last 1m: {string.Join(", ", inWindow.Select(s => s.Value))}; in the last 2m: {string.Join(", ", inWidened.Select(s => s.Value))}.");
                await defaults.StopServersAsync();
            }

            var answers = load.Answers;
            int FailedUntil(long? at) => at is { } until ? answers.Count(a => a.Done >= t && a.Done <= until && a.Failed) : answers.Count(a => a.Done >= t && a.Done <= removed && a.Failed);
            double? Since(long? at) => at is { } a ? Stats.Seconds(t, a) : null;

            double? capstanResolved = null, tunedResolved = null;
            if (number < rounds)
            {
                progress($"latency: round {number}/{rounds}: fault file removed; waiting for both resolutions (the error rate looks back 1 minute)");
                var capstanResolution = ArrivalAsync(capstanHook, AlertServer.RuleName, "resolved", removed, ResolveTimeout, token);
                var tunedResolution = ArrivalAsync(tuned.Webhook, AlertServer.RuleName, "resolved", removed, ResolveTimeout, token);
                await Task.WhenAll(capstanResolution, tunedResolution);
                capstanResolved = (await capstanResolution) is { } c ? Stats.Seconds(removed, c) : null;
                tunedResolved = (await tunedResolution) is { } f ? Stats.Seconds(removed, f) : null;
                if (capstanResolved is null || tunedResolved is null)
                {
                    throw new TimeoutException($"round {number}: the alert did not resolve within {ResolveTimeout.TotalSeconds:0} s of removing the fault file (Capstan: {Seconds(capstanResolved)}, tuned Prometheus: {Seconds(tunedResolved)}), so the next round would not start clean");
                }
            }

            var round = new Round(
                number,
                Since(await capstan),
                FailedUntil(await capstan),
                Since(await fast),
                FailedUntil(await fast),
                groups,
                Since(await defaultExported),
                Since(await defaultWidened),
                first ? FailedUntil(await defaultWidened) : 0,
                capstanResolved,
                tunedResolved);
            results.Add(round);
            progress($"latency: round {number}/{rounds}: Capstan {Seconds(round.Capstan)} ({round.CapstanFailed} failed), tuned {Seconds(round.Tuned)}{(first ? $", defaults {Seconds(round.DefaultExported)} (exported) / {Seconds(round.DefaultWidened)} (2m)" : "")}");
        }

        return Report(results, rounds, load.Answers.Count, started.Elapsed, notes.ToString());
    }

    /// <summary>Waits until the tuned Alertmanager holds no notification group, and returns how many it held at the end.</summary>
    private static async Task<int> NoGroupsAsync(PrometheusSetup setup, HttpClient http, CancellationToken token)
    {
        var groups = -1;
        try
        {
            await Poll.UntilAsync(async ct => (groups = await setup.AggregationGroupsAsync(http, ct)) == 0, "the tuned Alertmanager holds no group", GroupsTimeout, token);
        }
        catch (TimeoutException)
        {
            // Reported in the round's row: its alert joined a group that was still there.
        }

        return groups;
    }

    /// <summary>The stopwatch timestamp at which the first notification of <paramref name="alert"/> with <paramref name="status"/> arrived after <paramref name="after"/>; null if none within <paramref name="timeout"/>.</summary>
    private static async Task<long?> ArrivalAsync(WebhookRecorder hook, string alert, string status, long after, TimeSpan timeout, CancellationToken token)
    {
        try
        {
            var request = await hook.WaitForAsync(r => r.Timestamp > after && Notifies(r, alert, status), timeout, token);
            return request.Timestamp;
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    /// <summary>An Alertmanager webhook payload (Capstan sends the same, version 4) whose status and one of whose alerts are <paramref name="status"/>.</summary>
    private static bool Notifies(RecordedRequest request, string alert, string status)
    {
        try
        {
            var json = request.Json();
            return json.GetProperty("status").GetString() == status
                && json.GetProperty("alerts").EnumerateArray().Any(a =>
                    a.GetProperty("status").GetString() == status && a.GetProperty("labels").GetProperty("alertname").GetString() == alert);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return false;
        }
    }

    private static string Seconds(double? seconds) => seconds is { } s ? $"{s:0.00} s" : "none";

    private static string Report(List<Round> rounds, int planned, int requests, TimeSpan took, string notes)
    {
        var rows = new StringBuilder();
        foreach (var r in rounds)
        {
            rows.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Number} | **{Seconds(r.Capstan)}** | {r.CapstanFailed} | {Seconds(r.Tuned)} | {r.TunedFailed} | {(r.GroupsAtT == 0 ? "0" : $"**{r.GroupsAtT}**")} | {(r.Number == 1 ? Seconds(r.DefaultExported) : "")} | {(r.Number == 1 ? Seconds(r.DefaultWidened) : "")} | {(r.CapstanResolved is { } c ? $"{c:0.0} s" : "")} | {(r.TunedResolved is { } f ? $"{f:0.0} s" : "")} |");
        }

        var capstan = rounds.Where(r => r.Capstan is not null).Select(r => r.Capstan!.Value).ToList();
        var tuned = rounds.Where(r => r.Tuned is not null).Select(r => r.Tuned!.Value).ToList();
        var capstanFailed = rounds.Where(r => r.Capstan is not null).Select(r => (double)r.CapstanFailed).ToList();
        var tunedFailed = rounds.Where(r => r.Tuned is not null).Select(r => (double)r.TunedFailed).ToList();
        var first = rounds.FirstOrDefault();
        string Summary(string what, List<double> values, int of, string format, string unit) => values.Count == 0
            ? $"| {what} | none of {of} | | |"
            : $"| {what} ({values.Count} of {of}) | {values.Min().ToString(format, CultureInfo.InvariantCulture)}{unit} | {Stats.Median(values).ToString(format, CultureInfo.InvariantCulture)}{unit} | {values.Max().ToString(format, CultureInfo.InvariantCulture)}{unit} |";

        var met = capstan.Count == planned && capstan.Max() <= GoalSeconds;
        var verdict = capstan.Count == 0
            ? $"**Verdict:** goal NOT met: Capstan's alert did not reach the webhook within {FastTimeout.TotalSeconds:0} s in any round."
            : $"**Verdict:** the goal (≤ {GoalSeconds:0} s) is {(met ? "met" : "NOT met")}: Capstan's critical alert reached the webhook {capstan.Min():0.0}–{capstan.Max():0.0} s after the outage began (median {Stats.Median(capstan):0.0} s, {capstan.Count} of {planned} rounds), "
                + $"after {capstanFailed.Min():0}–{capstanFailed.Max():0} failed responses at {Rate} requests/s; "
                + (tuned.Count > 0 ? $"a Prometheus + Alertmanager tuned to 1 s took {Stats.Median(tuned):0.0} s (median; {tuned.Min():0.0}–{tuned.Max():0.0} s)" : "the tuned Prometheus + Alertmanager never notified")
                + (first is null ? "." : first.DefaultWidened is { } w
                    ? $", and with their default settings {w:0} s with the rule's windows widened to 2m, while the exported rule as is {(first.DefaultExported is { } e ? $"took {e:0} s" : $"did not fire within {DefaultsBound.TotalSeconds:0} s")}."
                    : $", and with their default settings no alert arrived within {DefaultsBound.TotalSeconds:0} s.");

        return $"""
            **1. Alert latency.** Goal: Capstan's critical alert at a webhook at most {GoalSeconds:0} s after the app starts failing.
            One Capstan server with the published example app (examples/hello, 1 instance, blue-green) behind its HAProxy
            edge, and an open-loop load of {Rate} requests/s on GET / through the edge (keep-alive, 5 s timeout). The rule:
            `{AlertServer.Condition}` (errors over requests in the last minute), `for: 0s`, severity critical, notifying a
            webhook channel. **T** is when the bench creates the app's `FAULT_FILE`: from then on every GET / is answered
            500. Each time is from T to the arrival of the first firing notification at that setup's webhook receiver, on
            the bench's monotonic clock. Beside Capstan, watching the same app through the same edge (Capstan's `/metrics`,
            bearer token, `honor_labels: true`) with the rule as `PrometheusRuleExporter` writes it (same `for: 0s`), a real
            Prometheus sending to a real Alertmanager that posts to its own webhook receiver, in two setups started at the
            same time; each round begins once both have found their Alertmanager and scraped Capstan:

            | setup | samples | evaluation | notification | rule |
            |---|---|---|---|---|
            | **Capstan** | edge request counters, every 1 s | every 1 s | critical route: `group_wait: 0s` (its default), `group_interval: 1s` | `{AlertServer.Condition}`, `for: 0s` |
            | Prometheus + Alertmanager, **tuned** | scrape every 1 s | every 1 s | `group_wait: 0s`, `group_interval: 1s`; resend delay 1m (default) | exported |
            | Prometheus + Alertmanager, **defaults** | scrape every 1m | every 1m | `group_wait: 30s`, `group_interval: 5m`, resend delay 1m; `group_by: [alertname]` | exported, and a copy with its `[1m]` windows widened to `[2m]` |

            {rounds.Count} rounds of {planned}; the default setup is in round 1 only (the fault stays on for {DefaultsBound.TotalSeconds:0} s,
            longer than its worst case of 1m scrape + 1m evaluation + 30 s group_wait, then that Prometheus and Alertmanager
            are stopped). Between rounds the fault file is removed and the next round waits until both Capstan and the tuned
            setup have sent their resolution (the error rate looks back a minute), then until the tuned Alertmanager holds
            no notification group ("AM groups at T": Alertmanager deletes empty groups every 30 s, and a group that is
            still there would take the next alert at its next `group_interval` instead of at once), then {Healthy.TotalSeconds:0} s of healthy
            traffic. `group_interval: 1s`, in Capstan's critical route (default 1m) and in the tuned Alertmanager (default
            5m), only makes resolutions arrive soon after the alert resolves, so that rounds can follow each other; it
            does not touch a new group's first notification, which is what is measured. Failed responses: answers
            other than 200 (or no answer) that the load received from T until that notification arrived.

            | round | **Capstan** | failed responses before it | tuned Prometheus + AM | failed before it | AM groups at T | defaults, exported rule (1m) | defaults, rule widened to 2m | Capstan resolved (after removal) | tuned resolved |
            |---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
            {rows.ToString().TrimEnd()}

            | T → firing notification at the webhook | min | median | max |
            |---|---:|---:|---:|
            {Summary("**Capstan**", capstan, planned, "0.00", " s")}
            {Summary("Prometheus + Alertmanager, tuned", tuned, planned, "0.00", " s")}
            | Prometheus + Alertmanager, defaults, exported rule (round 1) | {Seconds(first?.DefaultExported)} | | |
            | Prometheus + Alertmanager, defaults, rule widened to 2m (round 1) | {Seconds(first?.DefaultWidened)} | | |
            {Summary("**failed responses before Capstan's alert**", capstanFailed, planned, "0", "")}
            {Summary("failed responses before the tuned setup's alert", tunedFailed, planned, "0", "")}
            | failed responses before the default setup's alert (2m rule, round 1) | {(first?.DefaultWidened is null ? "n/a" : first.DefaultFailed.ToString(CultureInfo.InvariantCulture))} | | |

            {notes.TrimEnd()}
            - The part took {took.TotalMinutes:0.0} min; the load sent {requests} requests.

            {verdict}

            """;
    }
}
