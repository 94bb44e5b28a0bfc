using System.Buffers;
using System.Globalization;
using Capstan.Manifest.Diagnostics;

namespace Capstan.Manifest.Yaml;

/// <summary>Checks on the raw file before YAML parsing: size, encoding, control characters and tabs.</summary>
internal static class TextChecks
{
    /// <summary>Files larger than this are refused before they are read into memory.</summary>
    public const int MaxBytes = 1024 * 1024;

    private const int MaxReportsPerKind = 10;

    /// <summary>Decodes strict UTF-8 (a leading BOM is allowed); reports the first invalid byte's position.</summary>
    public static string? Decode(ReadOnlySpan<byte> bytes, DiagnosticBag bag)
    {
        if (bytes.Length > MaxBytes)
        {
            bag.Error(SourcePosition.Start, ErrorCodes.FileTooLarge, string.Create(
                CultureInfo.InvariantCulture,
                $"the file is {bytes.Length:N0} bytes; capstan.yaml may be at most 1 MiB ({MaxBytes:N0} bytes)"));
            return null;
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            bytes = bytes[3..];
        }
        else if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            bag.Error(SourcePosition.Start, ErrorCodes.NotUtf8, "the file is UTF-16; save it as UTF-8");
            return null;
        }

        var chars = new char[bytes.Length];
        var status = System.Text.Unicode.Utf8.ToUtf16(bytes, chars, out var read, out var written, replaceInvalidSequences: false);
        if (status == OperationStatus.Done)
        {
            return new string(chars, 0, written);
        }

        // Position of the first bad byte: its line counts the newlines before it; its column counts the characters
        // decoded on its line before it.
        var prefix = new string(chars, 0, written);
        var position = new SourceText(prefix).PositionAt(prefix.Length);
        bag.Error(position, ErrorCodes.NotUtf8, string.Create(
            CultureInfo.InvariantCulture,
            $"byte 0x{bytes[read]:X2} at offset {read} is not valid UTF-8; capstan.yaml must be UTF-8 text"));
        return null;
    }

    /// <summary>Reports characters YAML does not allow (C0 and C1 controls other than tab and line breaks, DEL, U+FFFE/U+FFFF).</summary>
    public static void CheckControlCharacters(SourceText source, DiagnosticBag bag)
    {
        var text = source.Text;
        var reported = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var allowed = c is '\t' or '\n' or '\r' or '\u0085'
                || (c >= ' ' && c <= '~')
                || (c >= '\u00A0' && c <= '\uFFFD');
            if (allowed)
            {
                continue;
            }

            if (++reported > MaxReportsPerKind)
            {
                break;
            }

            bag.Error(source.PositionAt(i), ErrorCodes.ControlCharacter, string.Create(
                CultureInfo.InvariantCulture,
                $"control character U+{(int)c:X4} is not allowed in YAML; remove it or write it escaped in a double-quoted string"));
        }
    }

    /// <summary>
    /// Reports tabs in the indentation of lines, which YAML forbids. Lines inside block scalars (<c>run: |</c>)
    /// may hold tabs after their indentation, so a light scan skips their content.
    /// </summary>
    /// <returns>The lines that were reported.</returns>
    public static HashSet<int> CheckTabs(SourceText source, DiagnosticBag bag)
    {
        var lines = new HashSet<int>();
        var blockParentIndent = -1;
        for (var line = 1; line <= source.LineCount; line++)
        {
            var text = source.Line(line);
            var spaces = CountLeading(text, ' ');
            var rest = text.AsSpan(spaces);
            var isBlank = rest.Trim(" \t").IsEmpty;

            if (blockParentIndent >= 0)
            {
                if (isBlank || spaces > blockParentIndent)
                {
                    continue;
                }

                blockParentIndent = -1;
            }

            if (!isBlank && rest.Length > 0 && rest[0] == '\t')
            {
                // Every such line is returned (so that reading can repair it); the first few are reported.
                lines.Add(line);
                if (lines.Count <= MaxReportsPerKind)
                {
                    bag.Error(new SourcePosition(line, spaces + 1), ErrorCodes.TabIndentation,
                        "tab character in indentation; YAML indents with spaces only");
                }
            }

            if (EndsWithBlockIndicator(rest))
            {
                blockParentIndent = spaces;
            }
        }

        return lines;
    }

    /// <summary>The text with the leading tabs of <paramref name="lines"/> replaced by single spaces.</summary>
    public static SourceText WithoutIndentationTabs(SourceText source, HashSet<int> lines)
    {
        var builder = new System.Text.StringBuilder(source.Text.Length);
        for (var line = 1; line <= source.LineCount; line++)
        {
            var text = source.Line(line);
            if (lines.Contains(line))
            {
                var indent = text.Length - text.TrimStart(' ', '\t').Length;
                text = new string(' ', indent) + text[indent..];
            }

            builder.Append(text);
            if (line < source.LineCount)
            {
                builder.Append('\n');
            }
        }

        return new SourceText(builder.ToString());
    }

    private static int CountLeading(string text, char c)
    {
        var n = 0;
        while (n < text.Length && text[n] == c)
        {
            n++;
        }

        return n;
    }

    /// <summary>True for lines like <c>run: |</c>, <c>- &gt;-</c> or <c>key: |2 # comment</c>.</summary>
    private static bool EndsWithBlockIndicator(ReadOnlySpan<char> line)
    {
        var hash = line.IndexOf(" #");
        if (hash >= 0)
        {
            line = line[..hash];
        }

        line = line.TrimEnd(" \t");
        var i = line.Length - 1;
        while (i >= 0 && (line[i] is '+' or '-' || char.IsAsciiDigit(line[i])))
        {
            i--;
        }

        if (i < 0 || line[i] is not ('|' or '>'))
        {
            return false;
        }

        return i == 0 || line[i - 1] is ' ' or '\t';
    }
}
