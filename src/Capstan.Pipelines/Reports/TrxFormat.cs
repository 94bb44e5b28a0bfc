using System.Xml;

namespace Capstan.Pipelines.Reports;

/// <summary>
/// TRX, as <c>dotnet test --logger trx</c> (VSTest) and Microsoft.Testing.Platform write it: every result under
/// <c>&lt;TestRun&gt;&lt;Results&gt;</c> (<c>&lt;UnitTestResult&gt;</c> and its kin) is one test, counted by its
/// <c>outcome</c>: <c>Passed</c> and <c>PassedButRunAborted</c> passed; <c>Failed</c>, <c>Error</c>, <c>Timeout</c> and
/// <c>Aborted</c> failed; anything else (<c>NotExecuted</c>, <c>Inconclusive</c>, <c>NotRunnable</c>, <c>Pending</c>, …)
/// skipped. A result with <c>&lt;InnerResults&gt;</c> (MSTest data rows, ordered tests) counts through its inner results
/// instead of itself. The <c>&lt;ResultSummary&gt;</c> counters are not trusted.
/// </summary>
internal static class TrxFormat
{
    public const string Namespace = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010";

    public static bool IsRoot(XmlReader reader) => reader.LocalName == "TestRun" && reader.NamespaceURI == Namespace;

    /// <summary>Reads from the root element to the end.</summary>
    public static TestReport Read(XmlReader reader, string file)
    {
        var tally = new ReportTally(file);
        // The local names of the elements from the root down to the current one, by depth (the reader is on the root).
        var path = new List<string> { reader.LocalName };
        // Open results, innermost on top; a stack rather than recursion, so that nesting cannot overflow the call stack.
        var open = new Stack<OpenResult>();
        var resultsDepth = -1;
        while (reader.Read())
        {
            if (reader.NodeType == XmlNodeType.Element)
            {
                var depth = reader.Depth;
                var name = reader.LocalName;
                if (path.Count > depth)
                {
                    path.RemoveRange(depth, path.Count - depth);
                }

                path.Add(name);
                if (resultsDepth < 0)
                {
                    if (depth == 1 && name == "Results")
                    {
                        resultsDepth = reader.IsEmptyElement ? -1 : depth;
                    }

                    continue;
                }

                var isResult = open.Count == 0
                    ? depth == resultsDepth + 1
                    : depth == open.Peek().Depth + 2 && path[depth - 1] == "InnerResults";
                if (isResult)
                {
                    if (open.TryPeek(out var parent))
                    {
                        parent.HasInnerResults = true;
                    }

                    var result = new OpenResult(depth, reader.GetAttribute("testName"), reader.GetAttribute("outcome"));
                    if (reader.IsEmptyElement)
                    {
                        Count(tally, result);
                    }
                    else
                    {
                        open.Push(result);
                    }
                }
                else if (open.TryPeek(out var current))
                {
                    if (name == "Message" && depth == current.Depth + 3 && current.Message is null
                        && path[current.Depth + 1] == "Output" && path[current.Depth + 2] == "ErrorInfo")
                    {
                        current.Message = ReportTally.FirstLine(ReportTally.ReadText(reader));
                    }
                }
            }
            else if (reader.NodeType == XmlNodeType.EndElement)
            {
                if (open.TryPeek(out var current) && reader.Depth == current.Depth)
                {
                    Count(tally, open.Pop());
                }
                else if (open.Count == 0 && reader.Depth == resultsDepth)
                {
                    resultsDepth = -1;
                }
            }
        }

        return tally.ToReport();
    }

    private static void Count(ReportTally tally, OpenResult result)
    {
        if (result.HasInnerResults)
        {
            return;
        }

        switch (result.Outcome)
        {
            case "Passed" or "PassedButRunAborted":
                tally.Passed();
                break;
            case "Failed" or "Error" or "Timeout" or "Aborted":
                tally.Failed(result.Name ?? "(unnamed test)", result.Message);
                break;
            default:
                tally.Skipped();
                break;
        }
    }

    private sealed class OpenResult
    {
        public OpenResult(int depth, string? name, string? outcome)
        {
            Depth = depth;
            Name = string.IsNullOrWhiteSpace(name) ? null : name.Trim();
            Outcome = outcome?.Trim();
        }

        public int Depth { get; }

        public string? Name { get; }

        public string? Outcome { get; }

        public bool HasInnerResults { get; set; }

        public string? Message { get; set; }
    }
}
