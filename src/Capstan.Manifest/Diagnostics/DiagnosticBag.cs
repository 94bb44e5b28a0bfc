namespace Capstan.Manifest.Diagnostics;

/// <summary>Collects every diagnostic of one file so that all of them are reported at once.</summary>
public sealed class DiagnosticBag
{
    /// <summary>More diagnostics than this in one file help no one; the rest are counted, not kept.</summary>
    public const int MaxDiagnostics = 500;

    private readonly List<Diagnostic> _items = [];
    private int _dropped;

    public DiagnosticBag(string file) => File = file;

    public string File { get; }

    public int Count => _items.Count;

    public bool HasErrors => _items.Exists(d => d.IsError);

    public void Error(SourcePosition at, string code, string message) =>
        Add(at, code, message, DiagnosticSeverity.Error);

    public void Warning(SourcePosition at, string code, string message) =>
        Add(at, code, message, DiagnosticSeverity.Warning);

    public void Add(SourcePosition at, string code, string message, DiagnosticSeverity severity)
    {
        if (_items.Count >= MaxDiagnostics)
        {
            _dropped++;
            return;
        }

        _items.Add(new Diagnostic
        {
            File = File,
            Line = at.Line,
            Column = at.Column,
            Code = code,
            Message = message,
            Severity = severity,
        });
    }

    /// <summary>The diagnostics in file order (line, then column), errors before warnings at the same place.</summary>
    public IReadOnlyList<Diagnostic> ToSortedList()
    {
        List<Diagnostic> sorted = [.. _items
            .Select((d, i) => (d, i))
            .OrderBy(x => x.d.Line)
            .ThenBy(x => x.d.Column)
            .ThenBy(x => x.d.Severity)
            .ThenBy(x => x.i)
            .Select(x => x.d)];
        if (_dropped > 0)
        {
            var last = sorted[^1];
            sorted.Add(last with
            {
                Code = ErrorCodes.TooManyDiagnostics,
                Message = $"{_dropped} more problems were found and not listed; fix these {MaxDiagnostics} first",
                Severity = DiagnosticSeverity.Error,
            });
        }

        return sorted;
    }
}
