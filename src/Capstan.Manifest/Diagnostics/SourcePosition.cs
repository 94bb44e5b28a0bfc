namespace Capstan.Manifest.Diagnostics;

/// <summary>A 1-based line and column in a source file.</summary>
public readonly record struct SourcePosition(int Line, int Column)
{
    public static readonly SourcePosition Start = new(1, 1);

    /// <summary>The position <paramref name="columns"/> characters to the right on the same line.</summary>
    public SourcePosition Advance(int columns) => new(Line, Column + columns);

    public override string ToString() => $"{Line}:{Column}";
}
