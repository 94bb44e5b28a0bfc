using System.Globalization;
using Capstan.Deployments.Dora;
using Capstan.State;

namespace Capstan.Deployments.Tests.Dora;

public sealed class DoraReportTests
{
    // Every figure here is computed by hand from the history below; the arithmetic is in the comments.
    private static readonly DateTimeOffset Now = At("03-15 00:00");
    private static readonly TimeSpan Window = TimeSpan.FromDays(14); // from 03-01 00:00 (exclusive) to 03-15 00:00
    private static readonly DoraHistory Empty = new() { Deployments = [], Releases = [], Artifacts = [], Runs = [], CommitTimes = new Dictionary<string, DateTimeOffset>() };

    /// <summary>
    /// Two weeks of production for app 'shop' (services web and worker), and staging beside it:
    ///
    /// | deployment | env        | service | release | created     | finished    | status      | note                                         |
    /// |------------|------------|---------|---------|-------------|-------------|-------------|----------------------------------------------|
    /// | d0         | production | web     | v1      | 02-27 10:00 | 02-27 10:05 | succeeded   | before the window                            |
    /// | d1         | production | web     | v2      | 03-02 09:00 | 03-02 09:10 | succeeded   | commit c2 at 03-01 15:10                     |
    /// | d2         | production | web     | v3      | 03-04 14:00 | 03-04 14:20 | failed      |                                              |
    /// | w1         | production | worker  | w1      | 03-04 14:50 | 03-04 15:00 | succeeded   | commit cw at 03-04 12:00; not web's restore  |
    /// | d3         | production | web     | v4      | 03-04 16:00 | 03-04 16:05 | succeeded   | commit c4 at 03-04 13:05                     |
    /// | d4         | production | web     | v5      | 03-06 10:00 | 03-06 10:10 | succeeded   | c5's time unknown: run started 03-06 09:10   |
    /// | r1         | production | web     | v4      | 03-06 11:00 | 03-06 11:02 | succeeded   | rollback away from v5                        |
    /// | d5         | production | web     | v4      | 03-06 11:30 | 03-06 11:30 | succeeded   | redeploy of the serving v4: no change        |
    /// | d6         | production | web     | v6      | 03-09 08:00 | 03-09 08:15 | succeeded   | run without commit, started 03-08 20:15      |
    /// | d7         | production | web     | v7      | 03-11 10:00 | 03-11 10:10 | succeeded   | from the project folder: no artifact         |
    /// | d8         | production | web     | v8      | 03-13 12:00 | 03-13 12:03 | cancelled   |                                              |
    /// | d9         | production | web     | v9      | 03-14 23:00 |             | in_progress | not finished                                 |
    /// | s1         | staging    | web     | s1      | 03-03 09:00 | 03-03 09:05 | succeeded   | other environment                            |
    /// | s2         | staging    | web     | s2      | 03-05 09:00 | 03-05 09:05 | succeeded   | other environment                            |
    /// | s3         | staging    | web     | s1      | 03-05 10:00 | 03-05 10:01 | succeeded   | other environment's rollback, away from s2   |
    /// </summary>
    private static DoraHistory Recorded() => new()
    {
        Deployments =
        [
            Deployment("d0", "v1", null, "02-27 10:00", "02-27 10:05", DeploymentStatus.Succeeded),
            Deployment("d1", "v2", "v1", "03-02 09:00", "03-02 09:10", DeploymentStatus.Succeeded),
            Deployment("d2", "v3", "v2", "03-04 14:00", "03-04 14:20", DeploymentStatus.Failed),
            Deployment("w1", "w1", null, "03-04 14:50", "03-04 15:00", DeploymentStatus.Succeeded),
            Deployment("d3", "v4", "v2", "03-04 16:00", "03-04 16:05", DeploymentStatus.Succeeded),
            Deployment("d4", "v5", "v4", "03-06 10:00", "03-06 10:10", DeploymentStatus.Succeeded),
            Deployment("r1", "v4", "v5", "03-06 11:00", "03-06 11:02", DeploymentStatus.Succeeded, strategy: "rollback"),
            Deployment("d5", "v4", "v4", "03-06 11:30", "03-06 11:30", DeploymentStatus.Succeeded),
            Deployment("d6", "v6", "v4", "03-09 08:00", "03-09 08:15", DeploymentStatus.Succeeded),
            Deployment("d7", "v7", "v6", "03-11 10:00", "03-11 10:10", DeploymentStatus.Succeeded),
            Deployment("d8", "v8", "v7", "03-13 12:00", "03-13 12:03", DeploymentStatus.Cancelled),
            Deployment("d9", "v9", "v7", "03-14 23:00", null, DeploymentStatus.InProgress),
            Deployment("s1", "s1", null, "03-03 09:00", "03-03 09:05", DeploymentStatus.Succeeded, "staging"),
            Deployment("s2", "s2", "s1", "03-05 09:00", "03-05 09:05", DeploymentStatus.Succeeded, "staging"),
            Deployment("s3", "s1", "s2", "03-05 10:00", "03-05 10:01", DeploymentStatus.Succeeded, "staging", "rollback"),
        ],
        Releases =
        [
            Release("v1", "web", "sha256:a1"),
            Release("v2", "web", "sha256:a2"),
            Release("v3", "web", "sha256:a3"),
            Release("v4", "web", "sha256:a4"),
            Release("v5", "web", "sha256:a5"),
            Release("v6", "web", "sha256:a6"),
            Release("v7", "web", ""),
            Release("v8", "web", "sha256:a8"),
            Release("v9", "web", "sha256:a9"),
            Release("w1", "worker", "sha256:aw"),
            Release("s1", "web", "sha256:a2", "staging"),
            Release("s2", "web", "sha256:a3", "staging"),
        ],
        Artifacts =
        [
            Artifact("sha256:a1", "run_1"),
            Artifact("sha256:a2", "run_2"),
            Artifact("sha256:a3", "run_3"),
            Artifact("sha256:a4", "run_4"),
            Artifact("sha256:a5", "run_5"),
            Artifact("sha256:a6", "run_6"),
            Artifact("sha256:a8", "run_8"),
            Artifact("sha256:a9", "run_9"),
            Artifact("sha256:aw", "run_w"),
        ],
        Runs =
        [
            Run("run_1", "c1", "02-27 08:00"),
            Run("run_2", "c2", "03-01 16:00"),
            Run("run_3", "c3", "03-04 12:30"),
            Run("run_4", "c4", "03-04 13:30"),
            Run("run_5", "c5", "03-06 09:10"),
            Run("run_6", null, "03-08 20:15"),
            Run("run_8", "c8", "03-13 11:30"),
            Run("run_9", "c9", "03-14 22:30"),
            Run("run_w", "cw", "03-04 12:10"),
        ],
        CommitTimes = new Dictionary<string, DateTimeOffset>
        {
            ["c1"] = At("02-27 07:00"),
            ["c2"] = At("03-01 15:10"),
            ["c3"] = At("03-04 12:00"),
            ["c4"] = At("03-04 13:05"),
            ["c8"] = At("03-13 11:00"),
            ["c9"] = At("03-14 22:00"),
            ["cw"] = At("03-04 12:00"),
        },
    };

