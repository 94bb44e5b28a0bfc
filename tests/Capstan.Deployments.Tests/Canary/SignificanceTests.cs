using Capstan.Deployments.Canary;

namespace Capstan.Deployments.Tests.Canary;

/// <summary>The exact tests against values worked out by hand.</summary>
public sealed class SignificanceTests
{
    [Fact]
    public void Fisher_MatchesTheLadyTastingTea()
    {
        // Fisher's own example: 3 of 4 right against 1 of 4; one-sided p = (C(4,3)·C(4,1) + C(4,4)·C(4,0)) / C(8,4) = 17/70.
        Significance.FisherGreater(3, 4, 1, 4).ShouldBe(17.0 / 70, 1e-12);
    }

    [Fact]
    public void Fisher_ForACanaryWithAllTheErrors_IsTheHypergeometricTail()
    {
        // 3 errors, all on the canary's 50 of 1,000 requests: P(X >= 3) = C(50,3) / C(1000,3) = 19,600 / 166,167,000.
        Significance.FisherGreater(3, 50, 0, 950).ShouldBe(19_600.0 / 166_167_000, 1e-12);
    }

    [Fact]
    public void Fisher_WithoutCanaryErrors_OrWithEqualRates_SaysNothing()
    {
        Significance.FisherGreater(0, 100, 5, 1000).ShouldBe(1);
        Significance.FisherGreater(5, 100, 50, 1000).ShouldBeGreaterThan(0.4, "the same 5% on both sides is no evidence");
    }

    [Fact]
    public void Fisher_HandlesLargeCountsWithoutOverflow()
    {
        var p = Significance.FisherGreater(700, 10_000, 5_000, 100_000);
        p.ShouldBeInRange(0, 1e-6, "7% against 5% over 10,000 requests is overwhelming");
        double.IsFinite(p).ShouldBeTrue();
    }

    [Fact]
    public void Binomial_MatchesTheClosedForm()
    {
        // P(X >= 2), n = 10, p = 0.1: 1 - 0.9^10 - 10 · 0.1 · 0.9^9.
        Significance.BinomialGreater(2, 10, 0.1).ShouldBe(1 - Math.Pow(0.9, 10) - Math.Pow(0.9, 9), 1e-12);
        Significance.BinomialGreater(0, 10, 0.1).ShouldBe(1);
        Significance.BinomialGreater(10, 10, 0.5).ShouldBe(Math.Pow(0.5, 10), 1e-15);
    }

    [Fact]
    public void LogFactorial_IsExactInTheTableAndCloseAbove()
    {
        Significance.LogFactorial(0).ShouldBe(0);
        Significance.LogFactorial(5).ShouldBe(Math.Log(120), 1e-12);
        // 300! from the sum of logs against Stirling's series.
        var sum = Enumerable.Range(2, 299).Sum(i => Math.Log(i));
        Significance.LogFactorial(300).ShouldBe(sum, 1e-9);
    }

    [Fact]
    public void BadArguments_AreRefused()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => Significance.FisherGreater(5, 4, 0, 10));
        Should.Throw<ArgumentOutOfRangeException>(() => Significance.FisherGreater(-1, 4, 0, 10));
        Should.Throw<ArgumentOutOfRangeException>(() => Significance.BinomialGreater(1, 10, 1.5));
    }
}
