using Capstan.Pipelines.Reports;
using Capstan.Testing;

namespace Capstan.Pipelines.Tests.Reports;

/// <summary>Reports that cannot be read: each is a <see cref="TestReportException"/> naming the file and where, never a crash.</summary>
public sealed class UnreadableReportTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void MalformedXml_IsNamedWithItsLineAndColumn()
    {
        var path = _directory.Write("broken.xml", "<testsuite>\n  <testcase name=\"a\">\n  </testsuite>\n");

        var error = Should.Throw<TestReportException>(() => TestReportReader.Read(path));

        (error.File, error.Line, error.Column).ShouldBe((path, 3, 5));
        error.Message.ShouldStartWith($"{path}:3:5: malformed XML: ");
        error.Reason.ShouldNotContain("Line 3");
    }

    [Fact]
    public void ATruncatedReport_IsMalformed()
    {
        var truncated = ReportSamples.Pytest[..(ReportSamples.Pytest.Length / 2)];
        var path = _directory.Write("junit.xml", truncated);

        var error = Should.Throw<TestReportException>(() => TestReportReader.Read(path));

        error.Line.ShouldNotBeNull();
        error.Reason.ShouldStartWith("malformed XML: ");
    }

    [Theory]
    [InlineData("<html><body>502 Bad Gateway</body></html>", "not a test report: the root element is <html>")]
    [InlineData("<coverage line-rate=\"0.9\"/>", "not a test report: the root element is <coverage>")]
    [InlineData("<TestRun><Results/></TestRun>", "the root element <TestRun> is not in the TRX namespace")]
    public void AnotherRootElement_IsNotATestReport(string xml, string reason)
    {
        var path = _directory.Write("other.xml", "<?xml version=\"1.0\"?>\n" + xml);

        var error = Should.Throw<TestReportException>(() => TestReportReader.Read(path));

        error.Reason.ShouldStartWith(reason);
        (error.Line, error.Column).ShouldBe((2, 2));
    }

    [Fact]
    public void ABillionLaughs_IsRefusedBeforeAnyEntityExpands()
    {
        var path = _directory.Write("bomb.xml", """
            <?xml version="1.0"?>
            <!DOCTYPE lolz [
              <!ENTITY lol "lol">
              <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
              <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
              <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
              <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
              <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
              <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
              <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
              <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
              <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
            ]>
            <testsuite><testcase name="&lol9;"/></testsuite>
            """);

        var error = Should.Throw<TestReportException>(() => TestReportReader.Read(path));

        error.Reason.ShouldStartWith("a DTD (<!DOCTYPE ...>) is not allowed in a test report");
        error.Message.ShouldStartWith($"{path}:2:1: ");
    }

    [Fact]
    public void AnExternalEntity_IsRefused_AndTheFileItNamesIsNeverRead()
    {
        var secret = _directory.Write("secret.txt", "TOP-SECRET");
        var path = _directory.Write("xxe.xml", $"""
            <?xml version="1.0"?>
            <!DOCTYPE testsuite [ <!ENTITY leak SYSTEM "file://{secret}"> ]>
            <testsuite><testcase name="x"><failure message="&leak;"/></testcase></testsuite>
            """);

        var error = Should.Throw<TestReportException>(() => TestReportReader.Read(path));

        error.Message.ShouldNotContain("TOP-SECRET");
        error.Reason.ShouldStartWith("a DTD");
    }

    [Fact]
    public void AnUndeclaredEntity_IsMalformed()
    {
        var path = _directory.Write("entity.xml", "<testsuite><testcase name=\"&nope;\"/></testsuite>");

        var error = Should.Throw<TestReportException>(() => TestReportReader.Read(path));

        error.Reason.ShouldStartWith("malformed XML: ");
        // At the entity's name, just after its '&'.
        (error.Line, error.Column).ShouldBe((1, 29));
    }

    [Fact]
    public void AReportLargerThanTheLimit_IsRefused_NotReadOn()
    {
        var path = _directory.Write("large.xml", "<testsuite>" + string.Concat(Enumerable.Repeat("<testcase name=\"t\"/>", 1_000)) + "</testsuite>");

        var error = Should.Throw<TestReportException>(() => TestReportReader.ReadFile(path, "large.xml", maxCharacters: 5_000));

        error.Reason.ShouldBe("the report is larger than the limit of 5000 characters");
        error.File.ShouldBe("large.xml");
        TestReportReader.ReadFile(path, "large.xml", maxCharacters: 50_000).Passed.ShouldBe(1_000);
    }

    [Fact]
    public void AnEmptyFile_IsNamedAsEmpty()
    {
        var path = _directory.Write("empty.xml", "");

        var error = Should.Throw<TestReportException>(() => TestReportReader.Read(path));

        error.Message.ShouldBe($"{path}: the file is empty");
        error.Line.ShouldBeNull();
    }

    [Fact]
    public void AMissingFile_IsNamed_AsAReportThatCannotBeRead()
    {
        var path = _directory.Combine("absent.xml");

        var error = Should.Throw<TestReportException>(() => TestReportReader.Read(path));

        error.Message.ShouldStartWith($"{path}: cannot read: ");
    }

    [Fact]
    public void ABinaryFile_IsMalformed()
    {
        var path = _directory.Write("report.xml", [0x50, 0x4B, 0x03, 0x04, 0x00, 0xFF, 0x10, 0x00]);

        Should.Throw<TestReportException>(() => TestReportReader.Read(path)).Reason.ShouldStartWith("malformed XML: ");
    }
}
