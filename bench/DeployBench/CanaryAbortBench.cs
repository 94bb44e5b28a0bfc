using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using Capstan.Contracts;
using Capstan.State;

namespace DeployBench;

/// <summary>
/// 5. Canary auto-abort (issue #6): a release with 5% errors deployed as a canary under 200 requests/s through the
/// edge; how long from the canary's start to its automatic abort, and how many failed answers users got, beside what
/// Flagger's documented rollback formula gives for the same settings (computed, not run).
/// </summary>
internal static class CanaryAbortBench
{
    /// <summary>Capstan's default steps (the seeds'), pause and min_requests, written out; abort_if is left to its defaults.</summary>
    public const string Strategy = "{ canary: [5%, 25%, 50%, 100%], pause: 30s, min_requests: 50 }";

    /// <summary>The step the canary must be aborted in, as the deployment names it.</summary>
    private const string FirstStep = "canary 5%";

    /// <summary>How the deployment's reason begins when the analysis aborted the canary in its first step.</summary>
    private const string AbortedByAnalysis = "canary step 5% failed the analysis";

    /// <summary>RateLoad sends this many requests/s on keep-alive connections and as many on new ones: 200/s in all.</summary>
    private const int RatePerKind = 100;

    private const int Rate = 2 * RatePerKind;
    private const double StepShare = 0.05;
    private const double FaultRate = 0.05;
    private const double GoalSeconds = 15;
    private const int GoalFailed = 50;

    /// <summary>Flagger's <c>analysis.interval</c> when unset (and the value of every example in its docs).</summary>
    private const double FlaggerIntervalSeconds = 60;

    /// <summary>Flagger raises any shorter <c>analysis.interval</c> to this (<c>GetAnalysisInterval</c>).</summary>
    private const double FlaggerShortestIntervalSeconds = 10;

    private static readonly TimeSpan Warm = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan LoadAfterEnd = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(50);

    /// <summary>One run's figures; times in seconds, null where the run did not get that far.</summary>
    private sealed record RunResult(
        int Number,
        string Status,
        string Step,
        string? Reason,
        double? PostToCanary,
        double? CanaryToEnd,
        double PostToEnd,
        double? CanaryToFirstV2,
        double? CanaryToLastV2,
        int V2Answers,
        int Failed,
        string FailedKinds,
        int Requests,
        double RequestsPerSecond)
    {
        /// <summary>Aborted by the analysis, which is what is measured; any other end is reported as it is.</summary>
        public bool Aborted => Status == "failed" && Reason is not null && Reason.StartsWith(AbortedByAnalysis, StringComparison.Ordinal);
    }

    public static async Task<string> RunAsync(int repeat, Action<string> progress, CancellationToken token)
    {
        var runs = new List<RunResult>();
        var problems = new StringBuilder();
        for (var i = 1; i <= repeat; i++)
        {
            try
            {
                runs.Add(await RunOnceAsync(i, repeat, progress, token));
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or HttpRequestException)
            {
                progress($"canary {i}/{repeat}: FAILED: {ex}");
                problems.AppendLine(CultureInfo.InvariantCulture, $"- run {i} did not complete: {ex.Message.ReplaceLineEndings(" ")}");
            }
        }

        return Report(repeat, runs, problems.ToString());
    }

