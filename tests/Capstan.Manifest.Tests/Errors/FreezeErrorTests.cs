namespace Capstan.Manifest.Tests.Errors;

/// <summary>Freeze windows that do not parse or make no span: each reported at the character at fault.</summary>
public sealed class FreezeErrorTests
{
    private static ManifestLoadResult Parse(string items) => Diagnosed.Parse($"""
        version: 1
        app: hello
        environments:
          production:
            freeze:
        {items}
        """);

    // ---- days, dates and times ------------------------------------------------------------------

    [Fact]
    public void AMisspeltDay_InTheMappingForm_PointsAtTheDay_AndSuggests()
    {
        var result = Parse("""
                  - { from: Fry 16:00, to: Mon 08:00 }
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidFreezeWindow, 6, 17,
            "environments.production.freeze[0].from: 'Fry' is not a day of the week; write Mon, Tue, Wed, Thu, Fri, Sat or Sun (or the full name); did you mean 'Fri'?");
    }

    [Fact]
    public void AMisspeltDay_InTheShortForm_PointsAtTheDayInsideTheString()
    {
        var result = Parse("""
                  - "Fri 16:00 - Mnday 08:00 Europe/Berlin"
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidFreezeWindow, 6, 22,
            "environments.production.freeze[0]: 'Mnday' is not a day of the week", "did you mean 'Monday'?");
    }

    [Theory]
    [InlineData("Thurs", "Thu")]
    [InlineData("Tues", "Tue")]
    [InlineData("satday", "Sat")]
    [InlineData("sundy", "Sun")]
    [InlineData("Fiday", "Friday")]
    public void ADayWrittenAnotherWay_SuggestsTheAcceptedName(string written, string suggested)
    {
        var result = Parse($"      - {{ from: {written} 16:00, to: Mon 08:00 }}");

        result.ShouldReportOnly(ErrorCodes.InvalidFreezeWindow, 6, 17, $"'{written}' is not a day of the week", $"did you mean '{suggested}'?");
    }

    [Fact]
    public void ANameThatIsNoDayAtAll_ListsTheDays()
    {
        var result = Parse("""
                  - { from: weekend 16:00, to: Mon 08:00 }
            """);

        var diagnostic = result.ShouldReportOnly(ErrorCodes.InvalidFreezeWindow, 6, 17, "'weekend' is not a day of the week; write Mon, Tue, Wed, Thu, Fri, Sat or Sun (or the full name)");
        diagnostic.Message.ShouldNotContain("did you mean");
    }

    [Theory]
    [InlineData("25:00", "'25:00' is not a time of day: hours go from 00 to 23")]
    [InlineData("24:00", "'24:00' is not a time of day: write 00:00 of the next day")]
    [InlineData("16:60", "'16:60' is not a time of day: minutes go from 00 to 59")]
    [InlineData("4pm", "'4pm' is not a time of day; write 24-hour HH:MM, like 16:00")]
    [InlineData("16:00:00", "'16:00:00' is not a time of day; write 24-hour HH:MM, like 16:00")]
    [InlineData("16.00", "'16.00' is not a time of day")]
    [InlineData("16:0", "'16:0' is not a time of day")]
    [InlineData("123:00", "'123:00' is not a time of day")]
    [InlineData(":30", "':30' is not a time of day")]
    [InlineData("-1:00", "'-1:00' is not a time of day")]
    public void ABadTime_PointsAtTheTime(string time, string message)
    {
        var result = Parse($"      - {{ from: Fri {time}, to: Mon 08:00 }}");

        result.ShouldReportOnly(ErrorCodes.InvalidFreezeWindow, 6, 21, $"environments.production.freeze[0].from: {message}");
    }

