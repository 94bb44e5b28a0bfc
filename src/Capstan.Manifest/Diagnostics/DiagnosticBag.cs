namespace Capstan.Manifest.Diagnostics;

/// <summary>Collects every diagnostic of one file so that all of them are reported at once.</summary>
public sealed class DiagnosticBag
{
    /// <summary>More diagnostics than this in one file help no one: the first ones in the file are listed, the rest counted.</summary>
    public const int MaxDiagnostics = 500;

    /// <summary>Diagnostics kept to choose the first <see cref="MaxDiagnostics"/> in file order from; beyond, only counted.</summary>
    private const int MaxKept = 20_000;

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
        if (_items.Count >= MaxKept)
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
        var unlisted = _dropped + Math.Max(0, sorted.Count - MaxDiagnostics);
        if (unlisted > 0)
        {
            sorted.RemoveRange(MaxDiagnostics, sorted.Count - MaxDiagnostics);
            sorted.Add(sorted[^1] with
            {
                Code = ErrorCodes.TooManyDiagnostics,
                Message = $"{unlisted} more problems were found and not listed; fix these {MaxDiagnostics} first",
                Severity = DiagnosticSeverity.Error,
            });
        }

        return sorted;
    }
}
