using System.Xml;

namespace Capstan.Pipelines.Reports;

/// <summary>
/// JUnit XML as pytest, jest-junit, go-junit-report, Maven Surefire and most other tools write it: every
/// <c>&lt;testcase&gt;</c> under the root, however deeply its <c>&lt;testsuite&gt;</c> elements nest, is one test. Its
/// verdict comes from its own children: <c>&lt;failure&gt;</c> or <c>&lt;error&gt;</c> make it failed (whatever else it
/// holds), else <c>&lt;skipped&gt;</c> makes it skipped, else it passed. Summary attributes (<c>tests=</c>,
/// <c>failures=</c>) are not trusted; Surefire's <c>&lt;flakyFailure&gt;</c> and <c>&lt;rerunFailure&gt;</c> do not count.
/// </summary>
internal static class JUnitFormat
{
    public static bool IsRoot(XmlReader reader) => reader.LocalName is "testsuites" or "testsuite";

    /// <summary>Reads from the root element to the end.</summary>
    public static TestReport Read(XmlReader reader, string file)
    {
        var tally = new ReportTally(file);
        var caseDepth = -1;
        string name = string.Empty;
        Verdict verdict = Verdict.Passed;
        string? message = null;
        while (reader.Read())
        {
            if (reader.NodeType == XmlNodeType.Element)
            {
                if (caseDepth < 0)
                {
                    if (reader.LocalName == "testcase")
                    {
                        caseDepth = reader.Depth;
                        name = Name(reader.GetAttribute("classname"), reader.GetAttribute("name"));
                        verdict = Verdict.Passed;
                        message = null;
                        if (reader.IsEmptyElement)
                        {
                            Count(tally, name, verdict, message);
                            caseDepth = -1;
                        }
                    }
                }
                else if (reader.Depth == caseDepth + 1)
                {
                    switch (reader.LocalName)
                    {
                        case "failure" or "error" when verdict != Verdict.Failed:
                            verdict = Verdict.Failed;
                            message = Message(reader);
                            break;
                        case "skipped" when verdict == Verdict.Passed:
                            verdict = Verdict.Skipped;
                            break;
                    }
                }
            }
            else if (reader.NodeType == XmlNodeType.EndElement && reader.Depth == caseDepth)
            {
                Count(tally, name, verdict, message);
                caseDepth = -1;
            }
        }

        return tally.ToReport();
    }

    /// <summary>
    /// <c>classname.name</c>, as most tools display a case; just the name when there is no class name or the name already
    /// starts with it (jest-junit's default puts the describe block and title in both).
    /// </summary>
    internal static string Name(string? classname, string? name)
    {
        classname = classname?.Trim() ?? string.Empty;
        name = name?.Trim() ?? string.Empty;
        if (name.Length == 0)
        {
            return classname.Length == 0 ? "(unnamed test)" : classname;
        }

        if (classname.Length == 0 || name == classname || name.StartsWith(classname + " ", StringComparison.Ordinal) || name.StartsWith(classname + ".", StringComparison.Ordinal))
        {
            return name;
        }

        return classname + "." + name;
    }

    /// <summary>
    /// The first line of the <c>message</c> attribute; or of the element's text when the attribute is missing or only
    /// repeats the verdict (go-junit-report writes <c>message="Failed"</c> and puts what <c>go test</c> printed in the text).
    /// </summary>
    private static string? Message(XmlReader reader)
    {
        var attribute = ReportTally.FirstLine(reader.GetAttribute("message"));
        if (attribute is not null && !attribute.Equals("Failed", StringComparison.OrdinalIgnoreCase)
            && !attribute.Equals("Failure", StringComparison.OrdinalIgnoreCase) && !attribute.Equals("Error", StringComparison.OrdinalIgnoreCase))
        {
            return attribute;
        }

        return ReportTally.FirstLine(ReportTally.ReadText(reader)) ?? attribute;
    }

    private static void Count(ReportTally tally, string name, Verdict verdict, string? message)
    {
        switch (verdict)
        {
            case Verdict.Failed:
                tally.Failed(name, message);
                break;
            case Verdict.Skipped:
                tally.Skipped();
                break;
            default:
                tally.Passed();
                break;
        }
    }

    private enum Verdict
    {
        Passed,
        Skipped,
        Failed,
    }
}
