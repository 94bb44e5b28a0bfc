namespace Capstan.Manifest.Tests.Errors;

/// <summary>Durations, percentages, sizes, cron expressions and ${...} references that do not parse, located at the bad character.</summary>
public sealed class ValueErrorTests
{
    [Fact]
    public void ADurationWithAnUnknownUnit_PointsAtTheUnit()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            pipeline:
              jobs:
                build:
                  run: make
                  timeout: 10x
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidDuration, 7, 18, "pipeline.jobs.build.timeout: 'x' in '10x' is not a duration unit; use ms, s, m, h, d or w");
    }

    [Fact]
    public void ADurationWithAnUnknownUnitInsideQuotes_PointsAtTheUnit()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            pipeline:
              jobs:
                build:
                  run: make
                  timeout: "1h30q"
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidDuration, 7, 21, "'q' in '1h30q' is not a duration unit");
    }

    [Fact]
    public void ADurationWithoutUnit_SaysWhichUnitsToAdd()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: x
                grace_period: 10
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidDuration, 6, 19, "services.web.grace_period: '10' has no unit; write 10s, 10m or 10h");
    }

    [Fact]
    public void ANegativeDuration_IsRefused()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            alerts:
              - name: Down
                when: disk_free() < 10%
                for: -5m
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidDuration, 6, 10, "alerts[0].for: '-5m' is negative; durations are zero or more");
    }

    [Fact]
    public void ADurationBeyondTheLongestAccepted_IsRefused()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            secrets:
              API_KEY: { rotate: 10001d }
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidDuration, 4, 22, "secrets.API_KEY.rotate: '10001d' is longer than the longest duration accepted (10000 days)");
    }

    [Fact]
    public void AnAbsurdlyLongDuration_IsRefusedInsteadOfCrashingTheLoader()
    {
        // Bug: OverflowException escapes ManifestLoader.Parse.
        var result = Should.NotThrow(() => Diagnosed.Parse("""
            version: 1
            app: hello
            pipeline:
              jobs:
                build:
                  run: make
                  timeout: 10000000000000000000000000000d
            """));

        result.ShouldReportOnly(ErrorCodes.InvalidDuration, 7, 16, "longer than the longest duration accepted");
    }

    [Fact]
    public void AZeroDurationWhereOneMustBePositive_IsOutOfRange()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: x
                health: { interval: 0s }
            """);

        result.ShouldReportOnly(ErrorCodes.OutOfRange, 6, 25, "services.web.health.interval is 0s; expected at least 1ms");
    }

    [Fact]
    public void APercentageWrittenAsAFraction_SuggestsBothReadings()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: x
                scale:
                  cpu: 0.05
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidPercentage, 7, 12, "services.web.scale.cpu: '0.05' has no % sign; write 0.05% (or 5% if you meant a fraction)");
    }

    [Fact]
    public void ANegativeCanaryStep_IsRefused()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            environments:
              production:
                strategy:
                  abort_if: { error_rate: -1% }
                  canary: [10%, 100%]
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidPercentage, 6, 31, "environments.production.strategy.abort_if.error_rate: '-1%' is negative");
    }

    [Fact]
    public void AMemorySizeInMB_SaysItIsAmbiguous_AtTheUnit()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: x
                resources:
                  memory: 512MB
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidSize, 7, 18, "services.web.resources.memory: '512MB' is ambiguous; write 512Mi for binary units (512MiB) or 512M for decimal ones");
    }

    [Fact]
    public void AMemorySizeThatIsNotWholeBytes_IsRefused()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: x
                resources: { memory: 0.5 }
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidSize, 6, 26, "'0.5' is not a whole number of bytes");
    }

    [Fact]
    public void AnEnormousMemorySize_IsRefusedInsteadOfCrashingTheLoader()
    {
        // Bug: OverflowException escapes ManifestLoader.Parse.
        var result = Should.NotThrow(() => Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: x
                resources: { memory: 10000000000000000000000000000Ti }
            """));

        result.ShouldReportOnly(ErrorCodes.InvalidSize, 6, 26, "is too large");
    }

    [Fact]
    public void ACronHourOutOfRangeInsideQuotes_PointsAtTheHourField()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            backups:
              db:
                sqlite: /var/lib/hello/app.db
                schedule: "0 25 * * *"
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidCron, 6, 18, "backups.db.schedule: '25' is not a valid hour; expected 0-23");
    }

    [Fact]
    public void ACronMonthOutOfRangeInAPlainValue_PointsAtTheMonthField()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            backups:
              db:
                sqlite: /var/lib/hello/app.db
                schedule: 0 0 * 13 *
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidCron, 6, 21, "'13' is not a valid month; expected 1-12 or jan-dec");
    }

    [Fact]
    public void ACronExpressionWithSixFields_PointsAtTheExtraField()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            backups:
              db:
                sqlite: /var/lib/hello/app.db
                schedule: "0 0 3 * * *"
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidCron, 6, 26, "'0 0 3 * * *' has 6 fields; expected 5");
    }

    [Fact]
    public void ACronExpressionThatNeverFires_IsRefused()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            backups:
              db:
                sqlite: /var/lib/hello/app.db
                schedule: "0 0 30 2 *"
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidCron, 6, 15, "backups.db.schedule: '0 0 30 2 *' never fires (no such date)");
    }

    [Fact]
    public void AnUnknownSeverity_ListsTheChoices()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            alerts:
              - name: Full
                when: disk_free() < 10%
                severity: page
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidChoice, 6, 15, "alerts[0].severity: 'page' is not one of critical, warning, info");
    }

    // ---- ${...} references --------------------------------------------------------------------------

    [Fact]
    public void AReferenceNeverClosed_PointsAtItsDollar()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: x
                env:
                  B: "abc ${FOO"
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidReference, 7, 15, "services.web.env.B: '${' is never closed by '}'");
    }

    [Fact]
    public void ASecretReferenceWithoutName_PointsAtItsDollar()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: x
                env:
                  A: "x ${secret:} y"
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidReference, 7, 13, "services.web.env.A: '${secret:}' names nothing; write ${secret:NAME}");
    }

    [Fact]
    public void AReferenceOfAnUnknownKind_SaysWhichKindsExist()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: x
                env:
                  C: ${env:HOME}
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidReference, 7, 10,
            "'${env:HOME}' is not a reference Capstan knows; write ${secret:NAME} for a secret or ${NAME} for a variable ('env:' is not a reference kind)");
    }

    [Fact]
    public void AReferenceToAnInvalidVariableName_StatesTheNamingRule()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: serve --port ${1PORT}
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidReference, 5, 23, "'1PORT' in '${1PORT}' is not a valid variable name");
    }

    [Fact]
    public void ASecretReferenceNeverClosedInAJobScript_PointsAtItsDollar()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            pipeline:
              jobs:
                deploy:
                  run: curl -u ${secret:TOKEN https://x
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidReference, 6, 20, "pipeline.jobs.deploy.run: '${' is never closed by '}'");
    }

    [Fact]
    public void DoubleDollarAndShellVariables_AreNotReferenceErrors()
    {
        Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: serve --price '$$5' --home "$HOME" --port ${PORT}
            pipeline:
              jobs:
                build:
                  run: echo ${HOME} $USER ${PATH:-/bin} $$
            """).ShouldBeClean();
    }

    [Fact]
    public void AnAlertConditionWithAWrongUnit_PointsAtTheThreshold()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: x
            alerts:
              - name: Slow
                when: "latency_p95(web) > 1%"
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidAlertCondition, 8, 31, "alerts[0].when: latency_p95 is compared with a duration, not a percentage ('1%')");
    }

    [Fact]
    public void AnAlertConditionWithAMisspeltFunction_SuggestsTheFunction()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: x
            alerts:
              - name: Errors
                when: "eror_rate(web) > 1%"
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidAlertCondition, 8, 12, "alerts[0].when: 'eror_rate' is not an alert function; did you mean 'error_rate'?");
    }

    [Fact]
    public void AnAlertConditionWithAnUnknownFunction_ListsTheFunctions()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: x
            alerts:
              - name: Odd
                when: foo_bar(web) > 1
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidAlertCondition, 8, 11, "'foo_bar' is not an alert function; known: error_rate, latency_p50");
    }

    [Fact]
    public void AnAlertThresholdTooLargeForDecimalArithmetic_IsRefusedInsteadOfCrashingTheLoader()
    {
        // Bug: the threshold goes through Duration.TryParse, whose OverflowException escapes ManifestLoader.Parse.
        var result = Should.NotThrow(() => Diagnosed.Parse("""
            version: 1
            app: hello
            services:
              web:
                run: x
            alerts:
              - name: Slow
                when: "latency_p95(web) > 10000000000000000000000000000w"
            """));

        result.ShouldReportOnly(ErrorCodes.InvalidAlertCondition, 8, 31);
    }
}
