namespace Capstan.Manifest.Diagnostics;

/// <summary>Collects every diagnostic of one file so that all of them are reported at once.</summary>
public sealed class DiagnosticBag
{
    private readonly List<Diagnostic> _items = [];

    public DiagnosticBag(string file) => File = file;

    public string File { get; }

    public int Count => _items.Count;

    public bool HasErrors => _items.Exists(d => d.IsError);

    public void Error(SourcePosition at, string code, string message) =>
        Add(at, code, message, DiagnosticSeverity.Error);

    public void Warning(SourcePosition at, string code, string message) =>
        Add(at, code, message, DiagnosticSeverity.Warning);

    public void Add(SourcePosition at, string code, string message, DiagnosticSeverity severity) =>
        _items.Add(new Diagnostic
        {
            File = File,
            Line = at.Line,
            Column = at.Column,
            Code = code,
            Message = message,
            Severity = severity,
        });

    /// <summary>The diagnostics in file order (line, then column), errors before warnings at the same place.</summary>
    public IReadOnlyList<Diagnostic> ToSortedList() =>
        [.. _items
            .Select((d, i) => (d, i))
            .OrderBy(x => x.d.Line)
            .ThenBy(x => x.d.Column)
            .ThenBy(x => x.d.Severity)
            .ThenBy(x => x.i)
            .Select(x => x.d)];
}
