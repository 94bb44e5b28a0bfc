namespace Capstan.Deployments.Dora;

/// <summary>A performance level of the DORA research, as in the 2023 Accelerate State of DevOps report.</summary>
public enum DoraBand
{
    Elite,
    High,
    Medium,
    Low,
}

/// <summary>
/// Where a figure falls among the 2023 report's clusters. The report gives each cluster a range (or, for the change failure
/// rate, the cluster's typical rate); these are the upper bounds read from it. Its low cluster shares the medium one's
/// frequency and lead time, so here low is whatever is worse than medium. docs/deployments.md lists the thresholds.
/// </summary>
public static class DoraBands
{
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);
    private static readonly TimeSpan Week = TimeSpan.FromDays(7);
    private static readonly TimeSpan Month = TimeSpan.FromDays(30);

    /// <summary>
    /// Elite: once a day or more on average ("on demand"); high: once a week or more; medium: once a month (30 days) or more.
    /// Compared in whole ticks, so that 2 deploys in 14 days are exactly once a week.
    /// </summary>
    public static DoraBand OfFrequency(int deployments, TimeSpan window) =>
        deployments * Day.Ticks >= window.Ticks ? DoraBand.Elite
        : deployments * Week.Ticks >= window.Ticks ? DoraBand.High
        : deployments * Month.Ticks >= window.Ticks ? DoraBand.Medium
        : DoraBand.Low;

    /// <summary>Elite: under a day; high: under a week; medium: under a month (30 days).</summary>
    public static DoraBand OfLeadTime(TimeSpan median) =>
        median < Day ? DoraBand.Elite
        : median < Week ? DoraBand.High
        : median < Month ? DoraBand.Medium
        : DoraBand.Low;

    /// <summary>Elite: 5% or less; high: 10% or less; medium: 15% or less (rate from 0 to 1).</summary>
    public static DoraBand OfChangeFailureRate(double rate) =>
        rate <= 0.05 ? DoraBand.Elite
        : rate <= 0.10 ? DoraBand.High
        : rate <= 0.15 ? DoraBand.Medium
        : DoraBand.Low;

    /// <summary>Elite: under an hour; high: under a day; medium: under a week.</summary>
    public static DoraBand OfTimeToRestore(TimeSpan median) =>
        median < TimeSpan.FromHours(1) ? DoraBand.Elite
        : median < Day ? DoraBand.High
        : median < Week ? DoraBand.Medium
        : DoraBand.Low;
}
