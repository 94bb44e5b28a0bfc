using System.Text;
using Capstan.Pipelines.Reports;
using Capstan.Testing;

namespace Capstan.Pipelines.Tests.Reports;

/// <summary>TRX from <c>dotnet test</c>, counted result by result.</summary>
public sealed class TrxReportTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void DotnetTestTrx_CountsEachResult_AndNamesFailuresByTestName()
    {
        // With the byte order mark dotnet test writes.
        var path = _directory.Write("TestResults/shop.trx", [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(ReportSamples.XunitTrx)]);

        var report = TestReportReader.Read(path);

        (report.Passed, report.Failed, report.Skipped, report.Total).ShouldBe((2, 3, 1, 6));
        report.Failures.Select(f => (f.Name, f.Message)).ShouldBe(
        [
            ("Shop.Tests.CartTests.Checkout_WithoutStock_Throws", "System.InvalidOperationException : out of stock"),
            ("Shop.Tests.CartTests.Quantity_IsPositive(quantity: 1)", "quantity must be above one"),
            ("Shop.Tests.CartTests.Total_WithADiscount_IsReduced", "Assert.Equal() Failure: Values differ"),
        ]);
        report.Failures.ShouldAllBe(f => f.ReportFile == path);
        report.Files.ShouldBe([path]);
    }

    [Fact]
    public void DataDrivenResults_CountThroughTheirRows_NotAsWellAsThem()
    {
        var path = _directory.Write("mstest.trx", ReportSamples.MstestDataRows);

        var report = TestReportReader.Read(path);

        // The summary says total="1"; the rows and the plain test are three tests.
        (report.Passed, report.Failed, report.Skipped).ShouldBe((2, 1, 0));
        report.Failures.Select(f => (f.Name, f.Message)).ShouldBe([("Add (2,2,5)", "Assert.AreEqual failed. Expected:<5>. Actual:<4>.")]);
    }

    [Theory]
    [InlineData("Passed", "passed")]
    [InlineData("PassedButRunAborted", "passed")]
    [InlineData("Failed", "failed")]
    [InlineData("Error", "failed")]
    [InlineData("Timeout", "failed")]
    [InlineData("Aborted", "failed")]
    [InlineData("NotExecuted", "skipped")]
    [InlineData("Inconclusive", "skipped")]
    [InlineData("NotRunnable", "skipped")]
    [InlineData("Disconnected", "skipped")]
    [InlineData("Warning", "skipped")]
    [InlineData("Pending", "skipped")]
    [InlineData("SomethingNew", "skipped")]
    [InlineData(null, "skipped")]
    public void AnOutcome_CountsAsPassedFailedOrSkipped(string? outcome, string expected)
    {
        var attribute = outcome is null ? "" : $"outcome=\"{outcome}\"";
        var path = _directory.Write("outcome.trx", $"""
            <TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
              <Results><UnitTestResult testName="T" {attribute} /></Results>
            </TestRun>
            """);

        var report = TestReportReader.Read(path);

        var counted = (report.Passed, report.Failed, report.Skipped) switch
        {
            (1, 0, 0) => "passed",
            (0, 1, 0) => "failed",
            (0, 0, 1) => "skipped",
            var other => other.ToString(),
        };
        counted.ShouldBe(expected);
        report.Failures.Count.ShouldBe(expected == "failed" ? 1 : 0);
    }

    [Fact]
    public void OnlyTheErrorMessage_IsTheMessage_NotTheStackTraceOrStandardOutput()
    {
        var path = _directory.Write("messages.trx", """
            <TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
              <Results>
                <UnitTestResult testName="WithOutputFirst" outcome="Failed">
                  <Output>
                    <StdOut>this is standard output</StdOut>
                    <ErrorInfo>
                      <StackTrace>at Somewhere()</StackTrace>
                      <Message><![CDATA[

            the real message
            more]]></Message>
                    </ErrorInfo>
                  </Output>
                </UnitTestResult>
                <UnitTestResult testName="WithoutMessage" outcome="Timeout"><Output><StdErr>late</StdErr></Output></UnitTestResult>
                <UnitTestResult testName="Skipped" outcome="NotExecuted"><Output><ErrorInfo><Message>not a failure</Message></ErrorInfo></Output></UnitTestResult>
              </Results>
              <ResultSummary outcome="Failed"><Output><ErrorInfo><Message>run-level message</Message></ErrorInfo></Output></ResultSummary>
            </TestRun>
            """);

        var report = TestReportReader.Read(path);

        report.Failures.Select(f => (f.Name, f.Message)).ShouldBe([("WithOutputFirst", "the real message"), ("WithoutMessage", (string?)null)]);
        report.Skipped.ShouldBe(1);
    }

    [Fact]
    public void ElementsOutsideResults_AreNotTests()
    {
        var path = _directory.Write("definitions.trx", """
            <TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
              <TestDefinitions><UnitTest name="A" /><UnitTest name="B" /></TestDefinitions>
              <Results />
              <TestEntries><TestEntry testId="1" /></TestEntries>
            </TestRun>
            """);

        TestReportReader.Read(path).Total.ShouldBe(0);
    }

    [Fact]
    public void DeeplyNestedInnerResults_AreCountedWithoutRecursion()
    {
        const int Depth = 20_000;
        var xml = new StringBuilder("<TestRun xmlns=\"http://microsoft.com/schemas/VisualStudio/TeamTest/2010\"><Results>");
        for (var i = 0; i < Depth; i++)
        {
            xml.Append("<UnitTestResult testName=\"level\" outcome=\"Failed\"><InnerResults>");
        }

        xml.Append("<UnitTestResult testName=\"leaf\" outcome=\"Passed\" />");
        for (var i = 0; i < Depth; i++)
        {
            xml.Append("</InnerResults></UnitTestResult>");
        }

        xml.Append("</Results></TestRun>");
        var path = _directory.Write("deep.trx", xml.ToString());

        var report = TestReportReader.Read(path);

        (report.Passed, report.Failed).ShouldBe((1, 0));
    }
}