    [Fact]
    public void ABadTime_InTheShortForm_PointsAtTheTimeInsideTheString()
    {
        var result = Parse("""
                  - "Fri 16:00 - Mon 25:00 Europe/Berlin"
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidFreezeWindow, 6, 26, "environments.production.freeze[0]: '25:00' is not a time of day: hours go from 00 to 23");
    }

    [Theory]
    [InlineData("2026-02-30", "'2026-02-30' is not a date: 2026-02 has 28 days")]
    [InlineData("2028-02-30", "'2028-02-30' is not a date: 2028-02 has 29 days")]
    [InlineData("2026-13-01", "'2026-13-01' is not a date: months go from 01 to 12")]
    [InlineData("2026-00-10", "'2026-00-10' is not a date: months go from 01 to 12")]
    [InlineData("2026-12-00", "'2026-12-00' is not a date: 2026-12 has 31 days")]
    [InlineData("1969-12-31", "'1969-12-31' is not a date: years go from 1970 to 9998")]
    [InlineData("9999-01-01", "'9999-01-01' is not a date: years go from 1970 to 9998")]
    [InlineData("2026-1-5", "'2026-1-5' is not a date; write YYYY-MM-DD, like 2026-12-24")]
    [InlineData("24.12.2026", "'24.12.2026' is not a date; write YYYY-MM-DD, like 2026-12-24")]
    [InlineData("20261224", "'20261224' is not a date; write YYYY-MM-DD, like 2026-12-24")]
    public void ABadDate_PointsAtTheDate(string date, string message)
    {
        var result = Parse($"      - {{ from: {date} 00:00, to: 2026-12-27 00:00 }}");

        result.ShouldReportOnly(ErrorCodes.InvalidFreezeWindow, 6, 17, $"environments.production.freeze[0].from: {message}");
    }

    [Theory]
    [InlineData("Fri", 20, "'Fri' has no time of day; write it like 'Fri 16:00'")]
    [InlineData("2026-12-24", 27, "'2026-12-24' has no time of day; write it like '2026-12-24 00:00'")]
    [InlineData("16:00", 17, "'16:00' has no day; write a weekday or a date before it, like 'Fri 16:00' or '2026-12-24 16:00'")]
    public void APointWithoutItsDayOrTime_SaysWhatIsMissing(string from, int column, string message)
    {
        var result = Parse($"      - {{ from: \"{from}\", to: Mon 08:00 }}");

        // Quoted: the column counts the opening quote.
        result.ShouldReportOnly(ErrorCodes.InvalidFreezeWindow, 6, column + 1, message);
    }

    [Fact]
    public void ATimeZoneInFrom_SaysItGoesInTimezone()
    {
        var result = Parse("""
                  - { from: Fri 16:00 Europe/Berlin, to: Mon 08:00 }
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidFreezeWindow, 6, 27, "the time zone 'Europe/Berlin' goes in 'timezone', not here");
    }

    [Fact]
    public void AWholeRangeInFrom_SaysToSplitIt()
    {
        var result = Parse("""
                  - from: Fri 16:00 - Mon 08:00
                    to: Mon 08:00
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidFreezeWindow, 6, 25, "write one point in time here");
    }

    [Fact]
    public void AnEmptyFromText_IsMissing()
    {
        var result = Parse("""
                  - { from: " ", to: Mon 08:00 }
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidFreezeWindow, 6, 18, "expected a weekday and time like \"Fri 16:00\", or a date and time like \"2026-12-24 00:00\", found nothing");
    }

    // ---- the short form ------------------------------------------------------------------------

    [Fact]
    public void AShortFormWithoutEnd_SaysHowToWriteOne()
    {
        var result = Parse("""
                  - "Fri 16:00"
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidFreezeWindow, 6, 19,
            "environments.production.freeze[0]: 'Fri 16:00' has no end; write START - END and a time zone, like \"Fri 16:00 - Mon 08:00 Europe/Berlin\"");
    }

    [Fact]
    public void AShortFormWithNothingBeforeOrAfterTheDash_SaysWhatIsMissing()
    {
        var result = Parse("""
                  - "- Mon 08:00"
                  - "Fri 16:00 -"
            """);

        result.ShouldReport(ErrorCodes.InvalidFreezeWindow, 6, 10, "nothing before '-'");
        result.ShouldReport(ErrorCodes.InvalidFreezeWindow, 7, 20, "nothing after '-'");
        result.Diagnostics.Count.ShouldBe(2, Diagnosed.Listing(result));
    }

    [Fact]
    public void AShortFormWithTheZoneFirst_SaysItComesLast()
    {
        var result = Parse("""
                  - "Fri 16:00 Europe/Berlin - Mon 08:00"
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidFreezeWindow, 6, 20, "the time zone 'Europe/Berlin' comes last, after the end: \"Fri 16:00 - Mon 08:00 Europe/Berlin\"");
    }

