using System.Xml;
using Capstan.Pipelines.Inputs;

namespace Capstan.Pipelines.Reports;

/// <summary>
/// Reads the test reports a job writes (its <c>reports:</c> globs): JUnit XML and TRX, told apart by the root element.
/// </summary>
/// <remarks>
/// <para>
/// JUnit: a root <c>&lt;testsuites&gt;</c> or <c>&lt;testsuite&gt;</c> (in any namespace), as written by pytest, jest-junit,
/// go-junit-report, Maven Surefire and others. Each <c>&lt;testcase&gt;</c>, at any depth of nested suites, is one
/// test: failed when it holds a <c>&lt;failure&gt;</c> or an <c>&lt;error&gt;</c>, else skipped when it holds a
/// <c>&lt;skipped&gt;</c>, else passed (so pytest's xfail is skipped, Surefire's flaky test that passed on a rerun is
/// passed, and jest-junit's <c>test.todo</c>, written as an empty test case, is passed).
/// </para>
/// <para>
/// TRX: a root <c>&lt;TestRun&gt;</c> in the namespace <c>http://microsoft.com/schemas/VisualStudio/TeamTest/2010</c>, as
/// written by <c>dotnet test --logger trx</c>. Each result is one test, by its <c>outcome</c>: <c>Passed</c> (and
/// <c>PassedButRunAborted</c>) passed; <c>Failed</c>, <c>Error</c>, <c>Timeout</c>, <c>Aborted</c> failed; every other
/// outcome (<c>NotExecuted</c>, <c>Inconclusive</c>, …) skipped. A result with inner results (MSTest data rows) counts
/// through them.
/// </para>
/// <para>
/// Tests are counted one by one; the summary attributes and counters a report carries are not trusted. A report is read as
/// a stream, with DTDs refused (so no entity can expand without bound or read another file), nothing resolved, and at most
/// <see cref="MaxCharacters"/> characters read: a report that breaks any of these, is malformed, or has another root is a
/// <see cref="TestReportException"/> naming the file, line and column.
/// </para>
/// </remarks>
public static class TestReportReader
{
    /// <summary>
    /// 256 Mi characters (256 MiB of ASCII XML): a larger report is refused rather than read on. A TRX of 500 tests is about
    /// 750 KB.
    /// </summary>
    public const long MaxCharacters = 256L * 1024 * 1024;

    /// <summary>A failure message is its first line, cut to this many characters.</summary>
    public const int MaxMessageLength = 500;

