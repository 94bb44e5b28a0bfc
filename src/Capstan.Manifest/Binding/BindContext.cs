using Capstan.Manifest.Diagnostics;

namespace Capstan.Manifest.Binding;

/// <summary>What binding a document needs: where to report problems and where to record positions.</summary>
internal sealed class BindContext(DiagnosticBag diagnostics, SourceMap map)
{
    public DiagnosticBag Diagnostics { get; } = diagnostics;

    public SourceMap Map { get; } = map;

    /// <summary>Every <c>${...}</c> reference met while binding, with where it stands.</summary>
    public List<LocatedReference> References { get; } = [];

    public void Error(SourcePosition at, string code, string message) => Diagnostics.Error(at, code, message);
}

/// <summary>A template reference and where it was written.</summary>
internal sealed record LocatedReference(Values.TemplateReference Reference, string Path, SourcePosition At);
