using Capstan.Observability.Incidents;
using Capstan.State;

namespace Capstan.Observability.Tests.Incidents;

public sealed class PostmortemWriterTests
{
    private static readonly DateTimeOffset Day = new(2030, 3, 14, 0, 0, 0, TimeSpan.Zero);

    private static readonly Incident Resolved = new()
    {
        Id = "inc_01jx4m2k8q5e6v7w8x9y0z1a2b",
        App = "shop",
        Environment = "production",
        Title = "HighErrorRate: api answers more than 1% of requests with 5xx",
        Severity = 2,
        Status = IncidentStatus.Resolved,
        OpenedAt = At(14, 2),
        OpenedBy = "alert:HighErrorRate",
        AcknowledgedAt = At(14, 6, 30),
        AcknowledgedBy = "ana",
        ResolvedAt = At(14, 49),
        ResolvedBy = "ana",
        Services = ["api"],
        AlertFingerprints = ["HighErrorRate/3f9a1c", "SlowP99/3f9a1c"],
        FiringAlerts = [],
    };

    // As the incident manager writes them; the secret change was fed in late, so its sequence is out of time order.
    private static readonly IncidentEvent[] Timeline =
    [
        Event(1, At(14, 2), IncidentEventKind.Opened, "alert:HighErrorRate", "HighErrorRate: api answers more than 1% of requests with 5xx"),
        Event(2, At(14, 4), IncidentEventKind.Alert, "alert:SlowP99", "SlowP99 on api in production firing: p99 latency above 2s"),
        Event(3, At(14, 6, 30), IncidentEventKind.Acknowledged, "ana", "acknowledged 4m 30s after opening, within the SEV2 target of 15m"),
        Event(4, At(14, 12), IncidentEventKind.Note, "ana", "connection pool exhausted | pool size 5,\nsince release 42"),
        Event(5, At(14, 20), IncidentEventKind.Note, "ben", "rolling api back to release 41"),
        Event(6, At(14, 21, 40), IncidentEventKind.Rollback, "ben", "api rolled back to release 41"),
        Event(7, At(14, 15), IncidentEventKind.Secret, "ben", "DB_POOL_SIZE changed to version 5"),
        Event(8, At(14, 31), IncidentEventKind.Alert, "alert:HighErrorRate", "HighErrorRate on api in production resolved"),
        Event(9, At(14, 33), IncidentEventKind.Alert, "alert:SlowP99", "SlowP99 on api in production resolved"),
        Event(10, At(14, 33), IncidentEventKind.Alert, "capstan", "no alert of the incident is firing any more; resolve it once the service is confirmed healthy"),
        Event(11, At(14, 49), IncidentEventKind.Resolved, "ana", "error rate under 0.1% for 15 minutes after the rollback"),
    ];

    private static readonly ChangeEvent[] ChangesBefore =
    [
        new() { At = At(13, 41, 10), Kind = ChangeKind.Deployment, App = "shop", Environment = "production", Service = "api", Actor = "ci", Text = "api release 42 deployed (canary, then 100%)" },
        new() { At = At(13, 20), Kind = ChangeKind.Secret, App = "shop", Environment = "production", Actor = "ben", Text = "DB_POOL_SIZE changed to version 4" },
    ];

    private static DateTimeOffset At(int hour, int minute, int second = 0) => Day.AddHours(hour).AddMinutes(minute).AddSeconds(second);

    private static IncidentEvent Event(long sequence, DateTimeOffset at, IncidentEventKind kind, string actor, string text) => new()
    {
        IncidentId = Resolved.Id,
        Sequence = sequence,
        At = at,
        Kind = kind,
        Actor = actor,
        Text = text,
    };

