using System.Text;
using Capstan.Pipelines.Reports;
using Capstan.Testing;

namespace Capstan.Pipelines.Tests.Reports;

/// <summary>A job's reports: every file its globs match, read once, combined, with what went wrong as values.</summary>
public sealed class ReadAllTests : IDisposable
{
    private readonly TempDirectory _job = new();

    public void Dispose() => _job.Dispose();

    [Fact]
    public void SeveralReports_OfBothFormats_AreCombinedInPathOrder()
    {
        _job.Write("web/junit.xml", ReportSamples.JestJunit);
        _job.Write("TestResults/shop.trx", [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(ReportSamples.XunitTrx)]);
        _job.Write("api/junit.xml", ReportSamples.Pytest);

        var collected = TestReportReader.ReadAll(_job.Path, ["TestResults/*.trx", "**/junit.xml"]);

        var report = collected.Report;
        report.Files.ShouldBe(["TestResults/shop.trx", "api/junit.xml", "web/junit.xml"]);
        (report.Passed, report.Failed, report.Skipped, report.Total).ShouldBe((2 + 3 + 3, 3 + 2 + 2, 1 + 2 + 1, 19));
        report.Failures.Select(f => f.ReportFile).Distinct().ShouldBe(["TestResults/shop.trx", "api/junit.xml", "web/junit.xml"]);
        report.Failures.Count.ShouldBe(7);
        collected.Problems.ShouldBeEmpty();
        collected.UnmatchedGlobs.ShouldBeEmpty();
        collected.Warnings.ShouldBeEmpty();
    }

    [Fact]
    public void WrittenSince_CountsOnlyNewerFiles_AndAGlobMatchingOnlyOlderOnesIsUnmatched()
    {
        var old = _job.Write("old/junit.xml", ReportSamples.Surefire);
        _job.Write("new/junit.xml", ReportSamples.Pytest);
        var since = DateTime.UtcNow.AddMinutes(-1);
        File.SetLastWriteTimeUtc(old, since.AddMinutes(-5));

        var collected = TestReportReader.ReadAll(_job.Path, ["new/*.xml", "old/*.xml"], since);

        collected.Report.Files.ShouldBe(["new/junit.xml"]);
        collected.UnmatchedGlobs.ShouldBe(["old/*.xml"]);
    }

    [Fact]
    public void AFileMatchedByTwoGlobs_IsReadOnce()
    {
        _job.Write("reports/junit.xml", ReportSamples.Surefire);

        var collected = TestReportReader.ReadAll(_job.Path, ["reports/*.xml", "**/junit.xml", "reports/junit.xml"]);

        collected.Report.Files.ShouldBe(["reports/junit.xml"]);
        collected.Report.Total.ShouldBe(5);
    }

    [Fact]
    public void AGlobMatchingNothing_IsAWarning_NotAnErrorOrAnException()
    {
        _job.Write("TestResults/shop.trx", ReportSamples.MstestDataRows);

        var collected = TestReportReader.ReadAll(_job.Path, ["TestResults/*.trx", "coverage/**/junit.xml", "*.xml"]);

        collected.UnmatchedGlobs.ShouldBe(["coverage/**/junit.xml", "*.xml"]);
        collected.Warnings.ShouldBe(["reports: 'coverage/**/junit.xml' matched no file", "reports: '*.xml' matched no file"]);
        collected.Problems.ShouldBeEmpty();
        collected.Report.Total.ShouldBe(3);
    }

    [Fact]
    public void NoReportAtAll_IsAnEmptyReport_WithEveryGlobUnmatched()
    {
        var collected = TestReportReader.ReadAll(_job.Path, ["**/*.trx"]);

        (collected.Report.Total, collected.Report.Failures.Count, collected.Report.Files.Count).ShouldBe((0, 0, 0));
        collected.UnmatchedGlobs.ShouldBe(["**/*.trx"]);
    }

    [Fact]
    public void ABrokenReport_IsAProblem_AndDoesNotHideTheOthers()
    {
        _job.Write("reports/a.xml", ReportSamples.GoJunitReport);
        _job.Write("reports/b.xml", "<testsuite>\n<testcase name=\"x\">\n");
        _job.Write("reports/c.xml", "<html/>");
        _job.Write("reports/d.xml", ReportSamples.Surefire);

        var collected = TestReportReader.ReadAll(_job.Path, ["reports/*.xml"]);

        collected.Report.Files.ShouldBe(["reports/a.xml", "reports/d.xml"]);
        collected.Report.Total.ShouldBe(11);
        collected.Problems.Select(p => p.Source).ShouldBe(["reports/b.xml", "reports/c.xml"]);
        collected.Problems[0].Line.ShouldBe(3);
        collected.Problems[0].ToString().ShouldStartWith("reports/b.xml:3:");
        collected.Problems[1].ToString().ShouldBe("reports/c.xml:1:2: not a test report: the root element is <html>; expected <testsuites> or <testsuite> (JUnit) or <TestRun> in the TRX namespace");
        collected.UnmatchedGlobs.ShouldBeEmpty();
    }

