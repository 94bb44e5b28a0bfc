using System.Globalization;
using Capstan.Edge.Metrics;

namespace Capstan.Deployments.Canary;

/// <summary>The settings a canary deployment analyses with, from the environment's strategy in capstan.yaml.</summary>
public sealed record CanarySettings
{
    /// <summary>Traffic steps in percent, increasing, the last 100.</summary>
    public required IReadOnlyList<double> Steps { get; init; }

    /// <summary>Time at each step before a pass can be given (a failure can come sooner).</summary>
    public required TimeSpan Pause { get; init; }

    /// <summary>Requests the canary must have served in a step before it can pass.</summary>
    public required int MinRequests { get; init; }

    /// <summary>Largest allowed canary error rate minus stable error rate, as a fraction (0.02 is 2 points).</summary>
    public required double ErrorRateIncrease { get; init; }

    /// <summary>Largest allowed relative increase of the canary's p95 over the stable one's (0.2 is 20%).</summary>
    public required double P95Increase { get; init; }

    /// <summary>Ceiling on the canary's own error rate, as a fraction.</summary>
    public required double ErrorRateCeiling { get; init; }
}

/// <summary>What one look at a canary step decided.</summary>
public enum CanaryOutcome
{
    /// <summary>Enough requests, the pause is over, and no figure is above its threshold: go to the next step.</summary>
    Pass,

    /// <summary>A figure is above its threshold with significance: abort.</summary>
    Fail,

    /// <summary>Not enough data for a verdict either way yet.</summary>
    Wait,
}

/// <summary>A verdict and the figures behind it, in words for the deployment's record.</summary>
public sealed record CanaryVerdict(CanaryOutcome Outcome, string Figures);

/// <summary>
/// Compares a canary's requests with the stable release's over the same window (docs/deployments.md, "Canary
/// analysis"). A failure needs both a difference above the threshold and significance at <see cref="Alpha"/>
/// (one-sided exact tests), so that a few unlucky requests do not abort a good release; an error failure may come
/// before <see cref="CanarySettings.MinRequests"/> when the evidence is already that strong, a latency failure not
/// (a new process is slow on its first requests). A pass needs
/// <see cref="CanarySettings.MinRequests"/> canary requests, the pause over, and every observed figure within its
/// threshold; anything in between waits for more requests.
/// </summary>
public static class CanaryJudge
{
    /// <summary>
    /// The significance level of each look. Looks repeat every second, so each is held to 1% rather than 5%; together
    /// with the minimum effect (the threshold) that keeps false aborts of an equal release rare.
    /// </summary>
    public const double Alpha = 0.01;

    /// <summary>
    /// The smallest latency increase judged, in milliseconds, whatever the relative threshold: HAProxy times requests
    /// in whole milliseconds, so 20% of a 1 ms p95 is below what is measured.
    /// </summary>
    public const double MinimumLatencyIncreaseMs = 2;

    /// <summary>The share of requests above the p95, which a canary slower at its p95 exceeds.</summary>
    private const double TailShare = 0.05;

    /// <summary>
    /// How long after the canary first takes traffic its latency is not judged: a new process answers its first
    /// requests slowly (JIT compilation, cold caches and connection pools) while the stable one is warm. Errors are
    /// judged from the first request.
    /// </summary>
    public static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(5);