    [Fact]
    public void ARecordedFortnight_GivesTheFiguresComputedByHand()
    {
        var report = DoraReport.Compute(Recorded(), "production", Now, Window);

        report.From.ShouldBe(At("03-01 00:00"));
        report.To.ShouldBe(Now);

        // Deploys in the window (changes that finished in it): d1 d2 w1 d3 d4 d6 d7 d8 = 8.
        // Not: d0 (before the window), r1 (a rollback), d5 (redeploy of the serving v4), d9 (not finished), s1-s3 (staging).
        // Successful: d1 w1 d3 d4 d6 d7 = 6 → 6 / 14 days = 0.4286/day = 3.0/week: high (at least weekly, not daily).
        report.DeploymentFrequency.Deployments.ShouldBe(6);
        report.DeploymentFrequency.PerDay.ShouldBe(6 / 14.0, 1e-9);
        report.DeploymentFrequency.PerWeek.ShouldBe(3.0, 1e-9);
        report.DeploymentFrequency.Band.ShouldBe(DoraBand.High);

        // Lead times of the successful deploys, commit (or run start) to finish:
        //   d1: 03-01 15:10 → 03-02 09:10 = 18h
        //   w1: 03-04 12:00 → 03-04 15:00 =  3h
        //   d3: 03-04 13:05 → 03-04 16:05 =  3h
        //   d4: c5's time unknown, run_5 started 03-06 09:10 → 10:10 = 1h (fallback)
        //   d6: run_6 has no commit, started 03-08 20:15 → 03-09 08:15 = 12h (fallback)
        //   d7: no artifact → unmeasured
        // Sorted: 1h 3h 3h 12h 18h. Median: the 3rd = 3h (elite: under a day).
        // p90: rank (5 - 1) × 0.9 = 3.6 → 12h + 0.6 × (18h - 12h) = 15h36m.
        report.LeadTimeForChanges.Deployments.ShouldBe(5);
        report.LeadTimeForChanges.Median.ShouldBe(TimeSpan.FromHours(3));
        report.LeadTimeForChanges.P90.ShouldBe(TimeSpan.FromHours(15) + TimeSpan.FromMinutes(36));
        report.LeadTimeForChanges.RunStartFallbacks.ShouldBe(2);
        report.LeadTimeForChanges.Unmeasured.ShouldBe(1);
        report.LeadTimeForChanges.Band.ShouldBe(DoraBand.Elite);

        // Failures among the 8 deploys: d2 (failed), d4 (rolled back by r1, which replaced its v5), d8 (cancelled) = 3.
        // 3 / 8 = 37.5%: low (over 15%).
        report.ChangeFailureRate.Deployments.ShouldBe(8);
        report.ChangeFailureRate.Failures.ShouldBe(3);
        report.ChangeFailureRate.Failed.ShouldBe(2);
        report.ChangeFailureRate.RolledBack.ShouldBe(1);
        report.ChangeFailureRate.Rate.ShouldBe(0.375);
        report.ChangeFailureRate.Band.ShouldBe(DoraBand.Low);

        // Restores, failure to the next successful deployment of the same service:
        //   d2: failed 03-04 14:20 → d3 finished 16:05 = 1h45m (w1 at 15:00 is the worker's, not web's)
        //   d4: r1 began 03-06 11:00 → r1 finished 11:02 = 2m
        //   d8: cancelled 03-13 12:03, nothing succeeded after it → not restored
        // Median of 2m and 105m = 53m30s: elite (under an hour).
        report.TimeToRestore.Failures.ShouldBe(3);
        report.TimeToRestore.Restored.ShouldBe(2);
        report.TimeToRestore.Median.ShouldBe(TimeSpan.FromMinutes(53.5));
        report.TimeToRestore.Band.ShouldBe(DoraBand.Elite);

        report.Failures.ShouldBe(
        [
            new ChangeFailure { DeploymentId = "d2", Service = "web", Kind = ChangeFailureKind.Failed, FailedAt = At("03-04 14:20"), RestoredBy = "d3", RestoredAt = At("03-04 16:05") },
            new ChangeFailure { DeploymentId = "d4", Service = "web", Kind = ChangeFailureKind.RolledBack, FailedAt = At("03-06 11:00"), RollbackId = "r1", RestoredBy = "r1", RestoredAt = At("03-06 11:02") },
            new ChangeFailure { DeploymentId = "d8", Service = "web", Kind = ChangeFailureKind.Cancelled, FailedAt = At("03-13 12:03") },
        ]);
    }