    [Fact]
    public void Write_ARealisticIncident_GivesTheDraft()
    {
        var impact = new PostmortemImpact
        {
            SloTarget = 0.999,
            ErrorRatio = 0.25,
            StartedAt = At(13, 57),
            EndedAt = At(14, 31),
            Description = "About a quarter of checkout requests failed with HTTP 502.",
        };

        var markdown = PostmortemWriter.Write(Resolved, Timeline, ChangesBefore, impact);

        markdown.ShouldBe("""
            # Postmortem: HighErrorRate: api answers more than 1% of requests with 5xx

            Draft written by Capstan from incident inc_01jx4m2k8q5e6v7w8x9y0z1a2b. Fill in the empty sections with the people involved; look for causes in systems, not culprits.

            ## Summary

            SEV2 incident in shop (production) affecting api. Opened 2030-03-14 14:02:00 UTC by alert:HighErrorRate, acknowledged by ana after 4m 30s, resolved by ana after 47m.

            | | |
            |---|---|
            | Incident | inc_01jx4m2k8q5e6v7w8x9y0z1a2b |
            | Severity | SEV2: Major feature unavailable, significant user impact (respond within 15m) |
            | Status | resolved |
            | App | shop |
            | Environment | production |
            | Services | api |
            | Alerts | HighErrorRate/3f9a1c, SlowP99/3f9a1c |
            | Opened | 2030-03-14 14:02:00 by alert:HighErrorRate |
            | Acknowledged | 2030-03-14 14:06:30 by ana |
            | Resolved | 2030-03-14 14:49:00 by ana |

            ## Impact

            About a quarter of checkout requests failed with HTTP 502.

            | Measure | Value |
            |---|---|
            | Impact began | 2030-03-14 13:57:00 |
            | Impact ended | 2030-03-14 14:31:00 |
            | Time to detect | 5m |
            | Time to acknowledge | 4m 30s (SEV2 target 15m: met) |
            | Time to resolve | 47m |
            | Duration | 34m |
            | Error ratio | 25% |
            | Error budget burned | 19.7% of the error budget of a 99.9% SLO over 30d |

            Budget burned = duration × error ratio / allowed errors: 34m × 25% = 8m 30s of failing requests, of the 43m 12s that 99.9% over 30d allows.

            ## Timeline

            | Time (UTC) | Event | By | What |
            |---|---|---|---|
            | 2030-03-14 14:02:00 | opened | alert:HighErrorRate | HighErrorRate: api answers more than 1% of requests with 5xx |
            | 2030-03-14 14:04:00 | alert | alert:SlowP99 | SlowP99 on api in production firing: p99 latency above 2s |
            | 2030-03-14 14:06:30 | acknowledged | ana | acknowledged 4m 30s after opening, within the SEV2 target of 15m |
            | 2030-03-14 14:12:00 | note | ana | connection pool exhausted \| pool size 5, since release 42 |
            | 2030-03-14 14:15:00 | secret | ben | DB_POOL_SIZE changed to version 5 |
            | 2030-03-14 14:20:00 | note | ben | rolling api back to release 41 |
            | 2030-03-14 14:21:40 | rollback | ben | api rolled back to release 41 |
            | 2030-03-14 14:31:00 | alert | alert:HighErrorRate | HighErrorRate on api in production resolved |
            | 2030-03-14 14:33:00 | alert | alert:SlowP99 | SlowP99 on api in production resolved |
            | 2030-03-14 14:33:00 | alert | capstan | no alert of the incident is firing any more; resolve it once the service is confirmed healthy |
            | 2030-03-14 14:49:00 | resolved | ana | error rate under 0.1% for 15 minutes after the rollback |

            ## What changed in the hour before

            Deployments, rollbacks and secret changes from 2030-03-14 13:02:00 to 2030-03-14 14:02:00 UTC, when the incident was opened.

            | Time (UTC) | Change | Service | By | What |
            |---|---|---|---|---|
            | 2030-03-14 13:20:00 | secret | all | ben | DB_POOL_SIZE changed to version 4 |
            | 2030-03-14 13:41:10 | deployment | api | ci | api release 42 deployed (canary, then 100%) |

            ## Root cause


            ## What went well


            ## What went wrong


            ## Action items

            - [ ] What to change, who owns it, by when

            """);
    }

    [Fact]
    public void Write_WithoutAnErrorRatio_GivesTheBudgetAsAnUpperBound_FromOpenToResolved()
    {
        var markdown = PostmortemWriter.Write(Resolved, Timeline, [], new PostmortemImpact { SloTarget = 0.995, SloWindow = TimeSpan.FromDays(28) });

        markdown.ShouldContain("""
            | Impact began | 2030-03-14 14:02:00 (when the incident was opened) |
            | Impact ended | 2030-03-14 14:49:00 (when the incident was resolved) |
            | Time to detect | 0s |
            """);
        markdown.ShouldContain("| Error ratio | not given: assumed 100% |");
        markdown.ShouldContain("| Error budget burned | at most 23.3% of the error budget of a 99.5% SLO over 28d |");
        markdown.ShouldContain("47m × 100% = 47m of failing requests, of the 3h 21m 36s that 99.5% over 28d allows.");
        markdown.ShouldContain("## What changed in the hour before\n\nDeployments, rollbacks and secret changes from 2030-03-14 13:02:00 to 2030-03-14 14:02:00 UTC, when the incident was opened.\n\nNone recorded.\n");
    }

    [Fact]
    public void Write_AnOpenIncident_SaysWhatIsNotKnownYet()
    {
        var open = Resolved with
        {
            Status = IncidentStatus.Open,
            AcknowledgedAt = null,
            AcknowledgedBy = null,
            ResolvedAt = null,
            ResolvedBy = null,
            Environment = null,
            Services = [],
            Severity = 1,
        };

        var markdown = PostmortemWriter.Write(open, Timeline[..1], [], new PostmortemImpact { SloTarget = 0.999 });

        markdown.ShouldContain("SEV1 incident in shop. Opened 2030-03-14 14:02:00 UTC by alert:HighErrorRate; not resolved yet.");
        markdown.ShouldContain("| Acknowledged | never |\n| Resolved | not yet |");
        markdown.ShouldContain("| Time to acknowledge | never acknowledged (SEV1 target 5m) |");
        markdown.ShouldContain("| Duration | ongoing |\n| Error budget burned | not computed until the impact has ended |");
        markdown.ShouldContain("| Environment | none |\n| Services | none named |");
    }

    [Fact]
    public void Write_AMissedResponseTarget_SaysSo()
    {
        var late = Resolved with { AcknowledgedAt = At(14, 20) };

        PostmortemWriter.Write(late, Timeline, [], new PostmortemImpact { SloTarget = 0.999 })
            .ShouldContain("| Time to acknowledge | 18m (SEV2 target 15m: missed) |");
    }

    [Theory]
    [InlineData(1.0, null)]
    [InlineData(0.0, null)]
    [InlineData(0.999, 1.5)]
    [InlineData(0.999, -0.1)]
    public void Write_WithAnImpossibleSloOrErrorRatio_IsRefused(double target, double? ratio)
    {
        Should.Throw<ArgumentException>(() => PostmortemWriter.Write(Resolved, Timeline, [], new PostmortemImpact { SloTarget = target, ErrorRatio = ratio }));
    }
}
