using Capstan.Pipelines.Reports;
using Capstan.Testing;

namespace Capstan.Pipelines.Tests.Reports;

/// <summary>JUnit XML from the tools that write it, counted test case by test case.</summary>
public sealed class JUnitReportTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Pytest_CountsErrorsAsFailed_AndSkipsAndXfailsAsSkipped()
    {
        var report = Read("junit.xml", ReportSamples.Pytest);

        (report.Passed, report.Failed, report.Skipped, report.Total).ShouldBe((3, 2, 2, 7));
        report.Failures.ShouldBe(
        [
            Failure("tests.test_cart.test_discount[10]", "assert 90 == 100", "junit.xml"),
            Failure("tests.test_cart.test_checkout", "failed on setup with \"ConnectionError: database is down\"", "junit.xml"),
        ]);
        report.Files.ShouldBe(["junit.xml"]);
    }

    [Fact]
    public void JestJunit_NamesATestOnce_AndTakesTheMessageFromTheFailureText()
    {
        var report = Read("reports/jest/junit.xml", ReportSamples.JestJunit);

        // The suite says tests="4" for five cases: cases are counted, not summaries.
        (report.Passed, report.Failed, report.Skipped).ShouldBe((3, 2, 1));
        report.Failures.Select(f => (f.Name, f.Message)).ShouldBe(
        [
            ("Cart applies a discount", "Error: expect(received).toBe(expected) // Object.is equality"),
            ("Cart checkout needs stock", "Error: out of stock"),
        ]);
    }

    [Fact]
    public void GoJunitReport_CountsSubtests_AndShowsWhatGoTestPrintedRatherThanFailed()
    {
        var report = Read("go.xml", ReportSamples.GoJunitReport);

        (report.Passed, report.Failed, report.Skipped).ShouldBe((2, 3, 1));
        report.Failures.Select(f => (f.Name, f.Message)).ShouldBe(
        [
            ("example.com/shop/cart.TestDiscount", "Failed"),
            ("example.com/shop/cart.TestDiscount/ten_percent", "cart_test.go:21: total = 100, want 90"),
            ("example.com/shop/checkout.[build failed]", "Build error"),
        ]);
    }

    [Fact]
    public void MavenSurefire_CountsAnErrorAsFailed_AndAFlakyTestThatPassedAsPassed()
    {
        var report = Read("target/surefire-reports/TEST-com.example.shop.CartTest.xml", ReportSamples.Surefire);

        (report.Passed, report.Failed, report.Skipped).ShouldBe((2, 2, 1));
        report.Failures.Select(f => (f.Name, f.Message)).ShouldBe(
        [
            ("com.example.shop.CartTest.discountIsApplied", "expected: <90> but was: <100>"),
            ("com.example.shop.CartTest.checkoutNeedsStock", "out of stock"),
        ]);
    }

    [Fact]
    public void NestedSuites_AreCountedThroughAtEveryDepth_IgnoringTheirSummaryAttributes()
    {
        var report = Read("nested.xml", """
            <?xml version="1.0" encoding="UTF-8"?>
            <testsuites tests="99" failures="0">
              <testsuite name="all" tests="1">
                <testcase classname="root" name="first"/>
                <testsuite name="unit">
                  <testcase classname="unit.Parser" name="parses"/>
                  <testsuite name="deeper">
                    <testsuite name="deepest">
                      <testcase classname="unit.Lexer" name="lexes"><failure message="unexpected token"/></testcase>
                    </testsuite>
                  </testsuite>
                </testsuite>
                <testsuite name="integration">
                  <testcase classname="it.Db" name="connects"><skipped/></testcase>
                  <testcase classname="it.Db" name="migrates"><error message="boom&#10;second line"/></testcase>
                </testsuite>
              </testsuite>
            </testsuites>
            """);

        (report.Passed, report.Failed, report.Skipped).ShouldBe((2, 2, 1));
        report.Failures.Select(f => (f.Name, f.Message)).ShouldBe([("unit.Lexer.lexes", "unexpected token"), ("it.Db.migrates", "boom")]);
    }

    [Fact]
    public void ATestCase_WithAFailureAndASkip_IsFailed_AndCountedOnce()
    {
        var report = Read("both.xml", """
            <testsuite>
              <testcase name="a"><skipped/><failure message="first"/><error message="second"/></testcase>
              <testcase name="b"><system-out>only output</system-out></testcase>
              <testcase name="c"><skipped message="later"></skipped></testcase>
            </testsuite>
            """);

        (report.Passed, report.Failed, report.Skipped).ShouldBe((1, 1, 1));
        report.Failures.ShouldBe([Failure("a", "first", "both.xml")]);
    }

    [Fact]
    public void AFailureWithoutAnyMessage_HasANullMessage()
    {
        var report = Read("bare.xml", """<testsuite><testcase classname="C" name="t"><failure/></testcase><testcase name="u"><failure>   </failure></testcase></testsuite>""");

        report.Failures.ShouldBe([Failure("C.t", null, "bare.xml"), Failure("u", null, "bare.xml")]);
    }

    [Fact]
    public void ALongMessage_IsCutToItsFirstLineAndTheLimit()
    {
        var longLine = new string('x', 2_000);
        var report = Read("long.xml", $"""<testsuite><testcase name="t"><failure>{"\n\n   "}{longLine}{"\nsecond"}</failure></testcase></testsuite>""");

        var message = report.Failures.ShouldHaveSingleItem().Message!;
        message.Length.ShouldBe(TestReportReader.MaxMessageLength);
        message.ShouldEndWith("…");
        message.ShouldStartWith("xxx");
    }

    [Fact]
    public void AnEmptySuite_IsAReportWithNoTests()
    {
        var report = Read("empty-suite.xml", """<testsuites name="none"/>""");

        report.Total.ShouldBe(0);
        report.Files.ShouldBe(["empty-suite.xml"]);
    }

    [Theory]
    [InlineData("tests.test_cart", "test_tax", "tests.test_cart.test_tax")]
    [InlineData("Cart adds tax", "Cart adds tax", "Cart adds tax")]
    [InlineData("Cart", "Cart adds tax", "Cart adds tax")]
    [InlineData("com.example.Outer", "com.example.Outer.inner", "com.example.Outer.inner")]
    [InlineData("Test", "TestFoo", "Test.TestFoo")]
    [InlineData("", "lonely", "lonely")]
    [InlineData(" ", " top-level test passes", "top-level test passes")]
    [InlineData("only.Class", "", "only.Class")]
    [InlineData(null, null, "(unnamed test)")]
    public void ATestIsNamed_AsItsToolShowsIt(string? classname, string? name, string expected)
    {
        JUnitFormat.Name(classname, name).ShouldBe(expected);
    }

    private static FailedTest Failure(string name, string? message, string file) => new() { Name = name, Message = message, ReportFile = file };

    private TestReport Read(string relativePath, string content)
    {
        var path = _directory.Write(relativePath, content);
        var report = TestReportReader.Read(path);
        // Named as the caller named the file: here the full path; ReadAll names files relative to the job's folder.
        report.Files.ShouldBe([path]);
        return report with
        {
            Files = [relativePath],
            Failures = [.. report.Failures.Select(f => f with { ReportFile = f.ReportFile == path ? relativePath : f.ReportFile })],
        };
    }
}
