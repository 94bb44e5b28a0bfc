using Capstan.Testing;
namespace Capstan.Manifest.Tests.Errors;

/// <summary>Checks across sections: needs, requires, canary steps, alerts, channels, secrets, routes, backups.</summary>
public sealed class ReferenceErrorTests
{
    // ---- jobs ---------------------------------------------------------------------------------------

    [Fact]
    public void NeedsOfAnUnknownJob_IsReportedAtTheItem_WithTheKnownJobs()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            pipeline:
              jobs:
                lint:
                  run: dotnet format
                test:
                  run: dotnet test
                build:
                  needs: [lint, tset]
                  run: dotnet publish
            """);

        result.ShouldReportOnly(ErrorCodes.UnknownJob, 10, 21, "job 'build' needs unknown job 'tset'", "known jobs: lint, test");
    }

    [Fact]
    public void NeedsOfAnUnknownJobInABlockList_IsReportedAtTheItem()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            pipeline:
              jobs:
                lint:
                  run: a
                build:
                  needs:
                    - lint
                    - deploy
                  run: c
            """);

        result.ShouldReportOnly(ErrorCodes.UnknownJob, 10, 11, "job 'build' needs unknown job 'deploy'; known jobs: lint");
    }

    [Fact]
    public void NeedsOfAnUnknownJobAsASingleValue_IsReportedAtTheValue()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            pipeline:
              jobs:
                build:
                  needs: test
                  run: c
            """);

        result.ShouldReportOnly(ErrorCodes.UnknownJob, 6, 14, "job 'build' needs unknown job 'test'; no other jobs are declared");
    }

    [Fact]
    public void NeedsListingAJobTwice_IsReportedAtTheSecond()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            pipeline:
              jobs:
                lint:
                  run: a
                build:
                  needs: [lint, lint]
                  run: c
            """);

        result.ShouldReportOnly(ErrorCodes.DuplicateName, 8, 21, "pipeline.jobs.build.needs lists 'lint' twice (first as item 1)");
    }

    [Fact]
    public void ThreeJobsNeedingEachOtherInACycle_AreNamedInFull()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            pipeline:
              jobs:
                a:
                  needs: c
                  run: x
                b:
                  needs: a
                  run: x
                c:
                  needs: [b]
                  run: x
            """);

        result.ShouldReportOnly(ErrorCodes.JobCycle, 6, 14, "jobs need each other in a cycle: a → c → b → a; a job can only need jobs that do not need it back");
    }

    [Fact]
    public void AJobNeedingItself_IsReportedAtTheItem()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            pipeline:
              jobs:
                lint:
                  run: x
                a:
                  needs: [lint, a]
                  run: x
            """);

        result.ShouldReportOnly(ErrorCodes.JobCycle, 8, 21, "job 'a' needs itself");
    }

    [Fact]
    public void TwoSeparateCycles_AreBothReported()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            pipeline:
              jobs:
                a: { needs: b, run: x }
                b: { needs: a, run: x }
                c: { needs: d, run: x }
                d: { needs: c, run: x }
            """);

        result.Diagnostics.Select(d => (d.Code, d.Line, d.Column)).ShouldBe([(ErrorCodes.JobCycle, 5, 17), (ErrorCodes.JobCycle, 7, 17)]);
        result.Diagnostics[0].Message.ShouldContain("a → b → a", Case.Sensitive);
        result.Diagnostics[1].Message.ShouldContain("c → d → c", Case.Sensitive);
    }

    [Fact]
    public void AServiceRunningTheArtifactOfAJobWithoutOne_SaysHowToFixIt()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                artifact: build
                run: ./app
            pipeline:
              jobs:
                build:
                  run: make
            """);

        result.ShouldReportOnly(ErrorCodes.UnknownArtifact, 5, 15, "service 'web' runs the artifact of job 'build', which produces none; add 'artifact: PATH' to job 'build'");
    }

    [Fact]
    public void AServiceRunningTheArtifactOfAnUnknownJob_SuggestsTheJob()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                artifact: biuld
                run: ./app
            pipeline:
              jobs:
                build:
                  run: make
                  artifact: out
            """);

        result.ShouldReportOnly(ErrorCodes.UnknownArtifact, 5, 15, "service 'web' runs the artifact of unknown job 'biuld'; did you mean 'build'?");
    }

    // ---- environments -------------------------------------------------------------------------------

    [Fact]
    public void EnvironmentsRequiringEachOther_AndAnUnknownOne_AreAllReported()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            environments:
              staging:
                requires: [production]
              production:
                requires: [staging, qa]
            """);

        result.Diagnostics.Select(d => (d.Code, d.Line, d.Column)).ShouldBe(
        [
            (ErrorCodes.EnvironmentCycle, 5, 16),
            (ErrorCodes.UnknownEnvironment, 7, 25),
        ]);
        result.Diagnostics[0].Message.ShouldBe("environments require each other in a cycle: staging → production → staging; promotion must flow one way");
        result.Diagnostics[1].Message.ShouldBe("environment 'production' requires unknown environment 'qa'; known environments: staging");
        result.Manifest.ShouldBeNull();
    }

    [Fact]
    public void AnEnvironmentRequiringItself_IsReportedAtTheItem()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            environments:
              production:
                requires: production
            """);

        result.ShouldReportOnly(ErrorCodes.EnvironmentCycle, 5, 15, "environment 'production' requires itself");
    }

    [Fact]
    public void AMisspeltRequiredEnvironment_SuggestsTheOneMeant()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            environments:
              staging: {}
              production:
                requires: [stagign]
            """);

        result.ShouldReportOnly(ErrorCodes.UnknownEnvironment, 6, 16, "requires unknown environment 'stagign'; did you mean 'staging'?");
    }

    // ---- canary steps -------------------------------------------------------------------------------

    [Fact]
    public void CanaryStepsGoingDown_AreReportedAtTheStepThatDoesNotIncrease()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            environments:
              production:
                strategy:
                  canary: [5%, 50%, 25%, 100%]
            """);

        result.ShouldReportOnly(ErrorCodes.CanaryNotAscending, 6, 25, "canary steps of environment 'production' must increase: 25% comes after 50%");
    }

    [Fact]
    public void ARepeatedCanaryStep_IsNotAnIncrease()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            environments:
              production:
                strategy:
                  canary:
                    - 10%
                    - 10%
                    - 100%
            """);

        result.ShouldReportOnly(ErrorCodes.CanaryNotAscending, 8, 11, "10% comes after 10%");
    }

    [Fact]
    public void CanaryStepsNotEndingAt100_AreReportedAtTheLastStep()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            environments:
              production:
                strategy:
                  canary: [5%, 25%, 50%]
            """);

        result.ShouldReportOnly(ErrorCodes.CanaryNotComplete, 6, 25, "canary steps of environment 'production' end at 50%; the last step must be 100%");
    }

    [Fact]
    public void AZeroCanaryStep_IsOutOfRange()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            environments:
              production:
                strategy:
                  canary: [0%, 50%, 100%]
            """);

        result.ShouldReportOnly(ErrorCodes.OutOfRange, 6, 16, "environments.production.strategy.canary[0] is 0%; expected more than 0% to 100%");
    }

    [Fact]
    public void CanaryStepsAfterAnInvalidStep_AreCheckedAtTheirOwnPositions()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            environments:
              production:
                strategy:
                  canary: [5%, x, 3%, 100%]
            """);

        result.Diagnostics.Select(d => (d.Code, d.Line, d.Column)).ShouldBe(
        [
            (ErrorCodes.InvalidPercentage, 6, 20),
            (ErrorCodes.CanaryNotAscending, 6, 23),
        ]);
    }

    // ---- alerts and notifications -------------------------------------------------------------------

    [Fact]
    public void AnAlertOnAnUnknownService_IsReportedAtTheArgument()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: x
            alerts:
              - name: Errors
                when: "error_rate(wbe) > 1%"
            """);

        result.ShouldReportOnly(ErrorCodes.UnknownService, 8, 23, "alert 'Errors' watches unknown service 'wbe'; did you mean 'web'? known services: web");
    }

    [Fact]
    public void AnAlertNotifyingAnUnknownChannel_IsReportedAtTheItem()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            notifications:
              team: { slack: "https://hooks.example/x" }
            alerts:
              - name: Full
                when: disk_free() < 10%
                notify: [team, oncall]
            """);

        result.ShouldReportOnly(ErrorCodes.UnknownChannel, 8, 20, "alert 'Full' notifies unknown channel 'oncall'; known channels (the notifications section): team");
    }

    [Fact]
    public void AnAlertNotifyingAChannelWhenNoneIsDeclared_SaysSo()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            alerts:
              - name: Full
                when: disk_free() < 10%
                notify: oncall
            """);

        result.ShouldReportOnly(ErrorCodes.UnknownChannel, 6, 13, "notifies unknown channel 'oncall'; no channels (the notifications section) are declared");
    }

    [Fact]
    public void AnAlertOnAnUnknownBackup_IsReportedAtTheArgument()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: x
            backups:
              visits: { sqlite: visits.db, schedule: "0 * * * *" }
            alerts:
              - name: Stale
                when: backup_age(visit) > 2h
            """);

        result.ShouldReportOnly(ErrorCodes.UnknownBackup, 10, 22, "alert 'Stale' watches unknown backup 'visit'; did you mean 'visits'?");
    }

    [Fact]
    public void TwoAlertsWithTheSameName_AreReportedAtTheSecondName()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            alerts:
              - name: Full
                when: disk_free() < 10%
              - name: Full
                when: disk_free() < 5%
            """);

        result.ShouldReportOnly(ErrorCodes.DuplicateName, 6, 11, "alert name 'Full' is already used by alerts[0] (line 4); alert names are unique");
    }

    // ---- secrets ------------------------------------------------------------------------------------

    [Fact]
    public void AnUndeclaredSecretInAServiceEnvironment_IsReportedAtTheReference()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: x
                env:
                  DB: "postgres://u:${secret:DB_PASSWRD}@h/db"
            secrets:
              DB_PASSWORD: {}
            """);

        result.ShouldReportOnly(ErrorCodes.UndeclaredSecret, 7, 25,
            "${secret:DB_PASSWRD} in services.web.env.DB names a secret not declared in the secrets section; did you mean 'DB_PASSWORD'? known secrets: DB_PASSWORD");
    }

    [Fact]
    public void AnUndeclaredSecretInAWebhookUrl_IsReportedAtTheReference()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            notifications:
              oncall: { webhook: "https://hooks.example/${secret:HOOK}" }
            """);

        result.ShouldReportOnly(ErrorCodes.UndeclaredSecret, 4, 45, "${secret:HOOK} in notifications.oncall.webhook names a secret not declared in the secrets section; no secrets are declared");
    }

    [Fact]
    public void AnUndeclaredSecretInAJobSecretsList_IsReportedAtTheItem()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            pipeline:
              jobs:
                build:
                  run: make
                  secrets: [DB_PASSWORD, NUGET_KEY]
            secrets:
              DB_PASSWORD:
            """);

        result.ShouldReportOnly(ErrorCodes.UndeclaredSecret, 7, 30, "job 'build' uses secret 'NUGET_KEY', which is not declared in the secrets section; known secrets: DB_PASSWORD");
    }

    [Fact]
    public void AnUndeclaredSecretInAJobScript_IsReportedAtTheReference()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            pipeline:
              jobs:
                deploy:
                  run: |
                    echo deploying
                    curl -u ${secret:TOKEN} https://example.com
            """);

        result.ShouldReport(ErrorCodes.UndeclaredSecret, 8, 17, "${secret:TOKEN} in pipeline.jobs.deploy.run");
    }

    [Fact]
    public void AnUndeclaredSecretInASecretAgeAlert_IsReportedAtTheArgument()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            alerts:
              - name: Old
                when: secret_age(API_KEY) > 30d
            """);

        result.ShouldReportOnly(ErrorCodes.UndeclaredSecret, 5, 22, "alert 'Old' uses secret 'API_KEY', which is not declared");
    }

    // ---- routes -------------------------------------------------------------------------------------

    [Fact]
    public void TwoServicesOnTheSameHostAndPath_AreReportedAtTheSecondHost()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: x
                route: { host: a.localhost }
              api:
                run: y
                route:
                  host: a.localhost
            """);

        result.ShouldReportOnly(ErrorCodes.DuplicateRoute, 10, 13, "service 'api' routes a.localhost/, which service 'web' already routes (line 6)");
    }

    [Fact]
    public void TwoServicesOnTheSameHostWithDifferentPaths_AreFine()
    {
        Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: x
                route: { host: a.localhost }
              api:
                run: y
                route: { host: a.localhost, path: /api }
            """).ShouldBeClean();
    }

    // ---- backups ------------------------------------------------------------------------------------

    [Fact]
    public void ABackupScheduleRarerThanItsRpo_IsAWarning_AndTheManifestStillLoads()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: x
            backups:
              db:
                sqlite: app.db
                schedule: "0 3 * * *"
                rpo: 1h
            """);

        result.Manifest.ShouldNotBeNull(Diagnosed.Listing(result));
        var warning = result.Diagnostics.ShouldHaveSingleItem();
        warning.Severity.ShouldBe(DiagnosticSeverity.Warning);
        (warning.Code, warning.Line, warning.Column).ShouldBe((ErrorCodes.BackupMissesRpo, 9, 15));
        warning.Message.ShouldBe("backup 'db' runs as rarely as every 1d ('0 3 * * *') but its rpo is 1h; a restore could lose up to 1d of data");
        result.Warnings.ShouldHaveSingleItem();
        result.Errors.ShouldBeEmpty();
        warning.ToString().ShouldBe("capstan.yaml:9:15: warning CAP036 " + warning.Message);
    }

    [Fact]
    public void ABackupScheduleFiringOnlyOnLeapDays_MissesAnHourlyRpo()
    {
        // Bug: LongestGap is 0 when the first firing falls after its one-year window, so no warning is given.
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: x
            backups:
              db:
                sqlite: app.db
                schedule: "0 0 29 2 *"
                rpo: 1h
            """);

        result.Manifest.ShouldNotBeNull(Diagnosed.Listing(result));
        var warning = result.Diagnostics.ShouldHaveSingleItem(Diagnosed.Listing(result));
        (warning.Code, warning.Line, warning.Column, warning.Severity).ShouldBe((ErrorCodes.BackupMissesRpo, 9, 15, DiagnosticSeverity.Warning));
    }

    [Fact]
    public void ABackupNamingAnUnknownService_SuggestsTheService()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: x
            backups:
              db:
                service: wbe
                sqlite: app.db
                schedule: "0 * * * *"
            """);

        result.ShouldReportOnly(ErrorCodes.UnknownService, 8, 14, "backup 'db' names unknown service 'wbe'; did you mean 'web'?");
    }

    [Fact]
    public void AMissingRunbook_IsAWarningWhenTheManifestHasAFolder()
    {
        using var folder = new TempDirectory();
        var file = folder.Write("capstan.yaml", """
            version: 1
            app: hello
            alerts:
              - name: Full
                when: disk_free() < 10%
                runbook: docs/full.md
            """);

        var result = ManifestLoader.Load(file, "capstan.yaml");

        result.Manifest.ShouldNotBeNull(Diagnosed.Listing(result));
        var warning = result.Diagnostics.ShouldHaveSingleItem();
        (warning.Code, warning.Line, warning.Column, warning.Severity).ShouldBe((ErrorCodes.MissingFile, 6, 14, DiagnosticSeverity.Warning));
        warning.Message.ShouldContain("runbook 'docs/full.md' of alert 'Full' does not exist", Case.Sensitive);

        folder.Write("docs/full.md", "# Disk full\n");
        ManifestLoader.Load(file).Diagnostics.ShouldBeEmpty();
    }
}
