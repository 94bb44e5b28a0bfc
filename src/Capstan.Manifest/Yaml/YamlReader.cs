using Capstan.Manifest.Diagnostics;

namespace Capstan.Manifest.Yaml;

/// <summary>Reads bytes into a located YAML node tree, reporting every problem it can find into a <see cref="DiagnosticBag"/>.</summary>
public static class YamlReader
{
    /// <summary>Decodes and parses <paramref name="bytes"/>.</summary>
    /// <param name="bytes">The file's content.</param>
    /// <param name="bag">Receives every problem found.</param>
    /// <param name="source">The decoded text, or null when the bytes are not acceptable text.</param>
    /// <returns>
    /// The root node, or null for an empty document or one that cannot be parsed. A tree may come with errors
    /// already reported (duplicate keys, tabs, unknown aliases): it is the best reading of the file, for finding
    /// its other errors, not a valid document.
    /// </returns>
    public static YamlNode? Read(ReadOnlySpan<byte> bytes, DiagnosticBag bag, out SourceText? source)
    {
        var text = TextChecks.Decode(bytes, bag);
        if (text is null)
        {
            source = null;
            return null;
        }

        source = new SourceText(text);
        return Read(source, bag);
    }

    public static YamlNode? Read(SourceText source, DiagnosticBag bag)
    {
        var errorsBefore = bag.HasErrors;
        TextChecks.CheckControlCharacters(source, bag);
        if (bag.HasErrors && !errorsBefore)
        {
            return null; // the parser would trip over the same characters with a less helpful message
        }

        var tabLines = TextChecks.CheckTabs(source, bag);
        if (tabLines.Count == 0)
        {
            return YamlComposer.Compose(source, bag, tabLines);
        }

        // Each reported tab becomes one space, which keeps every column where it was, and reading goes on so that
        // the file's other errors are reported too.
        return YamlComposer.Compose(TextChecks.WithoutIndentationTabs(source, tabLines), bag, tabLines);
    }
}