    [Fact]
    public void AnIncidentAfterADeploy_MakesItAChangeFailure_UntilTheServicesNextChange()
    {
        var history = Recorded() with
        {
            Incidents =
            [
                Incident("i1", "03-09 09:00", "production", "web"),      // after d6 (08:15), before d7 (03-11 10:10): d6 failed
                Incident("i2", "03-10 09:00", "production", "payments"), // no deploy of payments
                Incident("i3", "03-07 09:00", "staging", "web"),         // the other environment
                Incident("i4", "03-04 14:30", "production", "web"),      // after d2, which failed anyway
            ],
        };

        var report = DoraReport.Compute(history, "production", Now, Window);

        // d2, d4 and d8 as without incidents, and d6 followed by i1: 4 of 8 = 50%, low.
        report.ChangeFailureRate.Failures.ShouldBe(4);
        report.ChangeFailureRate.Failed.ShouldBe(2);
        report.ChangeFailureRate.RolledBack.ShouldBe(1);
        report.ChangeFailureRate.FollowedByIncident.ShouldBe(1);
        report.ChangeFailureRate.Rate.ShouldBe(0.5);

        // d6 fails at i1's opening, 03-09 09:00, and is restored by web's next success, d7 at 03-11 10:10: 49h10m.
        // Restores 2m, 1h45m, 49h10m: median 1h45m, high (under a day).
        report.Failures.Single(f => f.DeploymentId == "d6").ShouldBe(new ChangeFailure
        {
            DeploymentId = "d6", Service = "web", Kind = ChangeFailureKind.Incident, FailedAt = At("03-09 09:00"), IncidentId = "i1", RestoredBy = "d7", RestoredAt = At("03-11 10:10"),
        });
        report.TimeToRestore.Restored.ShouldBe(3);
        report.TimeToRestore.Median.ShouldBe(TimeSpan.FromMinutes(105));
        report.TimeToRestore.Band.ShouldBe(DoraBand.High);
    }