    /// <param name="canary">The canary's requests over the step so far.</param>
    /// <param name="stable">The stable release's requests over the same window.</param>
    /// <param name="settings">Thresholds and minimums.</param>
    /// <param name="pauseOver">Whether the step's pause has passed (a pass needs it).</param>
    /// <param name="canaryWarm">The canary's requests since its warm-up ended, for latency; null while it warms up.</param>
    /// <param name="stableWarm">The stable release's over that same window.</param>
    public static CanaryVerdict Judge(RequestStats canary, RequestStats stable, CanarySettings settings, bool pauseOver, RequestStats? canaryWarm, RequestStats? stableWarm)
    {
        ArgumentNullException.ThrowIfNull(canary);
        ArgumentNullException.ThrowIfNull(stable);
        ArgumentNullException.ThrowIfNull(settings);
        var figures = new List<string>();
        var failures = new List<string>();
        var doubts = new List<string>();

        // Errors against the stable release: observed increase above the threshold, and Fisher's exact test says the
        // canary errs more than the stable release.
        var canaryRate = canary.ServerErrorRate;
        var stableRate = stable.ServerErrorRate;
        var increase = canaryRate - stableRate;
        var errors = $"errors {Percent(canaryRate)} ({canary.ServerErrors} of {canary.Requests}) against stable {Percent(stableRate)} ({stable.ServerErrors} of {stable.Requests})";
        if (increase > settings.ErrorRateIncrease)
        {
            var p = Significance.FisherGreater(canary.ServerErrors, canary.Requests, stable.ServerErrors, stable.Requests);
            var text = $"{errors}: +{Points(increase)} points, above the {Points(settings.ErrorRateIncrease)} allowed (p = {P(p)})";
            (p < Alpha ? failures : doubts).Add(text);
        }
        else
        {
            figures.Add($"{errors}: {(increase >= 0 ? "+" : "")}{Points(increase)} points");
        }

        // The canary's own error rate against the ceiling: the binomial tail at the ceiling.
        if (canaryRate > settings.ErrorRateCeiling)
        {
            var p = Significance.BinomialGreater(canary.ServerErrors, canary.Requests, settings.ErrorRateCeiling);
            var text = $"canary errors {Percent(canaryRate)}, above the ceiling of {Percent(settings.ErrorRateCeiling)} (p = {P(p)})";
            (p < Alpha ? failures : doubts).Add(text);
        }

        // p95 latency: the line is the stable p95 raised by the threshold. If the canary's p95 is above that line,
        // more than 5% of its requests are above it; the binomial tail tests that share.
        if (canaryWarm is null || stableWarm is null)
        {
            doubts.Add($"latency not compared during the canary's first {WarmUp.TotalSeconds:0}s (warm-up)");
        }
        else if (stableWarm.P95 is { } stableP95 && canaryWarm.Timed > 0 && stableWarm.Timed >= settings.MinRequests)
        {
            var stableMs = stableP95.TotalMilliseconds;
            var lineMs = Math.Max(stableMs * (1 + settings.P95Increase), stableMs + MinimumLatencyIncreaseMs);
            var above = (long)Math.Round(canaryWarm.CountSlowerThan(TimeSpan.FromMilliseconds(lineMs)));
            var share = (double)above / canaryWarm.Timed;
            var canaryP95 = canaryWarm.P95 is { } c ? $"{c.TotalMilliseconds:0.#} ms" : "n/a";
            var latency = $"p95 {canaryP95} against stable {stableMs:0.#} ms";
            if (share > TailShare)
            {
                // A new process answers its first requests slowly (JIT, cold caches) while the stable one is warm:
                // a latency failure waits for min_requests timed requests, which dilute that start.
                var p = canaryWarm.Timed >= settings.MinRequests ? Significance.BinomialGreater(above, canaryWarm.Timed, TailShare) : 1;
                var text = $"{latency}: {Percent(share)} of canary requests slower than {lineMs:0.#} ms (stable p95 + {Math.Round(settings.P95Increase * 100)}%), 5% allowed (p = {P(p)})";
                (p < Alpha ? failures : doubts).Add(text);
            }
            else
            {
                figures.Add(latency);
            }
        }
        else if (canaryWarm.Timed > 0)
        {
            doubts.Add($"latency not compared yet: stable {stableWarm.Timed} timed requests since the warm-up, {settings.MinRequests} needed");
        }

        if (failures.Count > 0)
        {
            return new CanaryVerdict(CanaryOutcome.Fail, string.Join("; ", failures.Concat(doubts).Concat(figures)));
        }

        if (canary.Requests < settings.MinRequests)
        {
            return new CanaryVerdict(CanaryOutcome.Wait, $"inconclusive: {canary.Requests} requests, {settings.MinRequests} needed" + Tail(doubts, figures));
        }

        if (doubts.Count > 0)
        {
            return new CanaryVerdict(CanaryOutcome.Wait, "inconclusive: " + string.Join("; ", doubts.Concat(figures)));
        }

        return pauseOver
            ? new CanaryVerdict(CanaryOutcome.Pass, string.Join("; ", figures))
            : new CanaryVerdict(CanaryOutcome.Wait, "watching: " + string.Join("; ", figures));
    }

    private static string Tail(List<string> doubts, List<string> figures) =>
        doubts.Count + figures.Count == 0 ? "" : "; " + string.Join("; ", doubts.Concat(figures));

    private static string Percent(double fraction) => (fraction * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%";

    private static string Points(double fraction) => (fraction * 100).ToString("0.##", CultureInfo.InvariantCulture);

    private static string P(double p) => p < 0.0001 ? "< 0.0001" : p.ToString("0.####", CultureInfo.InvariantCulture);
}
