using Capstan.Manifest.Model;
using Duration = Capstan.Manifest.Values.Duration;

namespace Capstan.Manifest.Tests.Loading;

/// <summary>The observability keys: a service's <c>metrics</c> path, <c>routing:</c> timings and the <c>oncall:</c> rotation.</summary>
public sealed class ObservabilityLoadingTests
{
    [Fact]
    public void WithoutTheKeys_TheDefaultsAreASmallTeamsOnes_AndNobodyIsOnCall()
    {
        var manifest = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web: { run: ./web }
            """).ShouldBeClean();

        manifest.Services["web"].Metrics.ShouldBeNull();
        manifest.OnCall.ShouldBeNull();
        manifest.Routing.Critical.ShouldBe(RouteTimings.Critical);
        manifest.Routing.Critical.GroupWait.Value.ShouldBe(TimeSpan.Zero);
        manifest.Routing.Warning.RepeatInterval.Value.ShouldBe(TimeSpan.FromHours(4));
    }

    [Fact]
    public void TheKeys_AreRead()
    {
        var manifest = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web: { run: ./web, metrics: /internal/metrics }
            notifications:
              ana-pager: { webhook: "https://pager.example/ana" }
              ben-pager: { webhook: "https://pager.example/ben" }
            routing:
              warning: { group_wait: 10s, repeat_interval: 12h }
            oncall:
              people: { ben: ben-pager, ana: ana-pager }
              shift: 1d
              handoff: "Mon 09:30"
              timezone: Europe/Berlin
              escalate_after: 10m
            """).ShouldBeClean();

        manifest.Services["web"].Metrics.ShouldBe("/internal/metrics");
        manifest.Routing.Warning.ShouldBe(new RouteTimings(Duration.FromSeconds(10), Duration.FromMinutes(5), new Duration(TimeSpan.FromHours(12))));
        manifest.Routing.Critical.ShouldBe(RouteTimings.Critical);
        var oncall = manifest.OnCall.ShouldNotBeNull();
        oncall.People.ShouldBe([new OnCallPerson("ben", "ben-pager"), new OnCallPerson("ana", "ana-pager")], "the rotation keeps the file's order");
        oncall.Shift.Value.ShouldBe(TimeSpan.FromDays(1));
        oncall.Handoff.ShouldBe(new DateTime(2024, 1, 1, 9, 30, 0));
        oncall.Handoff.DayOfWeek.ShouldBe(DayOfWeek.Monday);
        oncall.TimeZone.Id.ShouldBe("Europe/Berlin");
        oncall.EscalateAfter.ShouldBe(Duration.FromMinutes(10));
    }

    [Fact]
    public void ASeverityGivenInPart_KeepsItsOwnDefaultsForTheRest()
    {
        var routing = Diagnosed.Parse("""
            version: 1
            app: hello
            routing:
              critical: { repeat_interval: 30m }
              warning: { group_wait: 1m }
            """).ShouldBeClean().Routing;

        // A critical alert still pages at once: the keys left out are critical's defaults, not a warning's.
        routing.Critical.ShouldBe(new RouteTimings(Duration.FromSeconds(0), Duration.FromSeconds(60), Duration.FromMinutes(30)));
        routing.Warning.ShouldBe(new RouteTimings(Duration.FromMinutes(1), Duration.FromMinutes(5), new Duration(TimeSpan.FromHours(4))));
    }

    [Fact]
    public void ADatedHandoff_IsThatMoment()
    {
        var oncall = Diagnosed.Parse("""
            version: 1
            app: hello
            notifications: { pager: { command: "cat" } }
            oncall: { people: { ana: pager }, handoff: "2026-03-02 08:00" }
            """).ShouldBeClean().OnCall.ShouldNotBeNull();

        oncall.Handoff.ShouldBe(new DateTime(2026, 3, 2, 8, 0, 0));
        oncall.Shift.Value.ShouldBe(TimeSpan.FromDays(7));
        oncall.TimeZone.ShouldBe(TimeZoneInfo.Utc);
        oncall.EscalateAfter.ShouldBeNull();
    }

    [Fact]
    public void APersonPagedThroughAnUnknownChannel_IsReportedAtTheirEntry()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            notifications: { pager: { command: "cat" } }
            oncall:
              people: { ana: pager, ben: bens-phone }
            """);

        result.ShouldReportOnly(ErrorCodes.UnknownChannel, 5, 30, "on-call person 'ben' is paged through unknown channel 'bens-phone'; known channels (the notifications section): pager");
    }

    [Fact]
    public void ARotationWithNobody_AndABadMetricsPath_AreErrors()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web: { run: ./web, metrics: metrics }
            oncall: { people: {} }
            """);

        result.Diagnostics.Select(d => d.Code).Order().ShouldBe([ErrorCodes.OutOfRange, ErrorCodes.InvalidFormat]);
        result.Diagnostics.Single(d => d.Code == ErrorCodes.OutOfRange).Message.ShouldContain("names nobody");
        result.Diagnostics.Single(d => d.Code == ErrorCodes.InvalidFormat).Line.ShouldBe(4);
    }
}