    [Fact]
    public void ReportsInIgnoredFolders_AreRead_BecauseThatIsWhereTheyAreWritten()
    {
        _job.Write(".gitignore", "TestResults/\n*.xml\n");
        _job.Write("TestResults/shop.trx", ReportSamples.MstestDataRows);
        _job.Write("junit.xml", ReportSamples.Pytest);

        var collected = TestReportReader.ReadAll(_job.Path, ["**/*.trx", "junit.xml"]);

        collected.Report.Files.ShouldBe(["TestResults/shop.trx", "junit.xml"]);
    }

    [Fact]
    public void ExcludingGlobs_TakeReportsAway()
    {
        _job.Write("reports/unit.xml", ReportSamples.Pytest);
        _job.Write("reports/flaky/quarantine.xml", ReportSamples.Surefire);

        var collected = TestReportReader.ReadAll(_job.Path, ["reports/**/*.xml", "!reports/flaky/"]);

        collected.Report.Files.ShouldBe(["reports/unit.xml"]);
    }

    [Fact]
    public void AGlobLeavingTheJobsFolder_IsAProblem_AndReadsNothing()
    {
        using var outside = new TempDirectory();
        outside.Write("junit.xml", ReportSamples.Pytest);
        _job.Write("junit.xml", ReportSamples.Surefire);

        var collected = TestReportReader.ReadAll(_job.Path, ["junit.xml", "../*/junit.xml", outside.Combine("junit.xml")]);

        collected.Report.Files.ShouldBe(["junit.xml"]);
        collected.Problems.Select(p => p.Source).ShouldBe(["../*/junit.xml", outside.Combine("junit.xml")]);
        collected.Problems[0].ToString().ShouldBe("../*/junit.xml: report glob leaves the job's folder ('..'); globs must name files inside it");
    }

    [Fact]
    public void SymbolicLinks_AreNotFollowed_SoALinkLoopCannotHangTheSearch()
    {
        _job.Write("reports/junit.xml", ReportSamples.Pytest);
        Directory.CreateSymbolicLink(_job.Combine("reports", "loop"), _job.Path);
        using var outside = new TempDirectory();
        outside.Write("other.xml", ReportSamples.Surefire);
        File.CreateSymbolicLink(_job.Combine("reports", "linked.xml"), outside.Combine("other.xml"));

        var collected = TestReportReader.ReadAll(_job.Path, ["**/*.xml"]);

        collected.Report.Files.ShouldBe(["reports/junit.xml"]);
    }

    [Fact]
    public void GlobsAreCaseSensitive()
    {
        _job.Write("TestResults/shop.trx", ReportSamples.MstestDataRows);

        TestReportReader.ReadAll(_job.Path, ["testresults/*.trx"]).UnmatchedGlobs.ShouldBe(["testresults/*.trx"]);
    }

    [Fact]
    public void AMissingWorkingFolder_IsNamed()
    {
        Should.Throw<DirectoryNotFoundException>(() => TestReportReader.ReadAll(_job.Combine("gone"), ["*.xml"]))
            .Message.ShouldContain("gone");
    }

    [Fact]
    public void Combine_AddsCountsAndKeepsOrder_AndEmptyIsItsIdentity()
    {
        var a = new TestReport { Passed = 1, Failed = 1, Skipped = 0, Failures = [new() { Name = "a", ReportFile = "a.xml" }], Files = ["a.xml"] };
        var b = new TestReport { Passed = 2, Failed = 1, Skipped = 3, Failures = [new() { Name = "b", Message = "m", ReportFile = "b.xml" }], Files = ["b.xml"] };

        var combined = TestReport.Combine([a, TestReport.Empty, b]);

        (combined.Passed, combined.Failed, combined.Skipped, combined.Total).ShouldBe((3, 2, 3, 8));
        combined.Failures.Select(f => f.Name).ShouldBe(["a", "b"]);
        combined.Files.ShouldBe(["a.xml", "b.xml"]);
        var none = TestReport.Combine([]);
        (none.Total, none.Failures.Count, none.Files.Count).ShouldBe((0, 0, 0));
    }
}
