using Capstan.Manifest.Alerts;
using Capstan.Manifest.Model;
using Capstan.Manifest.Values;

namespace Capstan.Manifest.Tests.Loading;

/// <summary>Short forms (a word for a strategy, one name for a list, an empty value for a mapping) and the defaults of the seeds.</summary>
public sealed class ShorthandAndDefaultTests
{
    [Fact]
    public void AStrategyWord_GivesThatStrategyWithItsDefaults()
    {
        var manifest = Diagnosed.Parse("""
            version: 1
            app: hello
            environments:
              a: { strategy: recreate }
              b: { strategy: rolling }
              c: { strategy: blue-green }
              d: { strategy: canary }
              e: {}
            """).ShouldBeClean();

        manifest.Environments["a"].Strategy.ShouldBeOfType<RecreateStrategy>();
        manifest.Environments["b"].Strategy.ShouldBe(new RollingStrategy { MaxSurge = 1, MaxUnavailable = 0 });
        manifest.Environments["c"].Strategy.ShouldBe(new BlueGreenStrategy { Retention = Duration.FromMinutes(60) });
        var canary = manifest.Environments["d"].Strategy.ShouldBeOfType<CanaryStrategy>();
        canary.Steps.Select(s => s.Percent).ShouldBe([5, 25, 50, 100]);
        manifest.Environments["e"].Strategy.ShouldBe(RollingStrategy.Default);
    }

    [Fact]
    public void AStrategyMapping_GivesThatStrategyWithItsSettings()
    {
        var manifest = Diagnosed.Parse("""
            version: 1
            app: hello
            environments:
              a:
                strategy:
                  rolling: { max_surge: 2, max_unavailable: 1 }
              b:
                strategy:
                  blue-green: { retention: 2h }
              c:
                strategy:
                  canary: [10%, 100%]
                  pause: 1m
                  abort_if: { error_rate: 1% }
                  min_requests: 500
            """).ShouldBeClean();

        manifest.Environments["a"].Strategy.ShouldBe(new RollingStrategy { MaxSurge = 2, MaxUnavailable = 1 });
        manifest.Environments["b"].Strategy.ShouldBe(new BlueGreenStrategy { Retention = Duration.Parse("2h") });
        var canary = manifest.Environments["c"].Strategy.ShouldBeOfType<CanaryStrategy>();
        canary.Steps.Select(s => s.Percent).ShouldBe([10, 100]);
        canary.Pause.ShouldBe(Duration.Parse("1m"));
        canary.AbortIf.ShouldBe(CanaryThresholds.Default with { ErrorRate = Percentage.Parse("1%") });
        canary.MinRequests.ShouldBe(500);
    }

    [Fact]
    public void AProgressDeadline_IsReadAsADuration_AndZeroIsRefused()
    {
        Diagnosed.Parse("""
            version: 1
            app: hello
            environments:
              staging: { progress_deadline: 45s }
            """).ShouldBeClean().Environments["staging"].ProgressDeadline.ShouldBe(Duration.Parse("45s"));

        Diagnosed.Parse("""
            version: 1
            app: hello
            environments:
              staging: { progress_deadline: 0s }
            """).Diagnostics.ShouldContain(d => d.Message.Contains("progress_deadline", StringComparison.Ordinal));
    }

    [Fact]
    public void NeedsWrittenAsOneName_IsAListOfOne()
    {
        var manifest = Diagnosed.Parse("""
            version: 1
            app: hello
            pipeline:
              jobs:
                test: { run: dotnet test }
                build:
                  needs: test
                  run: dotnet publish
            """).ShouldBeClean();

        manifest.Pipeline.Jobs["build"].Needs.ShouldBe(["test"]);
    }

    [Fact]
    public void SingleValueLists_WorkForRequiresNotifySecretsAndInputs()
    {
        var manifest = Diagnosed.Parse("""
            version: 1
            app: hello
            pipeline:
              jobs:
                build:
                  run: make
                  secrets: TOKEN
                  inputs: "src/**"
            environments:
              staging: {}
              production: { requires: staging }
            notifications:
              team: { command: cat }
            alerts:
              - name: Full
                when: disk_free() < 10%
                notify: team
            secrets:
              TOKEN:
            """).ShouldBeClean();

        manifest.Pipeline.Jobs["build"].Secrets.ShouldBe(["TOKEN"]);
        manifest.Pipeline.Jobs["build"].Inputs.ShouldBe(["src/**"]);
        manifest.Environments["production"].Requires.ShouldBe(["staging"]);
        manifest.Alerts[0].Notify.ShouldBe(["team"]);
    }

