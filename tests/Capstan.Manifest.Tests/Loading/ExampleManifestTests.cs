using Capstan.Testing;
using Capstan.Manifest.Alerts;
using Capstan.Manifest.Model;
using Capstan.Manifest.Values;

namespace Capstan.Manifest.Tests.Loading;

/// <summary>examples/hello/capstan.yaml must stay valid, and load into the model it describes.</summary>
public sealed class ExampleManifestTests
{
    private static readonly string ExampleFolder = Path.Combine(RepositoryRoot.Path, "examples", "hello");

    private static CapstanManifest Example { get; } = ManifestLoader.Load(ExampleFolder).ShouldBeClean();

    [Fact]
    public void TheExample_LoadsWithoutAnyDiagnostic()
    {
        var result = ManifestLoader.Load(ExampleFolder);

        result.ShouldBeClean();
        result.FullPath.ShouldBe(Path.Combine(ExampleFolder, "capstan.yaml"));
        result.Source.ShouldNotBeNull();
        result.IsValid.ShouldBeTrue();
    }

    [Fact]
    public void TheExample_ParsedFromBytesWithoutAFolder_LoadsWithoutAnyDiagnosticToo()
    {
        ManifestLoader.Parse(File.ReadAllBytes(Path.Combine(ExampleFolder, "capstan.yaml"))).ShouldBeClean();
    }

    [Fact]
    public void TheExample_NamesItsApp()
    {
        Example.Version.ShouldBe(1);
        Example.App.ShouldBe("hello");
    }

    [Fact]
    public void TheWebService_HasItsRunHealthRouteResourcesScaleAndEnv()
    {
        var web = Example.Services.ShouldHaveSingleItem().Value;

        web.Name.ShouldBe("web");
        web.Artifact.ShouldBe("build");
        web.Run.Text.ShouldBe("dotnet Hello.dll --urls http://127.0.0.1:${PORT}");
        web.Run.References.ShouldBe([new TemplateReference(false, "PORT", 41, 7)]);
        web.Health.Readiness.ShouldBe("/ready");
        web.Health.Liveness.ShouldBe("/health");
        web.Health.Interval.ToString().ShouldBe("1s");
        web.Health.Timeout.ToString().ShouldBe("2s");
        web.Health.FailureThreshold.ShouldBe(3);
        web.Route.ShouldBe(new Route { Host = "hello.localhost", Path = "/" });
        web.Resources!.Cpu.ShouldBe(0.5);
        web.Resources.Memory.ShouldBe(ByteSize.Parse("256Mi"));
        web.Scale.Min.ShouldBe(2);
        web.Scale.Max.ShouldBe(4);
        web.Scale.Cpu.ShouldBe(Percentage.Parse("70%"));
        web.Scale.Memory.ShouldBeNull();
        web.Env.Keys.ShouldBe(["APP_VERSION", "DATA_DIR"]);
        web.Env["DATA_DIR"].Variables.Select(v => v.Name).ShouldBe(["CAPSTAN_DATA_DIR"]);
        web.GracePeriod.ToString().ShouldBe("30s");
        web.DrainTimeout.ToString().ShouldBe("30s");
    }

    [Fact]
    public void ThePipeline_HasItsJobsInOrder_WithTheirNeeds()
    {
        var jobs = Example.Pipeline.Jobs;

        jobs.Keys.ShouldBe(["lint", "scan", "test", "build"]);
        jobs["lint"].Needs.ShouldBeEmpty();
        jobs["test"].Needs.ShouldBe(["lint"]);
        jobs["build"].Needs.ShouldBe(["test", "scan"]);
        Example.Pipeline.Env["DOTNET_CLI_TELEMETRY_OPTOUT"].Text.ShouldBe("1");
    }

