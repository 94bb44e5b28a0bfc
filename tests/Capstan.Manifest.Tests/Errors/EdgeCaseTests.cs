using System.Text;
using Capstan.Manifest.Model;

namespace Capstan.Manifest.Tests.Errors;

/// <summary>Cases found by reading the documentation against the code.</summary>
public class EdgeCaseTests
{
    [Fact]
    public void AReservedVariableInAStepsEnv_IsRefused()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            pipeline:
              jobs:
                a:
                  steps:
                    - run: make
                      env: { CAPSTAN_APP: x }
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidName, 8, 18, "CAPSTAN_APP in pipeline.jobs.a.steps[0].env is set by Capstan itself");
    }

    [Fact]
    public void ARelativeBackupPath_WithNoServiceAtAll_IsRefused_AndAnAbsoluteOneIsFine()
    {
        var relative = Diagnosed.Parse("""
            version: 1
            app: hello
            backups:
              db: { sqlite: app.db, schedule: "@hourly" }
            """);
        var absolute = Diagnosed.Parse("""
            version: 1
            app: hello
            backups:
              db: { sqlite: /var/lib/hello/app.db, schedule: "@hourly" }
            """);

        relative.ShouldReportOnly(ErrorCodes.MissingValue, 4, 3, "there is no service whose data folder it could be in");
        absolute.ShouldBeClean().Backups["db"].Path.ShouldBe("/var/lib/hello/app.db");
    }

    [Fact]
    public void AnAbsoluteDataPath_MayHoldDotDot_ButARelativeOneMayNotClimbOut()
    {
        var absolute = Diagnosed.Parse("version: 1\napp: hello\nbackups:\n  up: { directory: /srv/../var/uploads, schedule: \"@hourly\" }\n");
        var relative = Diagnosed.Parse("version: 1\napp: hello\nservices:\n  web: { run: x }\nbackups:\n  up: { directory: uploads/../../x, schedule: \"@hourly\" }\n");

        absolute.ShouldBeClean();
        relative.ShouldReportOnly(ErrorCodes.PathEscapes, 6, 20, "leaves the service's data folder");
    }

    [Fact]
    public void MoreThanTenTabIndentedLines_AreAllRepaired_SoTheRestOfTheFileIsStillChecked()
    {
        var text = new StringBuilder("version: 1\napp: hello\nservices:\n");
        for (var i = 0; i < 15; i++)
        {
            text.Append(CultureInfo($"\ts{i}:\n\t  run: x\n"));
        }

        text.Append("pipeline:\n  jobs:\n    b: { run: x, needs: [nope] }\n");

        var result = ManifestLoader.Parse(text.ToString());

        result.Diagnostics.Count(d => d.Code == ErrorCodes.TabIndentation).ShouldBe(10, Diagnosed.Listing(result));
        result.Diagnostics.ShouldContain(d => d.Code == ErrorCodes.UnknownJob, Diagnosed.Listing(result));
    }

    [Fact]
    public void AFileWithThousandsOfProblems_ListsTheFirst500InFileOrder_AndCountsTheRest()
    {
        var text = new StringBuilder("version: 1\napp: hello\n");
        for (var i = 0; i < 1200; i++)
        {
            text.Append(CultureInfo($"unknown{i}: 1\n"));
        }

        text.Append("services: [oops]\n");

        var result = ManifestLoader.Parse(text.ToString());

        result.Diagnostics.Count.ShouldBe(DiagnosticBag.MaxDiagnostics + 1);
        result.Diagnostics[0].Line.ShouldBe(3);
        result.Diagnostics[DiagnosticBag.MaxDiagnostics - 1].Line.ShouldBe(DiagnosticBag.MaxDiagnostics + 2);
        var last = result.Diagnostics[^1];
        last.Code.ShouldBe(ErrorCodes.TooManyDiagnostics);
        last.Message.ShouldBe("701 more problems were found and not listed; fix these 500 first");
    }

    [Fact]
    public void AProbePath_MayCarryAQuery()
    {
        var manifest = Diagnosed.Parse("version: 1\napp: hello\nservices:\n  web:\n    run: x\n    health: { readiness: \"/ready?deep=1\" }\n").ShouldBeClean();

        manifest.Services["web"].Health.Readiness.ShouldBe("/ready?deep=1");
    }

    [Fact]
    public void AnEmptyCanaryList_MeansTheDefaultSteps()
    {
        var manifest = Diagnosed.Parse("version: 1\napp: hello\nenvironments:\n  p:\n    strategy:\n      canary:\n      pause: 1m\n").ShouldBeClean();

        var canary = manifest.Environments["p"].Strategy.ShouldBeOfType<CanaryStrategy>();
        canary.Steps.Select(s => s.Percent).ShouldBe([5, 25, 50, 100]);
        canary.Pause.ToString().ShouldBe("1m");
    }

    [Fact]
    public void AnEmptyEnvValue_SaysHowToWriteEmptyText()
    {
        var result = Diagnosed.Parse("version: 1\napp: hello\nservices:\n  web:\n    run: x\n    env: { A: }\n");

        result.ShouldReportOnly(ErrorCodes.MissingValue, 6, 15, "services.web.env.A is empty; expected text; write \"\" for empty text");
    }

    private static string CultureInfo(FormattableString text) => FormattableString.Invariant(text);
}