    /// <summary>A fresh server with v1 serving, 5 s of load, then v2 with 5% errors deployed as a canary.</summary>
    private static async Task<RunResult> RunOnceAsync(int number, int repeat, Action<string> progress, CancellationToken token)
    {
        progress($"canary {number}/{repeat}: starting a server and deploying v1");
        await using var bench = await BenchServer.StartAsync(Strategy, 1, token);
        var first = await bench.SucceedAsync(await bench.DeployAsync(token), token);
        if (first.Reason is not { } why || !why.Contains("first release", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"v1 should have switched at once as the first release, but ended: {first.Reason}");
        }

        await bench.EdgeServesAsync("v1", token);

        await using var load = new RateLoad(bench.EdgeUri, RatePerKind);
        await Task.Delay(Warm, token);
        bench.WriteManifest("", $"FAULT_RATE: \"{FaultRate.ToString(CultureInfo.InvariantCulture)}\"");
        progress($"canary {number}/{repeat}: deploying v2 with FAULT_RATE {FaultRate}");

        // The server's timestamps are wall-clock; the load's are stopwatch ticks. One pair taken together maps the latter.
        var anchorWall = DateTimeOffset.UtcNow;
        var anchorTicks = Stopwatch.GetTimestamp();
        DateTimeOffset Wall(long ticks) => anchorWall + Stopwatch.GetElapsedTime(anchorTicks, ticks);

        var posted = await bench.DeployAsync(token);

        // The step is saved once when it starts (after HAProxy got its weight) and then every 5 s: read every 50 ms,
        // the first record seen at this step still carries the time it started.
        Deployment? atFirstStep = null;
        DateTimeOffset? firstStepSeen = null;
        Deployment current;
        var giveUp = Stopwatch.GetTimestamp();
        while (true)
        {
            current = await bench.Server.Store.Deployments.GetAsync(posted.Id, token)
                ?? throw new InvalidOperationException($"deployment {posted.Id} is not in the store");
            if (atFirstStep is null && current.Step == FirstStep)
            {
                atFirstStep = current;
                firstStepSeen = DateTimeOffset.UtcNow;
            }

            if (current.FinishedAt is not null)
            {
                break;
            }

            if (Stopwatch.GetElapsedTime(giveUp) > TimeSpan.FromSeconds(120))
            {
                throw new TimeoutException($"deployment {posted.Id} did not end within 120 s (step '{current.Step}')");
            }

            await Task.Delay(PollEvery, token);
        }

        await Task.Delay(LoadAfterEnd, token);
        await load.StopAsync();

        // The start is known when the step was seen under way, within the 5 s before its next save.
        DateTimeOffset? canaryStart = atFirstStep is { FinishedAt: null } seen && firstStepSeen - seen.UpdatedAt < TimeSpan.FromSeconds(5)
            ? seen.UpdatedAt
            : null;
        // The end as the API gives it: status, step and reason in the words users read.
        var view = await bench.Api.GetFromJsonAsync($"api/apps/shop/deployments/{posted.Id}", ApiJson.Default.DeploymentView, token)
            ?? throw new InvalidOperationException($"GET deployment {posted.Id} answered nothing");
        var ended = current.FinishedAt!.Value;
        var samples = load.Samples.ToList();
        var fromV2 = samples.Where(s => s.Body is "v2" or "v2 fault").Select(s => Wall(s.Done)).Order().ToList();
        var failed = samples.Where(s => !s.Ok).ToList();
        var kinds = string.Join(", ", failed.GroupBy(s => s.Failure).OrderByDescending(g => g.Count()).Select(g => $"{g.Count()} × {g.Key}"));
        var seconds = Time.Ms(load.Started, load.Stopped) / 1000;

        double? Since(DateTimeOffset? from, DateTimeOffset? to) => from is { } f && to is { } t ? (t - f).TotalSeconds : null;
        var result = new RunResult(
            number,
            view.Status,
            view.Step,
            view.Reason,
            Since(current.CreatedAt, canaryStart),
            Since(canaryStart, ended),
            (ended - current.CreatedAt).TotalSeconds,
            fromV2.Count > 0 ? Since(canaryStart, fromV2[0]) : null,
            fromV2.Count > 0 ? Since(canaryStart, fromV2[^1]) : null,
            fromV2.Count,
            failed.Count,
            kinds,
            samples.Count,
            samples.Count / seconds);
        progress($"canary {number}/{repeat}: {result.Status} at '{result.Step}', canary start → end {Seconds(result.CanaryToEnd)}, {result.Failed} failed of {result.Requests}: {result.Reason}");
        return result;
    }