    [Fact]
    public void ASecretWithAnEmptyValue_ReadsAsAnEmptyDeclaration()
    {
        var manifest = Diagnosed.Parse("""
            version: 1
            app: hello
            notifications:
              oncall: { webhook: "${secret:ONCALL_WEBHOOK}" }
            secrets:
              ONCALL_WEBHOOK:
              OTHER: ~
            """).ShouldBeClean();

        manifest.Secrets["ONCALL_WEBHOOK"].ShouldBe(new SecretDeclaration { Name = "ONCALL_WEBHOOK" });
        manifest.Secrets["OTHER"].Description.ShouldBeNull();
        manifest.Secrets["OTHER"].Rotate.ShouldBeNull();
    }

    [Fact]
    public void EmptySectionsAndMappings_ReadAsEmpty()
    {
        var manifest = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: x
                health:
                env:
            environments:
            alerts:
            notifications:
            backups:
            secrets:
            """).ShouldBeClean();

        manifest.Services["web"].Env.ShouldBeEmpty();
        manifest.Services["web"].Health.Interval.ToString().ShouldBe("1s");
        manifest.Pipeline.Jobs.ShouldBeEmpty();
        manifest.Environments.ShouldBeEmpty();
        manifest.Alerts.ShouldBeEmpty();
        manifest.Notifications.ShouldBeEmpty();
        manifest.Backups.ShouldBeEmpty();
        manifest.Secrets.ShouldBeEmpty();
    }

    [Fact]
    public void AnEmptyApproval_RequiresOneReviewer()
    {
        var manifest = Diagnosed.Parse("""
            version: 1
            app: hello
            environments:
              production:
                approval:
            """).ShouldBeClean();

        manifest.Environments["production"].Approval.ShouldBe(new ApprovalPolicy { Reviewers = 1, Timeout = Duration.Parse("24h") });
    }

    [Fact]
    public void TheSmallestManifest_HasEverySectionEmpty()
    {
        var manifest = Diagnosed.Parse("version: 1\napp: hello\n").ShouldBeClean();

        manifest.Services.ShouldBeEmpty();
        manifest.Pipeline.Jobs.ShouldBeEmpty();
        manifest.Pipeline.Env.ShouldBeEmpty();
        manifest.Environments.ShouldBeEmpty();
        manifest.Alerts.ShouldBeEmpty();
        manifest.Notifications.ShouldBeEmpty();
        manifest.Backups.ShouldBeEmpty();
        manifest.Secrets.ShouldBeEmpty();
    }

    [Fact]
    public void Defaults_MatchTheSeeds()
    {
        var manifest = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: serve
            pipeline:
              jobs:
                build:
                  run: make
            environments:
              production:
                strategy: canary
            alerts:
              - name: Full
                when: disk_free() < 10%
            backups:
              db:
                sqlite: app.db
                schedule: "0 * * * *"
            """).ShouldBeClean();

        var canary = manifest.Environments["production"].Strategy.ShouldBeOfType<CanaryStrategy>();
        canary.Steps.Select(s => s.ToString()).ShouldBe(["5%", "25%", "50%", "100%"]);
        canary.Pause.ToString().ShouldBe("30s");
        canary.AbortIf.ErrorRateIncrease.ToString().ShouldBe("2%");
        canary.AbortIf.P95Increase.ToString().ShouldBe("20%");
        canary.AbortIf.ErrorRate.ToString().ShouldBe("5%");
        canary.MinRequests.ShouldBe(50);

        var backup = manifest.Backups["db"];
        backup.Keep.ShouldBe(new BackupRetention { Daily = 30 });
        backup.Rpo.ToString().ShouldBe("1h");
        backup.Rto.ToString().ShouldBe("4h");
        backup.Verify.ShouldBe(VerifyFrequency.Daily);

        var job = manifest.Pipeline.Jobs["build"];
        job.Timeout.ToString().ShouldBe("30m");
        job.Retry.ShouldBe(new RetryPolicy { Attempts = 1, Backoff = Duration.FromSeconds(5) });
        job.If.ShouldBe(JobCondition.Success);
        job.ContinueOnError.ShouldBeFalse();

