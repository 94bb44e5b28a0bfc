namespace Capstan.Pipelines.Reports;

/// <summary>
/// The test reports of one job, read by <see cref="TestReportReader.ReadAll"/>: what the readable ones say together, and
/// what went wrong with the others. A broken report never hides the rest.
/// </summary>
public sealed record CollectedReports
{
    /// <summary>Every readable report combined, read in ordinal order of their paths.</summary>
    public required TestReport Report { get; init; }

    /// <summary>
    /// Reports that could not be read, in ordinal order of their paths, then globs that cannot be used. Show them as
    /// errors of the job's reports (they do not change the job's own result).
    /// </summary>
    public required IReadOnlyList<ReportProblem> Problems { get; init; }

    /// <summary>
    /// The globs, as written, that matched no file: show each as a warning (tests that did not run, or a report written
    /// somewhere else, look like this). A glob whose only files are broken is not here: they are in <see cref="Problems"/>.
    /// </summary>
    public required IReadOnlyList<string> UnmatchedGlobs { get; init; }

    /// <summary>One line for each unmatched glob, for the run's log: <c>reports: 'glob' matched no file</c>.</summary>
    public IEnumerable<string> Warnings => UnmatchedGlobs.Select(g => $"reports: '{g}' matched no file");
}

/// <summary>A report file that could not be read, or a report glob that cannot be used.</summary>
public sealed record ReportProblem
{
    /// <summary>The report file relative to the job's folder ('/'-separated), or the glob as written.</summary>
    public required string Source { get; init; }

    /// <summary>1-based line of the problem in the file, when there is one.</summary>
    public int? Line { get; init; }

    /// <summary>1-based column of the problem in the file, when there is one.</summary>
    public int? Column { get; init; }

    /// <summary>What is wrong, e.g. <c>malformed XML: unexpected end of file</c>.</summary>
    public required string Message { get; init; }

    /// <summary><c>source:line:column: message</c>, or <c>source: message</c> without a position.</summary>
    public override string ToString() => TestReportException.Format(Source, Line, Column, Message);
}
