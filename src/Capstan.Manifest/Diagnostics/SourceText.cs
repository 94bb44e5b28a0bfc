namespace Capstan.Manifest.Diagnostics;

/// <summary>The text of a file with its line starts, to turn offsets into positions and to show source lines.</summary>
public sealed class SourceText
{
    private readonly int[] _lineStarts;

    public SourceText(string text)
    {
        Text = text;
        // Lines end where YAML ends them: at LF, CR LF, or a lone CR.
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == text.Length || text[i + 1] != '\n')))
            {
                starts.Add(i + 1);
            }
        }

        _lineStarts = [.. starts];
    }

    public string Text { get; }

    public int LineCount => _lineStarts.Length;

    public SourcePosition PositionAt(int index)
    {
        index = Math.Clamp(index, 0, Text.Length);
        var line = Array.BinarySearch(_lineStarts, index);
        if (line < 0)
        {
            line = ~line - 1;
        }

        return new SourcePosition(line + 1, index - _lineStarts[line] + 1);
    }

    /// <summary>The text of a 1-based line without its line break, or an empty string past the end.</summary>
    public string Line(int line)
    {
        if (line < 1 || line > _lineStarts.Length)
        {
            return "";
        }

        var start = _lineStarts[line - 1];
        var end = line < _lineStarts.Length ? _lineStarts[line] : Text.Length;
        return Text[start..end].TrimEnd('\n', '\r');
    }
}