    [Fact]
    public void AShortFormWithWordsAfterTheZone_PointsAtTheFirstOne()
    {
        var result = Parse("""
                  - "Fri 16:00 - Mon 08:00 Europe/Berlin weekend"
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidFreezeWindow, 6, 46, "unexpected 'weekend' after the time zone 'Europe/Berlin'");
    }

    [Fact]
    public void AShortFormWithAnExtraWordBeforeTheDash_PointsAtIt()
    {
        var result = Parse("""
                  - "Fri 16:00 sharp - Mon 08:00"
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidFreezeWindow, 6, 20, "unexpected 'sharp' before '-'");
    }

    // ---- windows that make no span -------------------------------------------------------------

    [Fact]
    public void FromEqualToTo_IsReportedAtTo()
    {
        var result = Parse("""
                  - from: Fri 16:00
                    to: fri 16:00
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidFreezeWindow, 7, 13,
            "environments.production.freeze[0]: the window starts and ends at 'Fri 16:00'; write an end after the start");
    }

    [Fact]
    public void FromEqualToTo_InTheShortForm_PointsAtTheEnd()
    {
        var result = Parse("""
                  - "2026-12-24 00:00 - 2026-12-24 00:00"
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidFreezeWindow, 6, 29, "the window starts and ends at '2026-12-24 00:00'");
    }

    [Fact]
    public void ADatedWindowEndingBeforeItStarts_IsReportedAtTo()
    {
        var result = Parse("""
                  - { from: "2026-12-27 00:00", to: "2026-12-24 00:00", timezone: UTC }
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidFreezeWindow, 6, 42,
            "environments.production.freeze[0]: the window ends at '2026-12-24 00:00', before it starts at '2026-12-27 00:00'");
    }

    [Fact]
    public void ADatedWindowEndingBeforeItStarts_InTheShortForm_PointsAtTheEnd()
    {
        var result = Parse("""
                  - "2026-12-24 18:00 - 2026-12-24 08:00 Europe/Berlin"
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidFreezeWindow, 6, 29, "the window ends at '2026-12-24 08:00', before it starts at '2026-12-24 18:00'");
    }