    private static string Report(int repeat, List<RunResult> runs, string problems)
    {
        var rows = new StringBuilder();
        var reasons = new StringBuilder();
        foreach (var r in runs)
        {
            var v2 = r.V2Answers == 0 ? "none" : $"{r.V2Answers} ({Seconds(r.CanaryToFirstV2)} → {Seconds(r.CanaryToLastV2)})";
            var end = r.Aborted ? "aborted" : $"**{r.Status} at '{r.Step}'**";
            rows.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Number} | {end} | {Seconds(r.PostToCanary)} | **{Seconds(r.CanaryToEnd)}** | {r.PostToEnd:0.00} s | {v2} | **{r.Failed}** | {r.Requests} ({r.RequestsPerSecond:0}) |");
            reasons.AppendLine(CultureInfo.InvariantCulture,
                $"- run {r.Number} ({(r.Failed > 0 ? r.FailedKinds : "no failed response")}): {r.Reason ?? "(no reason)"}");
        }

        var aborted = runs.Where(r => r.Aborted && r.CanaryToEnd is not null).ToList();
        var toEnd = aborted.Select(r => r.CanaryToEnd!.Value).ToList();
        var toLastV2 = aborted.Where(r => r.CanaryToLastV2 is not null).Select(r => r.CanaryToLastV2!.Value).ToList();
        var postToEnd = aborted.Select(r => r.PostToEnd).ToList();
        var failedCounts = aborted.Select(r => (double)r.Failed).ToList();
        var summary = aborted.Count == 0
            ? "No run was aborted by the analysis: nothing to summarise."
            : $"""
                | {aborted.Count} of {repeat} runs aborted by the analysis | median | max |
                |---|---:|---:|
                | **canary start → deployment failed** | {Median(toEnd):0.00} s | {toEnd.Max():0.00} s |
                | canary start → last answer from v2 | {(toLastV2.Count > 0 ? $"{Median(toLastV2):0.00} s" : "n/a")} | {(toLastV2.Count > 0 ? $"{toLastV2.Max():0.00} s" : "n/a")} |
                | deploy POST → deployment failed | {Median(postToEnd):0.00} s | {postToEnd.Max():0.00} s |
                | **failed responses** | {Median(failedCounts):0.#} | {failedCounts.Max():0} |
                """;

