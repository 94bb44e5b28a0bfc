namespace Capstan.Pipelines.Reports;

/// <summary>
/// What a job's test reports say: how many tests passed, failed and were skipped, which failed, and the report files
/// that were read. <see cref="TestReportReader"/> makes one per file; <see cref="Combine"/> adds them up.
/// </summary>
public sealed record TestReport
{
    /// <summary>No tests and no files.</summary>
    public static TestReport Empty { get; } = new() { Passed = 0, Failed = 0, Skipped = 0, Failures = [], Files = [] };

    public required int Passed { get; init; }

    /// <summary>Tests that failed, errored, timed out or were aborted.</summary>
    public required int Failed { get; init; }

    /// <summary>Tests that did not run or have no verdict.</summary>
    public required int Skipped { get; init; }

    /// <summary><see cref="Passed"/> + <see cref="Failed"/> + <see cref="Skipped"/>.</summary>
    public int Total => Passed + Failed + Skipped;

    /// <summary>One entry per failed test, in the order of the reports and of each report's file.</summary>
    public required IReadOnlyList<FailedTest> Failures { get; init; }

    /// <summary>The report files read, as they were named to the reader (relative to the job's folder for <see cref="TestReportReader.ReadAll"/>).</summary>
    public required IReadOnlyList<string> Files { get; init; }

    /// <summary>The sum of <paramref name="reports"/>: counts added, failures and files in the order given.</summary>
    public static TestReport Combine(IEnumerable<TestReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        int passed = 0, failed = 0, skipped = 0;
        var failures = new List<FailedTest>();
        var files = new List<string>();
        foreach (var report in reports)
        {
            passed += report.Passed;
            failed += report.Failed;
            skipped += report.Skipped;
            failures.AddRange(report.Failures);
            files.AddRange(report.Files);
        }

        return new TestReport { Passed = passed, Failed = failed, Skipped = skipped, Failures = failures, Files = files };
    }
}

/// <summary>A test that failed, as its report names it.</summary>
public sealed record FailedTest
{
    /// <summary>
    /// JUnit: <c>classname.name</c>, or just <c>name</c> when it already starts with the class name (jest-junit repeats it)
    /// or there is none. TRX: the result's <c>testName</c>, e.g. <c>Shop.Tests.CartTests.Total_IsZero</c>.
    /// </summary>
    public required string Name { get; init; }

    /// <summary>
    /// The first non-blank line of the failure message (JUnit: the <c>message</c> attribute of the first
    /// <c>&lt;failure&gt;</c> or <c>&lt;error&gt;</c>, or its text when the attribute is missing or just says <c>Failed</c>;
    /// TRX: <c>Output/ErrorInfo/Message</c>), at most <see cref="TestReportReader.MaxMessageLength"/> characters; null when
    /// there is none.
    /// </summary>
    public string? Message { get; init; }

    /// <summary>The report file that names the test, as in <see cref="TestReport.Files"/>.</summary>
    public required string ReportFile { get; init; }
}