    [Fact]
    public void TheTestJob_HasItsTimeoutRetryInputsAndReports()
    {
        var test = Example.Pipeline.Jobs["test"];

        test.Run!.Text.ShouldBe("dotnet test tests/Hello.Tests/Hello.Tests.csproj --logger trx --results-directory TestResults");
        test.Run.Kind.ShouldBe(TemplateKind.Script);
        test.Timeout.ToString().ShouldBe("10m");
        test.Retry.ShouldBe(new RetryPolicy { Attempts = 2, Backoff = Duration.FromSeconds(5) });
        test.Inputs.ShouldBe(["**/*.cs", "**/*.csproj", "*.props"]);
        test.Reports.ShouldBe(["TestResults/*.trx"]);
        test.If.ShouldBe(JobCondition.Success);
        test.Steps.ShouldBeEmpty();
    }

    [Fact]
    public void TheBuildJob_HasItsArtifact_AndNoCache()
    {
        var build = Example.Pipeline.Jobs["build"];

        // A cache of ~/.nuget/packages would tar the machine's whole package folder; the example keeps runs fast.
        build.Cache.ShouldBeNull();
        build.Artifact.ShouldBe("out");
        build.Timeout.ToString().ShouldBe("30m");
        build.Retry.ShouldBe(RetryPolicy.None);
    }

    [Fact]
    public void Staging_IsBlueGreen_WithItsEnvAndSmokeTest()
    {
        var staging = Example.Environments["staging"];

        staging.Strategy.ShouldBe(BlueGreenStrategy.Default);
        staging.Env["Logging__LogLevel__Default"].Text.ShouldBe("Debug");
        staging.Smoke!.Text.ShouldBe("curl -fsS \"$CAPSTAN_TARGET_URL/ready\"");
        staging.Smoke.References.ShouldBeEmpty();
        staging.Requires.ShouldBeEmpty();
        staging.Approval.ShouldBeNull();
        staging.ProgressDeadline.ShouldBe(DeploymentEnvironment.DefaultProgressDeadline);
    }

    [Fact]
    public void EachEnvironment_HasItsOwnHost_AndProductionTheRoutesOwn()
    {
        var route = Example.Services["web"].Route!;

        Example.Environments["staging"].HostOf(route).ShouldBe("staging.hello.localhost");
        Example.Environments["production"].HostOf(route).ShouldBe("hello.localhost");
    }

    [Fact]
    public void Production_RequiresStagingAndApproval_AndIsACanaryInFourSteps()
    {
        var production = Example.Environments["production"];

        production.Requires.ShouldBe(["staging"]);
        production.Approval.ShouldBe(new ApprovalPolicy { Reviewers = 1, Timeout = new Duration(TimeSpan.FromHours(24)) });
        var canary = production.Strategy.ShouldBeOfType<CanaryStrategy>();
        canary.Steps.Select(s => s.ToString()).ShouldBe(["5%", "25%", "50%", "100%"]);
        canary.Pause.ToString().ShouldBe("30s");
        canary.AbortIf.ShouldBe(new CanaryThresholds
        {
            ErrorRateIncrease = Percentage.Parse("2%"),
            P95Increase = Percentage.Parse("20%"),
            ErrorRate = Percentage.Parse("5%"),
        });
        canary.MinRequests.ShouldBe(50);
    }