        // Flagger: rolled back after `threshold` failed checks, one per `interval`; the weight stays at the first
        // step while checks fail, so users get rate × step share × error rate failures per second until then.
        var perSecond = Rate * StepShare * FaultRate;
        var flagger = new StringBuilder();
        foreach (var (interval, threshold, which) in new[]
        {
            (FlaggerIntervalSeconds, 1, "threshold unset: its code's default"),
            (FlaggerIntervalSeconds, 5, "the threshold of its tutorials"),
            (FlaggerIntervalSeconds, 10, "the threshold of its docs' examples"),
            (FlaggerShortestIntervalSeconds, 1, "the shortest interval its code allows, threshold 1: its fastest"),
        })
        {
            var time = interval * threshold;
            flagger.AppendLine(CultureInfo.InvariantCulture,
                $"| Flagger, computed: {interval:0} s × {threshold} ({which}) | {time:0} s{(time >= 60 ? $" ({time / 60:0.#} min)" : "")} | {Rate} × {StepShare:0.00} × {FaultRate:0.00} × {time:0} s = **{time * perSecond:0}** |");
        }

        var capstan = aborted.Count == 0
            ? "| Capstan, measured | no run aborted | n/a |"
            : $"| **Capstan, measured** (median / max of {aborted.Count}) | **{Median(toEnd):0.0} s / {toEnd.Max():0.0} s** | **{Median(failedCounts):0.#} / {failedCounts.Max():0}** |";

        var met = aborted.Count == repeat && aborted.Count > 0 && toEnd.Max() <= GoalSeconds && failedCounts.Max() <= GoalFailed;
        var verdict = aborted.Count == 0
            ? $"**Verdict:** not measured: no run was aborted by the analysis (goals: ≤ {GoalSeconds:0} s, ≤ {GoalFailed} failed responses)."
            : $"**Verdict:** {(met ? "goals met" : "goals NOT met")}: {aborted.Count} of {repeat} runs aborted by the analysis, at most {toEnd.Max():0.0} s from canary start (goal ≤ {GoalSeconds:0} s) and at most {failedCounts.Max():0} failed responses (goal ≤ {GoalFailed}); Flagger's formula gives {FlaggerIntervalSeconds:0}–{FlaggerIntervalSeconds * 10:0} s and {FlaggerIntervalSeconds * perSecond:0}–{FlaggerIntervalSeconds * 10 * perSecond:0} failed responses for the same load at its default interval (thresholds 1–10), and no less than {FlaggerShortestIntervalSeconds:0} s and {FlaggerShortestIntervalSeconds * perSecond:0} at its fastest.";

        return $"""
            **5. Canary auto-abort.** Goals: from the canary's start to its automatic abort at most {GoalSeconds:0} s, and at
            most {GoalFailed} failed responses received by users. {repeat} runs, each on a fresh server (its own HAProxy and
            instances, so each canary's fault counter and each stable release start alike): strategy `{Strategy}`
            (Capstan's default steps, pause and min_requests; `abort_if` at its defaults, +2 points of errors, +20% p95,
            5% error ceiling), 1 replica. v1 is deployed (the first release switches at once), then an open-loop load of
            {Rate} requests/s runs through the edge ({RatePerKind}/s on keep-alive connections plus {RatePerKind}/s each on a new
            connection, 5 s timeout), and after {Warm.TotalSeconds:0} s v2 is deployed: the same app with `FAULT_RATE: "{FaultRate.ToString(CultureInfo.InvariantCulture)}"`, so every
            20th GET / it serves answers 500 "v2 fault". Times come from the server's own records, read from its store
            every {PollEvery.TotalMilliseconds:0} ms: **canary start** is when the deployment saved its step `{FirstStep}`, right after
            Capstan applied the canary's weight (13 of 256) to HAProxy; **deployment failed** is its `finished_at`, after the weight went
            back to 0 and the canary's instance was drained and stopped. "Last answer from v2" is when the load got the
            canary's last answer (what users saw of the abort), on the same clock. v2 answers: 200 "v2" and 500 "v2 fault"
            received, with the first and last relative to canary start. Failed responses: every answer other than a 200, and
            every socket error or timeout, that the load got from its start to {LoadAfterEnd.TotalSeconds:0} s after the deployment ended.

            | run | end | POST → canary start | **canary start → failed** | POST → failed | v2 answers (first → last, from canary start) | **failed responses** | requests (req/s) |
            |---:|---|---:|---:|---:|---:|---:|---:|
            {rows.ToString().TrimEnd()}

            {summary}

            The deployments' reasons, with the figures that failed them:

            {reasons.ToString().TrimEnd()}
            {(problems.Length > 0 ? "\n" + problems.TrimEnd() + "\n" : "")}
            Beside Flagger for the same settings, **computed from its documented formula, not run**: Flagger's analysis runs
            every `interval` (documented default 60 s; its code raises anything under 10 s to 10 s) and rolls the canary
            back when the failed checks reach `threshold`; the time for a canary to be rolled back while its checks fail
            is `interval * threshold` ([Flagger, Deployment Strategies › Canary Release](https://docs.flagger.app/usage/deployment-strategies)).
            Its docs give no default threshold: its code takes 1 when none is set (`GetAnalysisThreshold` in
            `pkg/apis/flagger/v1beta1/canary.go` of fluxcd/flagger), its tutorials use 5
            ([Istio canary deployments](https://docs.flagger.app/tutorials/istio-progressive-delivery)), and the examples
            on its [How it works](https://docs.flagger.app/usage/how-it-works) and Deployment Strategies pages use 10. Failed responses = {Rate} requests/s × {StepShare:0%} step weight × {FaultRate:0%} errors × time,
            assuming every check fails (the documented `request-success-rate` check with `thresholdRange.min: 99` sees
            95%) and the weight stays at the first step, 5%, while checks fail (Flagger halts advancement).

            | | time from canary start to rollback | failed responses = req/s × step weight × error rate × time |
            |---|---:|---:|
            {capstan}
            {flagger.ToString().TrimEnd()}

            {verdict}

            """;
    }

    private static string Seconds(double? value) => value is { } v ? $"{v:0.00} s" : "n/a";

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