        var web = manifest.Services["web"];
        web.Health.Interval.ToString().ShouldBe("1s");
        web.Health.Timeout.ToString().ShouldBe("2s");
        web.Health.StartPeriod.ToString().ShouldBe("30s");
        web.Health.FailureThreshold.ShouldBe(3);
        web.Health.Readiness.ShouldBeNull();
        web.Scale.ShouldBe(new ScalePolicy { Min = 1, Max = 1 });
        web.GracePeriod.ToString().ShouldBe("30s");
        web.Route.ShouldBeNull();

        var alert = manifest.Alerts[0];
        alert.Severity.ShouldBe(AlertSeverity.Warning);
        alert.For.ShouldBe(new Duration(TimeSpan.Zero));
        alert.Guard.ShouldBeFalse();
        alert.Notify.ShouldBeEmpty();
    }

    [Fact]
    public void Replicas_IsAFixedScale()
    {
        var manifest = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web: { run: x, replicas: 3 }
              api: { run: y, scale: { min: 2 } }
            """).ShouldBeClean();

        manifest.Services["web"].Scale.ShouldBe(new ScalePolicy { Min = 3, Max = 3 });
        manifest.Services["web"].Scale.IsFixed.ShouldBeTrue();
        manifest.Services["api"].Scale.ShouldBe(new ScalePolicy { Min = 2, Max = 2 });
    }

    [Fact]
    public void JobSteps_AreReadInOrder()
    {
        var manifest = Diagnosed.Parse("""
            version: 1
            app: hello
            pipeline:
              jobs:
                build:
                  if: always()
                  steps:
                    - name: restore
                      run: dotnet restore
                    - run: dotnet build
                      timeout: 5m
                      continue_on_error: true
            """).ShouldBeClean();

        var job = manifest.Pipeline.Jobs["build"];
        job.Run.ShouldBeNull();
        job.If.ShouldBe(JobCondition.Always);
        job.Steps.Select(s => (s.Name, s.Run.Text)).ShouldBe([("restore", "dotnet restore"), (null, "dotnet build")]);
        job.Steps[1].Timeout.ShouldBe(Duration.Parse("5m"));
        job.Steps[1].ContinueOnError.ShouldBeTrue();
    }

    [Fact]
    public void EveryNotificationKind_IsRead()
    {
        var manifest = Diagnosed.Parse("""
            version: 1
            app: hello
            notifications:
              hook: { webhook: "https://hooks.example/x" }
              chat: { slack: "https://hooks.slack.example/${secret:SLACK}" }
              mail:
                email:
                  to: [ops@example.com, dev@example.com]
                  from: capstan@example.com
                  smtp: "smtp://${secret:SMTP}@mail.example:587"
              script: { command: "jq . >> /var/log/alerts.json" }
            secrets:
              SLACK:
              SMTP:
            """).ShouldBeClean();

        manifest.Notifications["hook"].ShouldBeOfType<WebhookChannel>().Url.Text.ShouldBe("https://hooks.example/x");
        manifest.Notifications["chat"].ShouldBeOfType<SlackChannel>();
        var mail = manifest.Notifications["mail"].ShouldBeOfType<EmailChannel>();
        mail.To.ShouldBe(["ops@example.com", "dev@example.com"]);
        mail.From.ShouldBe("capstan@example.com");
        mail.Smtp.Secrets.Select(s => s.Name).ShouldBe(["SMTP"]);
        manifest.Notifications["script"].ShouldBeOfType<CommandChannel>().Command.Kind.ShouldBe(TemplateKind.Script);
    }

    [Fact]
    public void AScrapedSeriesCondition_IsRead()
    {
        var manifest = Diagnosed.Parse("""
            version: 1
            app: hello
            alerts:
              - name: QueueDeep
                when: 'queue_depth{queue="mail", region="eu"} >= 1000'
            """).ShouldBeClean();

        var when = manifest.Alerts[0].When;
        when.IsSeries.ShouldBeTrue();
        when.Function.ShouldBe("queue_depth");
        when.Labels.ShouldBe(new Dictionary<string, string> { ["queue"] = "mail", ["region"] = "eu" }, ignoreOrder: true);
        when.Operator.ShouldBe(ComparisonOperator.GreaterOrEqual);
        when.IsMet(1000).ShouldBeTrue();
        when.IsMet(999).ShouldBeFalse();
    }
}