    [Fact]
    public void TheAlerts_AreParsedIntoConditions()
    {
        var alerts = Example.Alerts;

        alerts.Select(a => a.Name).ShouldBe(["HighErrorRate", "SlowResponses", "VerySlowResponses", "InstancesDown", "HighMemory", "DiskAlmostFull", "BackupStale"]);
        var errors = alerts[0];
        errors.When.Function.ShouldBe("error_rate");
        errors.When.IsSeries.ShouldBeFalse();
        errors.When.Arguments.ShouldBe([new AlertArgument("web", 11)]);
        errors.When.Operator.ShouldBe(ComparisonOperator.GreaterThan);
        errors.When.Threshold.ShouldBe(new AlertThreshold(ThresholdKind.Percentage, 1, "1%"));
        errors.When.Definition!.Argument.ShouldBe(AlertArgumentKind.Service);
        errors.For.ToString().ShouldBe("5m");
        errors.Severity.ShouldBe(AlertSeverity.Critical);
        errors.Runbook.ShouldBe("docs/runbooks/high-error-rate.md");
        errors.Notify.ShouldBe(["oncall"]);
        errors.Guard.ShouldBeTrue();

        alerts[1].When.Threshold.ShouldBe(new AlertThreshold(ThresholdKind.Duration, 1, "1s"));
        alerts[3].When.Operator.ShouldBe(ComparisonOperator.LessThan);
        alerts[3].When.Threshold.Kind.ShouldBe(ThresholdKind.Number);
        alerts[5].When.Arguments.ShouldBeEmpty();
        alerts[6].When.Threshold.ShouldBe(new AlertThreshold(ThresholdKind.Duration, 7200, "2h"));
        alerts[6].For.ShouldBe(new Duration(TimeSpan.Zero));
        alerts[4].Guard.ShouldBeFalse();
        alerts[4].Runbook.ShouldBeNull();
    }

    [Fact]
    public void TheNotificationChannels_CarryTheirSecretReferences()
    {
        var oncall = Example.Notifications["oncall"].ShouldBeOfType<WebhookChannel>();
        var team = Example.Notifications["team"].ShouldBeOfType<SlackChannel>();

        oncall.Url.Secrets.Select(s => s.Name).ShouldBe(["ONCALL_WEBHOOK"]);
        team.Url.Secrets.Select(s => s.Name).ShouldBe(["SLACK_WEBHOOK"]);
        oncall.Url.Render(_ => "https://hooks.example/abc").ShouldBe("https://hooks.example/abc");
    }

    [Fact]
    public void TheBackup_IsHourlySqliteWithItsRetentionAndObjectives()
    {
        var visits = Example.Backups.ShouldHaveSingleItem().Value;

        visits.Name.ShouldBe("visits");
        visits.Kind.ShouldBe(BackupSourceKind.Sqlite);
        visits.Path.ShouldBe("visits.db");
        visits.Schedule.Text.ShouldBe("0 * * * *");
        visits.Keep.ShouldBe(new BackupRetention { Hourly = 24, Daily = 30 });
        visits.Verify.ShouldBe(VerifyFrequency.Daily);
        visits.Rpo.ToString().ShouldBe("1h");
        visits.Rto.ToString().ShouldBe("4h");
    }

    [Fact]
    public void TheSecrets_AreDeclaredWithRotation()
    {
        Example.Secrets.Keys.ShouldBe(["ONCALL_WEBHOOK", "SLACK_WEBHOOK"]);
        var oncall = Example.Secrets["ONCALL_WEBHOOK"];
        oncall.Rotate.ShouldBe(Duration.Parse("90d"));
        oncall.Description.ShouldBe("on-call paging webhook");
        oncall.RotateCommand.ShouldBeNull();
    }

    [Fact]
    public void TheSourceMap_LocatesKeysAndValuesOfTheExample()
    {
        var result = ManifestLoader.Load(ExampleFolder);
        var lines = File.ReadAllLines(Path.Combine(ExampleFolder, "capstan.yaml"));

        var needs = result.Map.Item(SourceMap.Path("pipeline", "jobs", "build", "needs"), 1);
        lines[needs.Line - 1][(needs.Column - 1)..].ShouldStartWith("scan]");
        var host = result.Map.Value(SourceMap.Path("services", "web", "route", "host"));
        lines[host.Line - 1][(host.Column - 1)..].ShouldBe("hello.localhost");
        var job = result.Map.Key(SourceMap.Path("pipeline", "jobs", "test"));
        lines[job.Line - 1].Trim().ShouldBe("test:");
    }
}
