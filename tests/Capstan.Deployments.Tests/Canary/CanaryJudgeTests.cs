using Capstan.Deployments.Canary;
using Capstan.Edge.Metrics;

namespace Capstan.Deployments.Tests.Canary;

/// <summary>Verdicts on figures recorded into real <see cref="RequestMetrics"/>, on a manual clock.</summary>
public sealed class CanaryJudgeTests
{
    private static readonly CanarySettings Settings = new()
    {
        Steps = [5, 25, 50, 100],
        Pause = TimeSpan.FromSeconds(30),
        MinRequests = 50,
        ErrorRateIncrease = 0.02,
        P95Increase = 0.2,
        ErrorRateCeiling = 0.05,
    };

    private static (RequestStats Canary, RequestStats Stable) Figures(int canary, int canaryErrors, int canaryMs, int stable, int stableErrors, int stableMs)
    {
        var metrics = new RequestMetrics(new StoppedClock());
        for (var i = 0; i < canary; i++)
        {
            metrics.Record("web", "c1", i < canaryErrors ? 500 : 200, canaryMs);
        }

        for (var i = 0; i < stable; i++)
        {
            metrics.Record("web", "s1", i < stableErrors ? 500 : 200, stableMs);
        }

        return (metrics.SnapshotOf("web", ["c1"], TimeSpan.FromMinutes(1)), metrics.SnapshotOf("web", ["s1"], TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public void TooFewRequests_IsInconclusive_NeverAPass_EvenWhenThePauseIsOver()
    {
        var (canary, stable) = Figures(12, 0, 5, 500, 0, 5);

        var verdict = CanaryJudge.Judge(canary, stable, Settings, pauseOver: true, canary, stable);

        verdict.Outcome.ShouldBe(CanaryOutcome.Wait);
        verdict.Figures.ShouldStartWith("inconclusive: 12 requests, 50 needed");
    }

    [Fact]
    public void AHealthyCanary_PassesOnlyOnceThePauseIsOver()
    {
        var (canary, stable) = Figures(100, 0, 5, 1900, 1, 5);

        CanaryJudge.Judge(canary, stable, Settings, pauseOver: false, canary, stable).Outcome.ShouldBe(CanaryOutcome.Wait);
        var verdict = CanaryJudge.Judge(canary, stable, Settings, pauseOver: true, canary, stable);
        verdict.Outcome.ShouldBe(CanaryOutcome.Pass);
        verdict.Figures.ShouldContain("errors 0% (0 of 100) against stable 0.05% (1 of 1900)");
    }

    [Fact]
    public void FivePercentErrors_Fail_WithTheFigures_AsSoonAsTheEvidenceIsSignificant()
    {
        // 3 of 60 (5%) against 0 of 1140: +5 points, Fisher p = C(60,3)/C(1200,3) ≈ 1.2e-4 < 1%.
        var (canary, stable) = Figures(60, 3, 5, 1140, 0, 5);

        var verdict = CanaryJudge.Judge(canary, stable, Settings, pauseOver: false, canary, stable);

        verdict.Outcome.ShouldBe(CanaryOutcome.Fail);
        verdict.Figures.ShouldContain("errors 5% (3 of 60) against stable 0% (0 of 1140): +5 points, above the 2 allowed");
    }

    [Fact]
    public void OneUnluckyError_IsAboveTheThreshold_ButNotSignificant_SoItWaits()
    {
        // 1 of 20 is 5%, but one error among 1,000 requests landing on the canary's 20 has p = 0.02.
        var (canary, stable) = Figures(20, 1, 5, 980, 0, 5);

        var verdict = CanaryJudge.Judge(canary, stable, Settings, pauseOver: true, canary, stable);

        verdict.Outcome.ShouldBe(CanaryOutcome.Wait);
        verdict.Figures.ShouldStartWith("inconclusive");
    }

    [Fact]
    public void ASlowerCanary_FailsOnItsP95()
    {
        var (canary, stable) = Figures(100, 0, 60, 1900, 0, 10);

        var verdict = CanaryJudge.Judge(canary, stable, Settings, pauseOver: false, canary, stable);

        verdict.Outcome.ShouldBe(CanaryOutcome.Fail);
        verdict.Figures.ShouldContain("p95");
        verdict.Figures.ShouldContain("100% of canary requests slower than 11.9 ms (stable p95 + 20%)");
    }

    [Fact]
    public void AColdStart_SlowFirstRequests_DoNotFailBeforeMinRequests()
    {
        // 20 canary requests at 60 ms against a 10 ms stable release: slower, but not yet min_requests (50) of them.
        var (canary, stable) = Figures(20, 0, 60, 1900, 0, 10);

        var verdict = CanaryJudge.Judge(canary, stable, Settings, pauseOver: true, canary, stable);

        verdict.Outcome.ShouldBe(CanaryOutcome.Wait);
        verdict.Figures.ShouldStartWith("inconclusive: 20 requests, 50 needed");
    }

    [Fact]
    public void ALatencyWithinTheThreshold_OrBelowHaproxysResolution_Passes()
    {
        // 11 ms against 10 ms is +10%; 2 ms against 1 ms is +100% but only 1 ms, below the 2 ms floor.
        Judge(Figures(100, 0, 11, 1900, 0, 10)).Outcome.ShouldBe(CanaryOutcome.Pass);
        var (canary, stable) = Figures(100, 0, 2, 1900, 0, 1);
        CanaryJudge.Judge(canary, stable, Settings, pauseOver: true, canary, stable).Outcome.ShouldBe(CanaryOutcome.Pass);
    }

    [Fact]
    public void TheCeiling_FailsACanaryWhateverTheStableReleaseDoes()
    {
        // Both at 20% errors: no increase, but far above the 5% ceiling.
        var (canary, stable) = Figures(200, 40, 5, 2000, 400, 5);

        var verdict = CanaryJudge.Judge(canary, stable, Settings, pauseOver: true, canary, stable);

        verdict.Outcome.ShouldBe(CanaryOutcome.Fail);
        verdict.Figures.ShouldContain("above the ceiling of 5%");
    }

    private static CanaryVerdict Judge((RequestStats Canary, RequestStats Stable) figures) =>
        CanaryJudge.Judge(figures.Canary, figures.Stable, Settings, pauseOver: true, figures.Canary, figures.Stable);

    [Fact]
    public void DuringTheWarmUp_LatencyIsNotJudged_ButErrorsAre()
    {
        var (slow, stable) = Figures(100, 0, 60, 1900, 0, 10);
        var warming = CanaryJudge.Judge(slow, stable, Settings, pauseOver: true, canaryWarm: null, stableWarm: null);
        warming.Outcome.ShouldBe(CanaryOutcome.Wait);
        warming.Figures.ShouldContain("latency not compared during the canary's first 5s (warm-up)");

        var (failing, stable2) = Figures(60, 3, 5, 1140, 0, 5);
        CanaryJudge.Judge(failing, stable2, Settings, pauseOver: false, canaryWarm: null, stableWarm: null).Outcome.ShouldBe(CanaryOutcome.Fail);
    }

    /// <summary>Time stands still: every request falls in the same second.</summary>
    private sealed class StoppedClock : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    }
}