    /// <summary>Reads one report; the file is named in the report and its failures as <paramref name="path"/> is written.</summary>
    /// <exception cref="TestReportException">The report cannot be read or is not a JUnit or TRX report.</exception>
    public static TestReport Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return ReadFile(path, path, MaxCharacters);
    }

    /// <summary>
    /// Reads every report under <paramref name="workingDirectory"/> that <paramref name="globs"/> match (FileSystemGlobbing
    /// syntax, case-sensitive, <c>!glob</c> to exclude), each file once, in ordinal order of its path. <c>.gitignore</c> is
    /// not applied (reports are usually written to ignored folders such as <c>TestResults/</c>); symbolic links and
    /// <c>.git</c> are not entered.
    /// </summary>
    /// <remarks>
    /// Never throws for what the job wrote: a report that cannot be read is a <see cref="CollectedReports.Problems"/> entry
    /// and the others still count; a glob that matches no file is in <see cref="CollectedReports.UnmatchedGlobs"/>, to be
    /// shown as a warning; a glob that leaves the job's folder (<c>..</c>, an absolute path) is a problem and reads nothing.
    /// </remarks>
    /// <exception cref="DirectoryNotFoundException"><paramref name="workingDirectory"/> does not exist.</exception>
    /// <param name="writtenSince">
    /// When given (UTC), only files written at or after it count: a job's reports, not those earlier runs left in the
    /// same folder; a glob matching only older files is unmatched.
    /// </param>
    public static CollectedReports ReadAll(string workingDirectory, IReadOnlyList<string> globs, DateTime? writtenSince = null)
    {
        ArgumentNullException.ThrowIfNull(workingDirectory);
        ArgumentNullException.ThrowIfNull(globs);
        var root = new DirectoryInfo(Path.TrimEndingDirectorySeparator(Path.GetFullPath(workingDirectory)));
        if (!root.Exists)
        {
            throw new DirectoryNotFoundException($"cannot read the test reports of '{workingDirectory}': there is no such folder");
        }

        var list = GlobList.Parse(globs);
        var files = new SortedSet<string>(StringComparer.Ordinal);
        var unmatched = new List<string>();
        var folder = new UnlinkedDirectory(root);
        foreach (var include in list.Includes)
        {
            // One glob at a time, to know which matched nothing; a file two globs match is still read once.
            var matches = list.CreateMatcher([include], folderMeansContents: false).Execute(folder).Files
                .Select(f => f.Path)
                .Where(f => writtenSince is not { } since || File.GetLastWriteTimeUtc(Path.Combine(root.FullName, f)) >= since)
                .ToList();
            if (matches.Count == 0)
            {
                unmatched.Add(include);
            }

            files.UnionWith(matches);
        }

        var reports = new List<TestReport>();
        var problems = new List<ReportProblem>();
        foreach (var file in files)
        {
            try
            {
                reports.Add(ReadFile(Path.Combine(root.FullName, file), file, MaxCharacters));
            }
            catch (TestReportException e)
            {
                problems.Add(new ReportProblem { Source = file, Line = e.Line, Column = e.Column, Message = e.Reason });
            }
        }

        problems.AddRange(list.Errors.Select(e => new ReportProblem { Source = e.Glob, Message = "report glob " + e.Reason }));
        return new CollectedReports { Report = TestReport.Combine(reports), Problems = problems, UnmatchedGlobs = unmatched };
    }

    /// <param name="path">Where the report is.</param>
    /// <param name="file">How to name it in the report and in errors.</param>
    internal static TestReport ReadFile(string path, string file, long maxCharacters)
    {
        try
        {
            // Never opened when empty: a FIFO also reports no length, and opening it would block.
            if (new FileInfo(path) is { Exists: true, Length: 0 })
            {
                throw new TestReportException(file, line: null, column: null, "the file is empty");
            }

            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, FileOptions.SequentialScan);
            using var reader = XmlReader.Create(stream, Settings(maxCharacters));
            try
            {
                return Parse(reader, file);
            }
            catch (XmlException e)
            {
                // A refused DTD carries no position, and the reader has none yet: the DOCTYPE is found in the text.
                var (line, column) = e.LineNumber > 0 ? (e.LineNumber, e.LinePosition)
                    : IsDtd(e) ? FindDoctype(path)
                    : Position(reader);
                throw new TestReportException(file, line, column, Describe(e, maxCharacters), e);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TestReportException(file, line: null, column: null, "cannot read: " + e.Message, e);
        }
    }

    private static TestReport Parse(XmlReader reader, string file)
    {
        if (reader.MoveToContent() != XmlNodeType.Element)
        {
            throw At(reader, file, "there is no root element");
        }

        if (JUnitFormat.IsRoot(reader))
        {
            return JUnitFormat.Read(reader, file);
        }

        if (TrxFormat.IsRoot(reader))
        {
            return TrxFormat.Read(reader, file);
        }

        throw At(reader, file, reader.LocalName == "TestRun"
            ? $"the root element <TestRun> is not in the TRX namespace '{TrxFormat.Namespace}'"
            : $"not a test report: the root element is <{reader.Name}>; expected <testsuites> or <testsuite> (JUnit) or <TestRun> in the TRX namespace");
    }

    private static bool IsDtd(XmlException e) => e.Message.Contains("DTD", StringComparison.Ordinal);

    // The DOCTYPE stands before the root element, so the start of the file is enough; the position is of its '<'.
    private static (int? Line, int? Column) FindDoctype(string path)
    {
        using var text = new StreamReader(path, detectEncodingFromByteOrderMarks: true);
        var buffer = new char[64 * 1024];
        var read = text.ReadBlock(buffer);
        var start = buffer.AsSpan(0, read).IndexOf("<!DOCTYPE", StringComparison.Ordinal);
        if (start < 0)
        {
            return (null, null);
        }

        var before = buffer.AsSpan(0, start);
        var lineStart = before.LastIndexOf('\n') + 1;
        return (before.Count('\n') + 1, start - lineStart + 1);
    }

    private static (int? Line, int? Column) Position(XmlReader reader) =>
        reader is IXmlLineInfo info && info.HasLineInfo() && info.LineNumber > 0 ? (info.LineNumber, info.LinePosition) : (null, null);

    private static XmlReaderSettings Settings(long maxCharacters) => new()
    {
        // A DTD could define entities that expand to gigabytes ("billion laughs") or that read other files.
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersInDocument = maxCharacters,
        MaxCharactersFromEntities = 1024,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = true,
        CloseInput = false,
    };

    private static TestReportException At(XmlReader reader, string file, string reason)
    {
        var (line, column) = Position(reader);
        return new TestReportException(file, line, column, reason);
    }

    // XmlException puts the position at the end of its message; the file:line:column prefix says it already.
    private static string Describe(XmlException e, long maxCharacters)
    {
        var message = e.Message;
        if (IsDtd(e))
        {
            return "a DTD (<!DOCTYPE ...>) is not allowed in a test report: its entities could expand without bound or read other files";
        }

        if (message.Contains(nameof(XmlReaderSettings.MaxCharactersInDocument), StringComparison.Ordinal))
        {
            return $"the report is larger than the limit of {maxCharacters} characters";
        }

        var position = $" Line {e.LineNumber}, position {e.LinePosition}.";
        if (message.EndsWith(position, StringComparison.Ordinal))
        {
            message = message[..^position.Length];
        }

        return "malformed XML: " + message;
    }
}
