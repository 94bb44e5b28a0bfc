using System.Globalization;

namespace Capstan.Pipelines.Reports;

/// <summary>
/// A test report that cannot be read: malformed XML, not a JUnit or TRX report, a DTD, too large, or unreadable. The
/// message is <c>file:line:column: reason</c> (<c>file: reason</c> when there is no position).
/// </summary>
public sealed class TestReportException : Exception
{
    public TestReportException(string file, int? line, int? column, string reason, Exception? innerException = null)
        : base(Format(file, line, column, reason), innerException)
    {
        File = file;
        Line = line;
        Column = column;
        Reason = reason;
    }

    public TestReportException(string message)
        : this(message, innerException: null)
    {
    }

    public TestReportException(string message, Exception? innerException)
        : base(message, innerException)
    {
        File = string.Empty;
        Reason = message;
    }

    public TestReportException()
        : this("the test report cannot be read")
    {
    }

    /// <summary>The report, as it was named to the reader.</summary>
    public string File { get; }

    /// <summary>1-based line of the problem, when there is one.</summary>
    public int? Line { get; }

    /// <summary>1-based column of the problem, when there is one.</summary>
    public int? Column { get; }

    /// <summary>What is wrong, without the file and position.</summary>
    public string Reason { get; }

    internal static string Format(string file, int? line, int? column, string reason) => line is { } l
        ? string.Create(CultureInfo.InvariantCulture, $"{file}:{l}:{column ?? 1}: {reason}")
        : $"{file}: {reason}";
}
