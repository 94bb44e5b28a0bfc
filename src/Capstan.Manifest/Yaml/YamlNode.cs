using Capstan.Manifest.Diagnostics;

namespace Capstan.Manifest.Yaml;

/// <summary>A node of a YAML document, with where it starts and ends in the source.</summary>
public abstract class YamlNode
{
    private protected YamlNode(SourcePosition start, SourcePosition end)
    {
        Start = start;
        End = end;
    }

    public SourcePosition Start { get; }

    public SourcePosition End { get; }

    /// <summary>How the node reads in a message: "a mapping", "a list", "text 'abc'".</summary>
    public abstract string Describe();
}

/// <summary>How a scalar was written.</summary>
public enum YamlScalarStyle
{
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

public sealed class YamlScalar : YamlNode
{
    private readonly int _contentOffset;
    private readonly int _blockIndent;

    internal YamlScalar(string value, YamlScalarStyle style, SourcePosition start, SourcePosition end, int contentOffset, int blockIndent = -1)
        : base(start, end)
    {
        Value = value;
        Style = style;
        _contentOffset = contentOffset;
        _blockIndent = blockIndent;
    }

    public string Value { get; }

    public YamlScalarStyle Style { get; }

    public bool IsQuoted => Style is YamlScalarStyle.SingleQuoted or YamlScalarStyle.DoubleQuoted;

    /// <summary>True for an empty plain value, <c>~</c> or <c>null</c>: YAML's null.</summary>
    public bool IsNull => Style == YamlScalarStyle.Plain && Value is "" or "~" or "null" or "Null" or "NULL";

    /// <summary>
    /// Where the character at <paramref name="offset"/> of <see cref="Value"/> stands in the source: exact for a
    /// value written on one line without escapes, and for a literal block (<c>run: |</c>), whose lines are the source
    /// lines after the indicator; otherwise where the scalar starts.
    /// </summary>
    public SourcePosition PositionOf(int offset)
    {
        if (offset < 0 || offset > Value.Length)
        {
            return Start;
        }

        if (_contentOffset >= 0)
        {
            return Start.Advance(_contentOffset + offset);
        }

        if (_blockIndent >= 0)
        {
            var before = Value.AsSpan(0, offset);
            var lineStart = before.LastIndexOf('\n') + 1;
            return new SourcePosition(Start.Line + 1 + before.Count('\n'), _blockIndent + (offset - lineStart) + 1);
        }

        return Start;
    }

    public override string Describe() => IsNull ? "an empty value" : $"text '{Shorten(Value)}'";

    internal static string Shorten(string value)
    {
        var firstLine = value.AsSpan();
        var newline = firstLine.IndexOfAny('\r', '\n');
        if (newline >= 0)
        {
            firstLine = firstLine[..newline];
        }

        return firstLine.Length > 40 || newline >= 0 ? string.Concat(firstLine[..Math.Min(40, firstLine.Length)], "...") : value;
    }
}

/// <summary>One key and value of a mapping. Keys are always scalars in capstan.yaml.</summary>
public sealed record YamlEntry(YamlScalar Key, YamlNode Value);

public sealed class YamlMapping : YamlNode
{
    internal YamlMapping(IReadOnlyList<YamlEntry> entries, SourcePosition start, SourcePosition end)
        : base(start, end) => Entries = entries;

    public IReadOnlyList<YamlEntry> Entries { get; }

    public YamlEntry? Find(string key)
    {
        foreach (var entry in Entries)
        {
            if (entry.Key.Value == key)
            {
                return entry;
            }
        }

        return null;
    }

    public override string Describe() => "a mapping";
}

public sealed class YamlSequence : YamlNode
{
    internal YamlSequence(IReadOnlyList<YamlNode> items, SourcePosition start, SourcePosition end)
        : base(start, end) => Items = items;

    public IReadOnlyList<YamlNode> Items { get; }

    public override string Describe() => "a list";
}
