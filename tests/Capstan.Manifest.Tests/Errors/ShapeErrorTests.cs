namespace Capstan.Manifest.Tests.Errors;

/// <summary>Keys and values that do not fit the shape of capstan.yaml: unknown keys, wrong types, missing values, conflicts, names.</summary>
public sealed class ShapeErrorTests
{
    // ---- unknown keys -------------------------------------------------------------------------------

    [Fact]
    public void AMisspeltTopLevelKey_SuggestsTheKeyMeant()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            servces: {}
            """);

        result.ShouldReportOnly(ErrorCodes.UnknownKey, 3, 1, "unknown key 'servces' at the top level; did you mean 'services'?");
    }

    [Fact]
    public void AMisspeltJobKey_SuggestsTheKeyMeant()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            pipeline:
              jobs:
                build:
                  run: make
                  neds: [x]
            """);

        result.ShouldReportOnly(ErrorCodes.UnknownKey, 7, 7, "unknown key 'neds' in pipeline.jobs.build; did you mean 'needs'?");
    }

    [Fact]
    public void AMisspeltServiceKey_SuggestsTheKeyMeant()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: x
                replica: 2
            """);

        result.ShouldReportOnly(ErrorCodes.UnknownKey, 6, 5, "unknown key 'replica' in services.web; did you mean 'replicas'?");
    }

    [Fact]
    public void AMisspeltNestedKey_NamesItsFullPath()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: x
                health:
                  readines: /ready
            """);

        result.ShouldReportOnly(ErrorCodes.UnknownKey, 7, 7, "unknown key 'readines' in services.web.health; did you mean 'readiness'?");
    }

    [Fact]
    public void AMisspeltKeyInAnAlert_NamesTheAlertByIndex()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: x
            alerts:
              - name: Down
                when: up(web) < 1
                severty: critical
            """);

        result.ShouldReportOnly(ErrorCodes.UnknownKey, 9, 5, "unknown key 'severty' in alerts[0]; did you mean 'severity'?");
    }

    [Fact]
    public void AnUnknownKeyWithNoCloseMatch_ListsTheExpectedKeys()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: x
                route:
                  zzzzzz: 1
                  host: a.localhost
            """);

        result.ShouldReportOnly(ErrorCodes.UnknownKey, 7, 7, "unknown key 'zzzzzz' in services.web.route; expected one of: host, path");
    }

    [Fact]
    public void AnUnknownTopLevelKeyWithNoCloseMatch_ListsEverySection()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            deployments: {}
            """);

        result.ShouldReportOnly(ErrorCodes.UnknownKey, 3, 1,
            "expected one of: version, app, services, pipeline, environments, alerts, notifications, routing, oncall, backups, secrets");
    }

    [Fact]
    public void AKeyUnderAStrategyWithoutSettings_SaysItTakesNone()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            environments:
              production:
                strategy:
                  recreate: { wait: 5s }
            """);

        result.ShouldReportOnly(ErrorCodes.UnknownKey, 6, 19, "unknown key 'wait' in environments.production.strategy.recreate, which takes no settings");
    }

    // ---- wrong types --------------------------------------------------------------------------------

    [Fact]
    public void AListWhereAMappingIsExpected_SaysWhatIsExpected()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              - web
            """);

        result.ShouldReportOnly(ErrorCodes.WrongType, 4, 3, "services must be a mapping of service names to services, not a list");
    }

    [Fact]
    public void AMappingWhereTextIsExpected_SaysWhatIsExpected()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app:
              name: hello
            """);

        result.ShouldReportOnly(ErrorCodes.WrongType, 3, 3, "app must be an application name", "not a mapping");
    }

    [Fact]
    public void TextWhereAWholeNumberIsExpected_SaysWhatIsExpected()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: x
                replicas: two
            """);

        result.ShouldReportOnly(ErrorCodes.WrongType, 6, 15, "services.web.replicas must be a whole number from 0 to 1000, not text 'two'");
    }

    [Fact]
    public void AQuotedNumber_SaysToRemoveTheQuotes()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: x
                resources: { cpu: "0.5" }
            """);

        result.ShouldReportOnly(ErrorCodes.WrongType, 6, 23, "services.web.resources.cpu must be a number from 0.01 to 256, not quoted text; remove the quotes");
    }

    [Theory]
    [InlineData("yes")]
    [InlineData("no")]
    [InlineData("on")]
    [InlineData("Off")]
    public void YesNoOnOffForABoolean_SaysYaml12ReadsThemAsText(string word)
    {
        var result = Diagnosed.Parse($"""
            version: 1
            app: hello
            pipeline:
              jobs:
                build:
                  run: make
                  continue_on_error: {word}
            """);

        result.ShouldReportOnly(ErrorCodes.WrongType, 7, 26,
            $"pipeline.jobs.build.continue_on_error must be true or false, not text '{word}'; YAML 1.2 reads '{word}' as text, write true or false");
    }

    [Fact]
    public void AListWhereTextIsExpected_SaysWhatIsExpected()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            pipeline:
              jobs:
                build:
                  run: [make, test]
            """);

        result.ShouldReportOnly(ErrorCodes.WrongType, 6, 12, "pipeline.jobs.build.run must be a shell script, not a list");
    }

    [Fact]
    public void AMappingInAListOfNames_IsReportedAtTheItem()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            pipeline:
              jobs:
                lint:
                  run: a
                build:
                  run: make
                  needs:
                    - lint
                    - { job: lint }
            """);

        result.ShouldReportOnly(ErrorCodes.WrongType, 11, 11, "pipeline.jobs.build.needs[1] must be a name", "not a mapping");
    }

    // ---- missing and empty values -------------------------------------------------------------------

    [Fact]
    public void AnEmptyAppName_IsReportedAtTheKey()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app:
            """);

        result.ShouldReportOnly(ErrorCodes.MissingValue, 2, 1, "'app' at the top level is empty; expected an application name");
    }

    [Fact]
    public void AnEmptyQuotedRunScript_IsReportedAtTheValue()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            pipeline:
              jobs:
                build:
                  run: ""
            """);

        result.ShouldReportOnly(ErrorCodes.MissingValue, 6, 12, "pipeline.jobs.build.run is empty; expected a shell script");
    }

    [Fact]
    public void AMissingAppName_IsReportedAtTheStartOfTheFile()
    {
        var result = Diagnosed.Parse("""
            version: 1
            services: {}
            """);

        result.ShouldReportOnly(ErrorCodes.MissingValue, 1, 1, "missing key 'app' at the top level; expected an application name");
    }

    [Fact]
    public void AMissingVersion_SaysWhichVersionToWrite()
    {
        var result = Diagnosed.Parse("app: hello\n");

        result.ShouldReportOnly(ErrorCodes.MissingValue, 1, 1, "missing key 'version' at the top level; expected the number 1");
    }

    [Fact]
    public void AServiceWithoutRun_IsReportedAtTheService()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                replicas: 2
            """);

        result.ShouldReportOnly(ErrorCodes.MissingValue, 5, 5, "missing key 'run' in services.web; expected text");
    }

    [Fact]
    public void ARouteWithoutHost_IsReportedAtTheRoute()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: x
                route:
                  path: /api
            """);

        result.ShouldReportOnly(ErrorCodes.MissingValue, 7, 7, "missing key 'host' in services.web.route; expected a host name like shop.localhost");
    }

    [Fact]
    public void ABackupWithoutSchedule_SaysWhatAScheduleLooksLike()
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
            """);

        result.ShouldReportOnly(ErrorCodes.MissingValue, 8, 5, "missing key 'schedule' in backups.db; expected a 5-field cron expression");
    }

    [Fact]
    public void AnEmptyCanaryStepList_IsReported()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            environments:
              production:
                strategy:
                  canary: []
            """);

        result.ShouldReportOnly(ErrorCodes.MissingValue, 6, 15, "environments.production.strategy.canary has 0 items; expected at least 1");
    }

    // ---- versions -----------------------------------------------------------------------------------

    [Fact]
    public void ANewerVersion_IsReportedAlone_WithAnUpgradeHint()
    {
        var result = Diagnosed.Parse("""
            version: 2
            app: hello
            bogus: 1
            """);

        result.ShouldReportOnly(ErrorCodes.UnsupportedVersion, 1, 10, "version 2 is not supported; this Capstan reads version 1 (upgrade Capstan to read newer manifests)");
    }

    [Fact]
    public void VersionZero_IsNotSupported_WithoutAnUpgradeHint()
    {
        var result = Diagnosed.Parse("""
            version: 0
            app: hello
            """);

        var diagnostic = result.ShouldReportOnly(ErrorCodes.UnsupportedVersion, 1, 10, "version 0 is not supported; this Capstan reads version 1");
        diagnostic.Message.ShouldNotContain("upgrade");
    }

    [Fact]
    public void AQuotedVersion_SaysToRemoveTheQuotes()
    {
        var result = Diagnosed.Parse("""
            version: "1"
            app: hello
            """);

        result.ShouldReportOnly(ErrorCodes.WrongType, 1, 10, "version must be the number 1, not quoted text; remove the quotes");
    }

    [Fact]
    public void AVersionWrittenAsAWord_SaysANumberIsExpected()
    {
        var result = Diagnosed.Parse("""
            version: one
            app: hello
            """);

        result.ShouldReportOnly(ErrorCodes.WrongType, 1, 10, "version must be the number 1, not text 'one'");
    }

    // ---- keys that exclude each other ---------------------------------------------------------------

    [Fact]
    public void ReplicasTogetherWithScale_IsReportedAtTheSecond()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: x
                replicas: 2
                scale: { min: 1, max: 3 }
            """);

        result.ShouldReportOnly(ErrorCodes.ConflictingKeys, 7, 5, "services.web has both 'replicas' and 'scale'; give at most one of them");
    }

    [Fact]
    public void AJobWithBothRunAndSteps_IsReportedAtTheSecond()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            pipeline:
              jobs:
                build:
                  run: make
                  steps:
                    - run: make test
            """);

        result.ShouldReportOnly(ErrorCodes.ConflictingKeys, 7, 7, "pipeline.jobs.build has both 'run' and 'steps'; give only one of 'run' or 'steps'");
    }

    [Fact]
    public void AJobWithStepsWrittenBeforeRun_IsReportedAtTheOneWrittenSecond()
    {
        // Bug: the position follows the schema's order of the keys, not the file's: it points at 'steps' (line 6).
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            pipeline:
              jobs:
                build:
                  steps:
                    - run: make test
                  run: make
            """);

        result.ShouldReportOnly(ErrorCodes.ConflictingKeys, 8, 7, "has both");
    }

    [Fact]
    public void AJobWithNeitherRunNorSteps_IsReportedAtTheJob()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            pipeline:
              jobs:
                build:
                  timeout: 5m
            """);

        result.ShouldReportOnly(ErrorCodes.ConflictingKeys, 6, 7, "pipeline.jobs.build needs one of 'run' or 'steps'");
    }

    [Fact]
    public void AStrategyMappingNamingTwoStrategies_IsReportedAtTheSecondWritten()
    {
        // Bug: the position and the message follow the schema's order (rolling before canary), not the file's:
        // it points at 'canary' on line 6, the first strategy written.
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            environments:
              production:
                strategy:
                  canary: [50%, 100%]
                  rolling: { max_surge: 2 }
            """);

        result.ShouldReportOnly(ErrorCodes.ConflictingKeys, 7, 7, "environments.production.strategy has both 'canary' and 'rolling'; give one strategy");
    }

    [Fact]
    public void PauseWithANonCanaryStrategy_SaysItAppliesToCanaryOnly()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            environments:
              production:
                strategy:
                  blue-green: { retention: 10m }
                  pause: 30s
            """);

        result.ShouldReportOnly(ErrorCodes.ConflictingKeys, 7, 7, "'pause' in environments.production.strategy applies to the canary strategy only");
    }

    [Fact]
    public void AStrategyMappingWithoutAStrategy_ListsTheStrategies()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            environments:
              production:
                strategy:
                  pause: 30s
            """);

        result.ShouldReportOnly(ErrorCodes.ConflictingKeys, 6, 7, "environments.production.strategy needs one of 'recreate', 'rolling', 'blue-green' or 'canary'");
    }

    [Fact]
    public void AnUnknownStrategyWord_SuggestsTheClosestStrategy()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            environments:
              production:
                strategy: bluegreen
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidChoice, 5, 15, "environments.production.strategy: 'bluegreen' is not one of recreate, rolling, blue-green, canary; did you mean 'blue-green'?");
    }

    [Fact]
    public void ANotificationChannelWithTwoKinds_IsReportedAtTheSecond()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            notifications:
              team:
                slack: https://hooks.example/x
                webhook: https://hooks.example/y
            """);

        result.ShouldReportOnly(ErrorCodes.ConflictingKeys, 6, 5, "notifications.team has both 'slack' and 'webhook'");
    }

    // ---- names and paths ----------------------------------------------------------------------------

    [Fact]
    public void AnUppercaseJobName_StatesTheNamingRule()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            pipeline:
              jobs:
                Build:
                  run: make
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidName, 5, 5,
            "'Build' in pipeline.jobs is not a valid name; names start with a lowercase letter and hold lowercase letters, digits, '-' and '_' (at most 63)");
    }

    [Fact]
    public void AnAppNameWithAnUnderscore_StatesTheNamingRule()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello_world
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidName, 2, 6, "app: 'hello_world' is not an application name (lowercase letters, digits and '-', starting with a letter, at most 63)");
    }

    [Fact]
    public void ASecretNameWithADash_StatesTheNamingRule()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            secrets:
              db-password: {}
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidName, 4, 3, "'db-password' in secrets is not a valid name; variable names hold letters, digits and '_'");
    }

    [Fact]
    public void AnArtifactPathClimbingOutOfTheProject_IsRefused()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            pipeline:
              jobs:
                build:
                  run: make
                  artifact: ../x
            """);

        result.ShouldReportOnly(ErrorCodes.PathEscapes, 7, 17, "pipeline.jobs.build.artifact: '../x' leaves the project folder");
    }

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("~/out")]
    [InlineData("out/../../x")]
    public void AWorkingDirectoryOutsideTheProject_IsRefused(string path)
    {
        var result = Diagnosed.Parse($"""
            version: 1
            app: hello
            pipeline:
              jobs:
                build:
                  run: make
                  working_directory: "{path}"
            """);

        result.ShouldReportOnly(ErrorCodes.PathEscapes, 7, 26, $"'{path}' leaves the project folder");
    }

    [Fact]
    public void APathThatGoesDownThenUpInsideTheProject_IsFine()
    {
        Diagnosed.Parse("""
            version: 1
            app: hello
            pipeline:
              jobs:
                build:
                  run: make
                  artifact: out/../dist/./app
            """).ShouldBeClean();
    }

    [Fact]
    public void AHealthPathWithoutLeadingSlash_SaysWhatAPathLooksLike()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: x
                health: { readiness: ready }
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidFormat, 6, 26, "services.web.health.readiness: 'ready' is not a URL path: '/' then letters, digits and");
    }

    // ---- numbers out of range -----------------------------------------------------------------------

    [Fact]
    public void ScaleMinAboveMax_IsReportedAtMax()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: x
                scale:
                  min: 5
                  max: 2
            """);

        result.ShouldReportOnly(ErrorCodes.OutOfRange, 8, 12, "services.web.scale.max is 2, below min 5");
    }

    [Fact]
    public void ANumberAboveItsMaximum_SaysTheRange()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            pipeline:
              jobs:
                build:
                  run: make
                  retry: { attempts: 11 }
            """);

        result.ShouldReportOnly(ErrorCodes.OutOfRange, 7, 26, "pipeline.jobs.build.retry.attempts is 11; expected a whole number from 1 to 10");
    }

    [Fact]
    public void AStepOfPercentBeyond100_IsOutOfRange()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            environments:
              production:
                strategy:
                  canary: [50%, 150%]
            """);

        result.ShouldReport(ErrorCodes.OutOfRange, 6, 21, "environments.production.strategy.canary[1] is 150%; expected more than 0% to 100%");
    }

    [Fact]
    public void AReservedVariableInAServiceEnvironment_IsRefusedAtItsName()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: x
                env:
                  PORT: "8080"
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidName, 7, 7, "PORT in services.web.env is set by Capstan itself");
    }
}
