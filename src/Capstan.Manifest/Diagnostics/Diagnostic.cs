using System.Globalization;

namespace Capstan.Manifest.Diagnostics;

/// <summary>How bad a diagnostic is. Errors make a manifest unusable; warnings do not.</summary>
public enum DiagnosticSeverity
{
    Error,
    Warning,
}

/// <summary>
/// One problem found in a file, located at a 1-based line and column, with a stable code
/// (see <see cref="ErrorCodes"/>) and a message that says what was expected.
/// </summary>
public sealed record Diagnostic
{
    public required string File { get; init; }
    public required int Line { get; init; }
    public required int Column { get; init; }
    public required string Code { get; init; }
    public required string Message { get; init; }
    public DiagnosticSeverity Severity { get; init; } = DiagnosticSeverity.Error;

    public bool IsError => Severity == DiagnosticSeverity.Error;

    /// <summary>The compiler-style form: <c>capstan.yaml:14:9: CAP012 job 'build' needs unknown job 'tset'</c>.</summary>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{File}:{Line}:{Column}: {(IsError ? "" : "warning ")}{Code} {Message}");
}
