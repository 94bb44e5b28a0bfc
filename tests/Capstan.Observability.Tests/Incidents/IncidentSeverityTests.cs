using Capstan.Manifest.Model;
using Capstan.Observability.Incidents;

namespace Capstan.Observability.Tests.Incidents;

public sealed class IncidentSeverityTests
{
    [Fact]
    public void Severities_HaveTheResponseTargetsAndDescriptionsOfSeed001()
    {
        IncidentSeverity.All.Select(s => (s.Name, s.Level, s.ResponseTarget, s.Description)).ShouldBe(
        [
            ("SEV1", 1, TimeSpan.FromMinutes(5), "Complete system outage affecting all users"),
            ("SEV2", 2, TimeSpan.FromMinutes(15), "Major feature unavailable, significant user impact"),
            ("SEV3", 3, TimeSpan.FromHours(1), "Minor feature issues, limited user impact"),
            ("SEV4", 4, TimeSpan.FromHours(4), "Performance degradation, minimal user impact"),
        ]);
        IncidentSeverity.FromLevel(3).ShouldBeSameAs(IncidentSeverity.Sev3);
        IncidentSeverity.Sev1.ToString().ShouldBe("SEV1");
        IncidentSeverity.All.OrderByDescending(s => s).First().ShouldBe(IncidentSeverity.Sev4);
        Should.Throw<ArgumentOutOfRangeException>(() => IncidentSeverity.FromLevel(5));
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("sev2", 2)]
    [InlineData("SEV4", 4)]
    [InlineData("Sev3", 3)]
    public void TryParse_ReadsANumberOrASevName(string text, int level)
    {
        IncidentSeverity.TryParse(text, out var severity).ShouldBeTrue();
        severity.Level.ShouldBe(level);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("5")]
    [InlineData("sev")]
    [InlineData("critical")]
    [InlineData("12")]
    public void TryParse_RefusesAnythingElse(string? text) => IncidentSeverity.TryParse(text, out _).ShouldBeFalse();

    [Fact]
    public void ACriticalAlert_OpensASev2Incident_UnlessItsRuleSaysWhichSev()
    {
        var labels = LabelSet.Of(("service", "api"), ("env", "production"));

        IncidentSeverity.ForAlert(AlertSeverity.Critical, labels).ShouldBe(IncidentSeverity.Sev2);
        IncidentSeverity.ForAlert(AlertSeverity.Critical, labels.With("sev", "1")).ShouldBe(IncidentSeverity.Sev1);
        IncidentSeverity.ForAlert(AlertSeverity.Critical, labels.With("sev", "4")).ShouldBe(IncidentSeverity.Sev4);
        IncidentSeverity.ForAlert(AlertSeverity.Critical, labels.With("sev", "9")).ShouldBe(IncidentSeverity.Sev2);
        IncidentSeverity.ForAlert(AlertSeverity.Critical, labels.With("sev", "SEV1")).ShouldBe(IncidentSeverity.Sev2);
        IncidentSeverity.OpensIncident(AlertSeverity.Critical).ShouldBeTrue();
    }

    [Fact]
    public void WarningsAndInfo_OpenNoIncident_ButGiveSev3AndSev4WhenAPersonOpensOneFromThem()
    {
        IncidentSeverity.OpensIncident(AlertSeverity.Warning).ShouldBeFalse();
        IncidentSeverity.OpensIncident(AlertSeverity.Info).ShouldBeFalse();
        IncidentSeverity.ForAlert(AlertSeverity.Warning, LabelSet.Empty).ShouldBe(IncidentSeverity.Sev3);
        IncidentSeverity.ForAlert(AlertSeverity.Info, LabelSet.Empty).ShouldBe(IncidentSeverity.Sev4);
        IncidentSeverity.ForAlert(AlertSeverity.Warning, LabelSet.Of(("sev", "2"))).ShouldBe(IncidentSeverity.Sev2);
    }
}