    private static Incident Incident(string id, string opened, string environment, string service) => new()
    {
        Id = id,
        App = "shop",
        Environment = environment,
        Title = $"{service} is down",
        Severity = 2,
        Status = IncidentStatus.Open,
        OpenedAt = At(opened),
        OpenedBy = "alert:HighErrorRate",
        Services = [service],
        AlertFingerprints = [],
    };

    [Fact]
    public void TheOtherEnvironment_IsMeasuredApart()
    {
        var report = DoraReport.Compute(Recorded(), "staging", Now, Window);

        // s1 and s2 succeeded; s3 is a rollback (not a deploy) away from s2's release.
        // 2 successes in 14 days = once a week exactly: high.
        // Lead: s1 has artifact a2 (c2 at 03-01 15:10) → 03-03 09:05 = 41h55m; s2 has a3 (c3 at 03-04 12:00) → 03-05 09:05 = 21h05m.
        // Median of two: (21h05m + 41h55m) / 2 = 31h30m: high (a day to a week).
        // Failures: s2, rolled back by s3 = 1 of 2 = 50%; failed when s3 began (10:00), restored when it ended (10:01): 1m.
        report.DeploymentFrequency.Deployments.ShouldBe(2);
        report.DeploymentFrequency.Band.ShouldBe(DoraBand.High);
        report.LeadTimeForChanges.Median.ShouldBe(TimeSpan.FromHours(31.5));
        report.LeadTimeForChanges.Band.ShouldBe(DoraBand.High);
        report.ChangeFailureRate.Rate.ShouldBe(0.5);
        report.Failures.ShouldHaveSingleItem().RollbackId.ShouldBe("s3");
        report.TimeToRestore.Median.ShouldBe(TimeSpan.FromMinutes(1));
    }

    [Fact]
    public void NoDeploymentsInTheWindow_GiveNoFigures_NotZeroes()
    {
        // Only a deploy before the window and one to another environment.
        var history = Recorded() with
        {
            Deployments =
            [
                Deployment("d0", "v1", null, "02-27 10:00", "02-27 10:05", DeploymentStatus.Succeeded),
                Deployment("s1", "s1", null, "03-03 09:00", "03-03 09:05", DeploymentStatus.Succeeded, "staging"),
            ],
        };

        foreach (var report in new[] { DoraReport.Compute(history, "production", Now, Window), DoraReport.Compute(Empty, "production", Now, Window) })
        {
            report.DeploymentFrequency.ShouldBe(new DeploymentFrequency { Deployments = 0, PerDay = 0, PerWeek = 0, Band = null });
            report.LeadTimeForChanges.ShouldBe(new LeadTimeForChanges { Deployments = 0, RunStartFallbacks = 0, Unmeasured = 0 });
            report.ChangeFailureRate.ShouldBe(new ChangeFailureRate { Deployments = 0, Failures = 0, Failed = 0, RolledBack = 0 });
            report.TimeToRestore.ShouldBe(new TimeToRestore { Failures = 0, Restored = 0 });
            report.Failures.ShouldBeEmpty();
        }
    }

