namespace Capstan.Deployments.Canary;

/// <summary>
/// The exact one-sided tests canary analysis uses: Fisher's exact test for "the canary's error proportion is above the
/// stable one's", and the binomial tail for "more than a given share of the canary's requests are above a line".
/// Exact rather than normal approximations because canary counts are small (a handful of errors among a few hundred
/// requests), where a z-test is overconfident.
/// </summary>
public static class Significance
{
    private static readonly double[] SmallLogFactorials = BuildTable(256);

    /// <summary>
    /// Fisher's exact test, one-sided: the probability of seeing at least <paramref name="canaryErrors"/> errors among
    /// the canary's <paramref name="canaryRequests"/> if errors fell on canary and stable requests alike (the
    /// hypergeometric upper tail). Small means the canary errs more than the stable release.
    /// </summary>
    public static double FisherGreater(long canaryErrors, long canaryRequests, long stableErrors, long stableRequests)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(canaryErrors);
        ArgumentOutOfRangeException.ThrowIfNegative(stableErrors);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(canaryErrors, canaryRequests);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(stableErrors, stableRequests);
        var total = canaryRequests + stableRequests;
        var errors = canaryErrors + stableErrors;
        if (canaryErrors == 0 || total == 0)
        {
            return 1;
        }

        var top = Math.Min(errors, canaryRequests);
        var denominator = LogChoose(total, canaryRequests);
        double sum = 0;
        for (var k = canaryErrors; k <= top; k++)
        {
            var term = Math.Exp(LogChoose(errors, k) + LogChoose(total - errors, canaryRequests - k) - denominator);
            sum += term;
            if (term < sum * 1e-16)
            {
                break; // past the mode the terms only shrink
            }
        }

        return Math.Min(1, sum);
    }

    /// <summary>
    /// The binomial upper tail P(X ≥ <paramref name="successes"/>) for X ~ Binomial(<paramref name="trials"/>,
    /// <paramref name="probability"/>): small means the true share is above <paramref name="probability"/>.
    /// </summary>
    public static double BinomialGreater(long successes, long trials, double probability)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(successes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(successes, trials);
        if (probability is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "a probability is between 0 and 1");
        }

        if (successes == 0)
        {
            return 1;
        }

        if (probability == 0)
        {
            return 0;
        }

        if (probability == 1)
        {
            return 1;
        }

        var logP = Math.Log(probability);
        var logQ = Math.Log(1 - probability);
        double sum = 0;
        var mode = (long)Math.Floor((trials + 1) * probability);
        for (var k = successes; k <= trials; k++)
        {
            var term = Math.Exp(LogChoose(trials, k) + (k * logP) + ((trials - k) * logQ));
            sum += term;
            if (k > mode && term < sum * 1e-16)
            {
                break;
            }
        }

        return Math.Min(1, sum);
    }

    private static double LogChoose(long n, long k) => LogFactorial(n) - LogFactorial(k) - LogFactorial(n - k);

    /// <summary>ln(n!): a table below 256, Stirling's series with three terms above (error below 1e-12).</summary>
    internal static double LogFactorial(long n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (n < SmallLogFactorials.Length)
        {
            return SmallLogFactorials[n];
        }

        double x = n;
        return (x * Math.Log(x)) - x + (0.5 * Math.Log(2 * Math.PI * x)) + (1 / (12 * x)) - (1 / (360 * x * x * x)) + (1 / (1260 * x * x * x * x * x));
    }

    private static double[] BuildTable(int size)
    {
        var table = new double[size];
        for (var i = 2; i < size; i++)
        {
            table[i] = table[i - 1] + Math.Log(i);
        }

        return table;
    }
}