    [Theory]
    [InlineData("Fri 16:00", "2026-12-27 00:00", "the window mixes a weekday ('Fri 16:00') and a date ('2026-12-27 00:00'); write both as weekdays (a window every week) or both as dates (a window once)")]
    [InlineData("2026-12-24 00:00", "Mon 08:00", "the window mixes a weekday ('Mon 08:00') and a date ('2026-12-24 00:00')")]
    public void MixingAWeekdayAndADate_IsReportedAtTo(string from, string to, string message)
    {
        var result = Parse($"""
                  - from: {from}
                    to: {to}
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidFreezeWindow, 7, 13, message);
    }

    [Fact]
    public void MixingAWeekdayAndADate_InTheShortForm_PointsAtTheEnd()
    {
        var result = Parse("""
                  - "Fri 16:00 - 2026-12-27 00:00"
            """);

        result.ShouldReportOnly(ErrorCodes.InvalidFreezeWindow, 6, 22, "the window mixes a weekday ('Fri 16:00') and a date ('2026-12-27 00:00')");
    }

    // ---- time zones ----------------------------------------------------------------------------

    [Fact]
    public void AMisspeltZone_PointsAtTheZone_AndSuggests()
    {
        var result = Parse("""
                  - { from: Fri 16:00, to: Mon 08:00, timezone: Europe/Berlinn }
            """);

        result.ShouldReportOnly(ErrorCodes.UnknownTimeZone, 6, 53,
            "environments.production.freeze[0].timezone: 'Europe/Berlinn' is not a time zone; did you mean 'Europe/Berlin'?");
    }

    [Fact]
    public void AMisspeltZone_InTheShortForm_PointsAtTheZoneInsideTheString()
    {
        var result = Parse("""
                  - "Fri 16:00 - Mon 08:00 Europe/Brelin"
            """);

        result.ShouldReportOnly(ErrorCodes.UnknownTimeZone, 6, 32,
            "environments.production.freeze[0]: 'Europe/Brelin' is not a time zone; did you mean 'Europe/Berlin'?");
    }

    [Theory]
    [InlineData("europe/berlin", "Europe/Berlin")] // ids are case-sensitive, as the files of the tz database are
    [InlineData("EUROPE/BERLIN", "Europe/Berlin")]
    [InlineData("utc", "UTC")]
    [InlineData("Berlin", "Europe/Berlin")]
    [InlineData("New York", "America/New_York")]
    [InlineData("new_york", "America/New_York")]
    public void AZoneIdWrittenLoosely_SuggestsTheExactId(string written, string suggested)
    {
        var result = Parse($"      - {{ from: Fri 16:00, to: Mon 08:00, timezone: \"{written}\" }}");

        result.ShouldReportOnly(ErrorCodes.UnknownTimeZone, 6, 54, $"'{written}' is not a time zone; did you mean '{suggested}'?");
    }

    [Theory]
    [InlineData("Nowhere/Atlantis")]
    [InlineData("Europe")]
    [InlineData("../../etc/passwd")]
    [InlineData("/usr/share/zoneinfo/UTC")]
    [InlineData("Local")]
    public void AnUnknownZone_SaysWhatToWrite(string zone)
    {
        var result = Parse($"      - {{ from: Fri 16:00, to: Mon 08:00, timezone: \"{zone}\" }}");

        var diagnostic = result.ShouldReportOnly(ErrorCodes.UnknownTimeZone, 6, 54, $"'{zone}' is not a time zone");
        diagnostic.Message.ShouldContain("an IANA time zone like Europe/Berlin or UTC");
    }

    [Fact]
    public void AWindowsZoneId_IsRefused_WithItsIanaId()
    {
        // .NET finds Windows ids through ICU; without ICU (the CLI is built invariant) they are simply unknown.
        var result = Parse("""
                  - { from: Fri 16:00, to: Mon 08:00, timezone: W. Europe Standard Time }
            """);

        var diagnostic = result.ShouldReportOnly(ErrorCodes.UnknownTimeZone, 6, 53, "environments.production.freeze[0].timezone: 'W. Europe Standard Time' is ");
        diagnostic.Message.ShouldContain(TimeZoneInfo.TryConvertWindowsIdToIanaId("W. Europe Standard Time", out _)
            ? "a Windows time zone id; write the IANA id 'Europe/Berlin'"
            : "not a time zone");
    }

    [Fact]
    public void AnEmptyQuotedZone_IsMissing()
    {
        var result = Parse("""
                  - { from: Fri 16:00, to: Mon 08:00, timezone: "" }
            """);

        result.ShouldReportOnly(ErrorCodes.MissingValue, 6, 53, "environments.production.freeze[0].timezone is empty; expected an IANA time zone like Europe/Berlin or UTC");
    }

    // ---- shapes ---------------------------------------------------------------------------------

    [Fact]
    public void AWindowWithoutTo_IsMissingIt()
    {
        var result = Parse("""
                  - { from: Fri 16:00, timezone: Europe/Berlin }
            """);

        result.ShouldReportOnly(ErrorCodes.MissingValue, 6, 9, "missing key 'to' in environments.production.freeze[0]");
    }

    [Fact]
    public void AMisspeltKey_GetsADidYouMean()
    {
        var result = Parse("""
                  - { form: Fri 16:00, to: Mon 08:00, zone: Europe/Berlin }
            """);

        result.ShouldReport(ErrorCodes.UnknownKey, 6, 11, "unknown key 'form' in environments.production.freeze[0]; did you mean 'from'?");
        result.ShouldReport(ErrorCodes.UnknownKey, 6, 43, "unknown key 'zone' in environments.production.freeze[0]; expected one of: from, to, timezone, reason");
        result.ShouldReport(ErrorCodes.MissingValue, 6, 9, "missing key 'from'");
        result.Diagnostics.Count.ShouldBe(3, Diagnosed.Listing(result));
    }

    [Fact]
    public void AnEmptyItem_IsMissing()
    {
        var result = Parse("""
                  -
                  - "Fri 16:00 - Mon 08:00"
            """);

        result.ShouldReportOnly(ErrorCodes.MissingValue, 6, 8, "environments.production.freeze[0] is empty; expected a freeze window like");
    }

    [Fact]
    public void FreezeWrittenAsOneWindowInsteadOfAList_IsAWrongType()
    {
        var result = Diagnosed.Parse("""
            version: 1
            app: hello
            environments:
              production:
                freeze: "Fri 16:00 - Mon 08:00"
            """);

        result.ShouldReportOnly(ErrorCodes.WrongType, 5, 13, "environments.production.freeze must be a list, each item a freeze window like");
    }

    [Fact]
    public void AListInsideTheList_IsAWrongType()
    {
        var result = Parse("""
                  - [Fri 16:00, Mon 08:00]
            """);

        result.ShouldReportOnly(ErrorCodes.WrongType, 6, 9, "environments.production.freeze[0] must be a freeze window like");
    }

    [Fact]
    public void EveryBadWindow_IsReportedInOnePass()
    {
        var result = Parse("""
                  - "Fri 16:00 - Mon 08:00 Europe/Berlin"
                  - { from: Fry 16:00, to: Mon 08:00, timezone: Mars/Olympus }
                  - "2026-12-27 00:00 - 2026-12-24 00:00"
                  - { from: Fri 16:00, to: Mon 08:61 }
            """);

        result.ShouldReport(ErrorCodes.InvalidFreezeWindow, 7, 17, "'Fry' is not a day");
        result.ShouldReport(ErrorCodes.UnknownTimeZone, 7, 53, "'Mars/Olympus' is not a time zone");
        result.ShouldReport(ErrorCodes.InvalidFreezeWindow, 8, 29, "ends at '2026-12-24 00:00', before it starts");
        result.ShouldReport(ErrorCodes.InvalidFreezeWindow, 9, 36, "'08:61' is not a time of day");
        result.Diagnostics.Count.ShouldBe(4, Diagnosed.Listing(result));
    }

    [Fact]
    public void RandomWindowText_NeverCrashes_AndIsEitherAWindowOrOneLocatedError()
    {
        string[] pieces =
        [
            "Fri", "mon", "SUNDAY", "Fry", "16:00", "8:00", "24:00", "25:61", "0:0", "2026-12-24", "2026-02-30", "0000-00-00",
            "-", "–", "--", "16:00-Mon", "Europe/Berlin", "UTC", "Mars/Olympus", "..", "/", ":", "", " ", "\u00e9", "9999-12-31", "1970-01-01",
        ];
        var random = new Random(20_261_122);
        for (var i = 0; i < 2_000; i++)
        {
            var text = string.Join(random.Next(4) == 0 ? "" : " ", Enumerable.Range(0, random.Next(1, 8)).Select(_ => pieces[random.Next(pieces.Length)]));
            var result = Should.NotThrow(() => Parse($"      - \"{text}\""), text);

            if (result.Manifest is null)
            {
                var diagnostic = result.Diagnostics.ShouldHaveSingleItem(text);
                diagnostic.Code.ShouldBeOneOf([ErrorCodes.InvalidFreezeWindow, ErrorCodes.UnknownTimeZone, ErrorCodes.MissingValue], text);
                diagnostic.Line.ShouldBe(6, text);
                diagnostic.Column.ShouldBeInRange(9, 10 + text.Length, text);
            }
            else
            {
                var window = result.Manifest.Environments["production"].Freeze.ShouldHaveSingleItem(text);
                Parse($"      - \"{window}\"").ShouldBeClean().Environments["production"].Freeze.ShouldHaveSingleItem().ShouldBe(window, text);
            }
        }
    }

    /// <summary>docs/errors.md shows CAP043 and CAP044 as the loader prints them: each line here is in it, unedited.</summary>
    [Theory]
    [InlineData("{ from: \"Fri 16:00\", to: \"Mon 25:00\", timezone: Europe/Berlin }", "capstan.yaml:6:39: CAP043 environments.production.freeze[0].to: '25:00' is not a time of day: hours go from 00 to 23")]
    [InlineData("\"Fri 16:00 - Mnday 08:00 Europe/Berlin\"", "capstan.yaml:6:22: CAP043 environments.production.freeze[0]: 'Mnday' is not a day of the week; write Mon, Tue, Wed, Thu, Fri, Sat or Sun (or the full name); did you mean 'Monday'?")]
    [InlineData("\"Fri 16:00 - Mon 24:00\"", "capstan.yaml:6:26: CAP043 environments.production.freeze[0]: '24:00' is not a time of day: write 00:00 of the next day")]
    [InlineData("\"2026-02-30 00:00 - 2026-03-02 00:00\"", "capstan.yaml:6:10: CAP043 environments.production.freeze[0]: '2026-02-30' is not a date: 2026-02 has 28 days")]
    [InlineData("\"Fri 16:00 Europe/Berlin\"", "capstan.yaml:6:33: CAP043 environments.production.freeze[0]: 'Fri 16:00 Europe/Berlin' has no end; write START - END and a time zone, like \"Fri 16:00 - Mon 08:00 Europe/Berlin\"")]
    [InlineData("{ from: Fri 16:00 Europe/Berlin, to: Mon 08:00 }", "capstan.yaml:6:27: CAP043 environments.production.freeze[0].from: the time zone 'Europe/Berlin' goes in 'timezone', not here")]
    [InlineData("{ from: Fri 16:00, to: Fri 16:00 }", "capstan.yaml:6:32: CAP043 environments.production.freeze[0]: the window starts and ends at 'Fri 16:00'; write an end after the start")]
    [InlineData("{ from: \"2026-12-27 00:00\", to: \"2026-12-24 00:00\" }", "capstan.yaml:6:42: CAP043 environments.production.freeze[0]: the window ends at '2026-12-24 00:00', before it starts at '2026-12-27 00:00'")]
    [InlineData("{ from: \"Fri 16:00\", to: \"2026-12-27 00:00\" }", "capstan.yaml:6:35: CAP043 environments.production.freeze[0]: the window mixes a weekday ('Fri 16:00') and a date ('2026-12-27 00:00'); write both as weekdays (a window every week) or both as dates (a window once)")]
    [InlineData("\"Fri 16:00 - Mon 08:00 Europe/Berln\"", "capstan.yaml:6:32: CAP044 environments.production.freeze[0]: 'Europe/Berln' is not a time zone; did you mean 'Europe/Berlin'?")]
    [InlineData("{ from: Fri 16:00, to: Mon 08:00, timezone: Berlin }", "capstan.yaml:6:53: CAP044 environments.production.freeze[0].timezone: 'Berlin' is not a time zone; did you mean 'Europe/Berlin'?")]
    [InlineData("{ from: Fri 16:00, to: Mon 08:00, timezone: europe/berlin }", "capstan.yaml:6:53: CAP044 environments.production.freeze[0].timezone: 'europe/berlin' is not a time zone; did you mean 'Europe/Berlin'?")]
    [InlineData("{ from: Fri 16:00, to: Mon 08:00, timezone: Mars/Olympus }", "capstan.yaml:6:53: CAP044 environments.production.freeze[0].timezone: 'Mars/Olympus' is not a time zone; write an IANA time zone like Europe/Berlin or UTC (the names in /usr/share/zoneinfo)")]
    public void TheExamplesInErrorsMd_AreWhatTheLoaderPrints(string item, string printed)
    {
        var result = Diagnosed.Parse($"version: 1\napp: shop\nenvironments:\n  production:\n    freeze:\n      - {item}\n");

        result.Diagnostics.ShouldHaveSingleItem().ToString().ShouldBe(printed);
        File.ReadAllText(Capstan.Testing.RepositoryRoot.Combine("docs", "errors.md")).ShouldContain(printed);
    }
}