    [Fact]
    public void AllDeploysFailed_ARateOfOne_AndNothingRestored()
    {
        var history = Recorded() with
        {
            Deployments =
            [
                Deployment("d1", "v2", "v1", "03-02 09:00", "03-02 09:10", DeploymentStatus.Failed),
                Deployment("d2", "v3", "v1", "03-04 14:00", "03-04 14:20", DeploymentStatus.Failed),
                Deployment("d3", "v4", "v1", "03-06 10:00", "03-06 10:10", DeploymentStatus.RolledBack),
            ],
        };

        var report = DoraReport.Compute(history, "production", Now, Window);

        // 0 successes out of 3 tries: 0/day is a figure (low), not "no data". 3 failures of 3 = 100%.
        report.DeploymentFrequency.Deployments.ShouldBe(0);
        report.DeploymentFrequency.PerDay.ShouldBe(0);
        report.DeploymentFrequency.Band.ShouldBe(DoraBand.Low);
        report.LeadTimeForChanges.Median.ShouldBeNull();
        report.LeadTimeForChanges.Band.ShouldBeNull();
        report.ChangeFailureRate.Rate.ShouldBe(1.0);
        report.ChangeFailureRate.Failed.ShouldBe(3);
        report.ChangeFailureRate.Band.ShouldBe(DoraBand.Low);
        report.TimeToRestore.Failures.ShouldBe(3);
        report.TimeToRestore.Restored.ShouldBe(0);
        report.TimeToRestore.Median.ShouldBeNull();
        report.TimeToRestore.Band.ShouldBeNull();
        report.Failures.Select(f => f.Kind).ShouldBe([ChangeFailureKind.Failed, ChangeFailureKind.Failed, ChangeFailureKind.Aborted]);
    }

    [Fact]
    public void UnknownCommitTimes_AreMeasuredFromTheRunsStart_AndCounted()
    {
        var history = Recorded() with
        {
            Deployments =
            [
                Deployment("d1", "v2", "v1", "03-02 09:00", "03-02 18:00", DeploymentStatus.Succeeded),
                Deployment("d2", "v3", "v2", "03-04 14:00", "03-04 16:30", DeploymentStatus.Succeeded),
                Deployment("d3", "v4", "v3", "03-04 16:45", "03-04 17:30", DeploymentStatus.Succeeded),
            ],
            CommitTimes = new Dictionary<string, DateTimeOffset>(),
        };

        var report = DoraReport.Compute(history, "production", Now, Window);

        // Run starts: run_2 03-01 16:00 → 03-02 18:00 = 26h; run_3 03-04 12:30 → 16:30 = 4h; run_4 03-04 13:30 → 17:30 = 4h.
        // Sorted 4h 4h 26h: median 4h; p90 rank 2 × 0.9 = 1.8 → 4h + 0.8 × 22h = 21h36m.
        report.LeadTimeForChanges.Deployments.ShouldBe(3);
        report.LeadTimeForChanges.RunStartFallbacks.ShouldBe(3);
        report.LeadTimeForChanges.Median.ShouldBe(TimeSpan.FromHours(4));
        report.LeadTimeForChanges.P90.ShouldBe(TimeSpan.FromHours(21) + TimeSpan.FromMinutes(36));
    }

    [Fact]
    public void RollingBackARollback_CountsTheDeployOnce_AndNotTheOneBefore()
    {
        var history = Recorded() with
        {
            Deployments =
            [
                Deployment("d1", "v2", "v1", "03-02 09:00", "03-02 09:10", DeploymentStatus.Succeeded),
                Deployment("d2", "v3", "v2", "03-04 14:00", "03-04 14:20", DeploymentStatus.Succeeded),
                Deployment("r1", "v2", "v3", "03-04 15:00", "03-04 15:01", DeploymentStatus.Succeeded, strategy: "rollback"),
                Deployment("r2", "v3", "v2", "03-04 15:30", "03-04 15:31", DeploymentStatus.Succeeded, strategy: "rollback"),
                Deployment("r3", "v2", "v3", "03-04 16:00", "03-04 16:01", DeploymentStatus.Failed, strategy: "rollback"),
            ],
        };

        var report = DoraReport.Compute(history, "production", Now, Window);

        // r1 moved web away from d2's v3: d2 failed at 15:00, restored by r1 at 15:01. r2 moved away from v2, which d2 had
        // replaced, so it undoes r1 and blames nothing; r3 moves away from v3 again, but d2 is counted once. 1 of 2 deploys.
        report.ChangeFailureRate.Rate.ShouldBe(0.5);
        report.Failures.ShouldHaveSingleItem().ShouldBe(new ChangeFailure
        {
            DeploymentId = "d2", Service = "web", Kind = ChangeFailureKind.RolledBack, FailedAt = At("03-04 15:00"), RollbackId = "r1", RestoredBy = "r1", RestoredAt = At("03-04 15:01"),
        });
        report.TimeToRestore.Median.ShouldBe(TimeSpan.FromMinutes(1));
    }

