using System.Text;
using System.Xml;

namespace Capstan.Pipelines.Reports;

/// <summary>Counts the test cases of one report as a format reader meets them.</summary>
internal sealed class ReportTally
{
    // Enough for any first line worth showing; the rest of a long message (a stack trace) is not kept.
    private const int MaxTextKept = 8 * 1024;

    private readonly string _file;
    private readonly List<FailedTest> _failures = [];
    private int _passed;
    private int _failed;
    private int _skipped;

    public ReportTally(string file)
    {
        _file = file;
    }

    public void Passed() => _passed++;

    public void Skipped() => _skipped++;

    public void Failed(string name, string? message)
    {
        _failed++;
        _failures.Add(new FailedTest { Name = name, Message = message, ReportFile = _file });
    }

    public TestReport ToReport() =>
        new() { Passed = _passed, Failed = _failed, Skipped = _skipped, Failures = _failures, Files = [_file] };

    /// <summary>The first non-blank line of <paramref name="text"/>, trimmed and shortened; null when there is none.</summary>
    public static string? FirstLine(string? text)
    {
        if (text is null)
        {
            return null;
        }

        foreach (var line in text.AsSpan().EnumerateLines())
        {
            var trimmed = line.Trim();
            if (!trimmed.IsEmpty)
            {
                return trimmed.Length <= TestReportReader.MaxMessageLength
                    ? trimmed.ToString()
                    : string.Concat(trimmed[..(TestReportReader.MaxMessageLength - 1)], "…");
            }
        }

        return null;
    }

    /// <summary>
    /// The text inside the element the reader is on (its text and CDATA, and its descendants'), of which only the start is
    /// kept; the reader is left on the element's end (or on the element itself when it is empty).
    /// </summary>
    public static string ReadText(XmlReader reader)
    {
        if (reader.IsEmptyElement)
        {
            return string.Empty;
        }

        var depth = reader.Depth;
        var text = new StringBuilder();
        while (reader.Read() && reader.Depth > depth)
        {
            if (text.Length < MaxTextKept && reader.NodeType is XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.SignificantWhitespace or XmlNodeType.Whitespace)
            {
                text.Append(reader.Value);
            }
        }

        return text.ToString();
    }
}