    [Theory]
    [InlineData(new[] { "staging", "production", "qa" }, "production")]
    [InlineData(new[] { "dev", "staging" }, "staging")]
    [InlineData(new string[] { }, null)]
    public void TheDefaultEnvironment_IsProduction_ElseTheLastDeclared(string[] declared, string? expected) =>
        DoraReport.DefaultEnvironment(declared).ShouldBe(expected);

    [Theory]
    [InlineData(14, 14, DoraBand.Elite)] // once a day
    [InlineData(13, 14, DoraBand.High)]
    [InlineData(2, 14, DoraBand.High)] // once a week exactly
    [InlineData(1, 14, DoraBand.Medium)]
    [InlineData(1, 30, DoraBand.Medium)] // once a month exactly
    [InlineData(1, 31, DoraBand.Low)]
    [InlineData(0, 30, DoraBand.Low)]
    public void FrequencyBands_HaveTheirBoundsIncluded(int deploys, int days, DoraBand expected) =>
        DoraBands.OfFrequency(deploys, TimeSpan.FromDays(days)).ShouldBe(expected);

    [Theory]
    [InlineData(0.05, DoraBand.Elite)]
    [InlineData(0.0501, DoraBand.High)]
    [InlineData(0.10, DoraBand.High)]
    [InlineData(0.15, DoraBand.Medium)]
    [InlineData(0.1501, DoraBand.Low)]
    public void ChangeFailureRateBands_AreTheReportsTypicalRates(double rate, DoraBand expected) =>
        DoraBands.OfChangeFailureRate(rate).ShouldBe(expected);

    [Theory]
    [InlineData(59, DoraBand.Elite, DoraBand.Elite)]
    [InlineData(60, DoraBand.Elite, DoraBand.High)] // an hour: elite lead time, high restore
    [InlineData(24 * 60, DoraBand.High, DoraBand.Medium)]
    [InlineData(7 * 24 * 60, DoraBand.Medium, DoraBand.Low)]
    [InlineData(30 * 24 * 60, DoraBand.Low, DoraBand.Low)]
    public void DurationBands_AreHalfOpen(int minutes, DoraBand leadTime, DoraBand restore)
    {
        DoraBands.OfLeadTime(TimeSpan.FromMinutes(minutes)).ShouldBe(leadTime);
        DoraBands.OfTimeToRestore(TimeSpan.FromMinutes(minutes)).ShouldBe(restore);
    }

    private static DateTimeOffset At(string monthDayTime) =>
        DateTimeOffset.ParseExact("2026-" + monthDayTime, "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static Deployment Deployment(
        string id, string release, string? previous, string created, string? finished, DeploymentStatus status, string environment = "production", string strategy = "blue-green") => new()
    {
        Id = id,
        App = "shop",
        Environment = environment,
        ReleaseId = release,
        PreviousReleaseId = previous,
        Strategy = strategy,
        Status = status,
        Step = "",
        State = "{}",
        Revision = 1,
        CreatedBy = "test",
        CreatedAt = At(created),
        UpdatedAt = At(finished ?? created),
        FinishedAt = finished is null ? null : At(finished),
    };

    private static Release Release(string id, string service, string digest, string environment = "production") => new()
    {
        Id = id,
        App = "shop",
        Environment = environment,
        Service = service,
        ArtifactDigest = digest,
        ConfigHash = "sha256:c",
        SecretVersions = new Dictionary<string, int>(),
        CreatedAt = At("02-01 00:00"),
        CreatedBy = "test",
    };

    private static Artifact Artifact(string digest, string run) => new()
    {
        Digest = digest, App = "shop", Job = "build", RunId = run, SizeBytes = 1, Location = "x", CreatedAt = At("02-01 00:00"),
    };

    private static PipelineRun Run(string id, string? commit, string started) => new()
    {
        Id = id, App = "shop", Status = RunStatus.Succeeded, Trigger = "push", Commit = commit, StartedAt = At(started),
    };
}
