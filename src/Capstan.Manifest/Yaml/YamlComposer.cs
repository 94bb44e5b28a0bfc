using System.Globalization;
using Capstan.Manifest.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Capstan.Manifest.Yaml;

/// <summary>
/// Builds a located node tree from YamlDotNet's event stream, enforcing what YamlDotNet leaves to its callers:
/// unique keys, known aliases, a bound on alias expansion ("billion laughs") and on nesting depth, one document.
/// Merge keys (<c>&lt;&lt;: *defaults</c>) are resolved here.
/// </summary>
internal sealed class YamlComposer
{
    /// <summary>Deepest nesting of mappings and lists accepted.</summary>
    public const int MaxDepth = 64;

    /// <summary>Most nodes aliases may add to a document when expanded.</summary>
    public const int MaxExpandedNodes = 100_000;

    private const string MergeKey = "<<";

    private readonly SourceText _source;
    private readonly DiagnosticBag _bag;
    private readonly HashSet<int> _tabLines;
    private readonly Dictionary<string, YamlNode> _anchors = new(StringComparer.Ordinal);
    private readonly Dictionary<YamlNode, long> _weights = new(ReferenceEqualityComparer.Instance);
    private readonly Stack<ParsingEvent> _openFlows = new();
    private readonly IParser _parser;
    private ParsingEvent? _last;

    // Nodes written in the file, and nodes that aliases repeat. A subtree's weight is how much both grew while it
    // was composed, so an alias to a subtree that holds aliases costs all of what it expands to.
    private long _written;
    private long _aliased;

    private YamlComposer(SourceText source, DiagnosticBag bag, HashSet<int> tabLines)
    {
        _source = source;
        _bag = bag;
        _tabLines = tabLines;
        _parser = new Parser(new Scanner(new StringReader(source.Text), skipComments: true));
    }

    /// <summary>The root node, or null when the document is empty or cannot be read (the reasons are in <paramref name="bag"/>).</summary>
    public static YamlNode? Compose(SourceText source, DiagnosticBag bag, HashSet<int> tabLines)
    {
        var composer = new YamlComposer(source, bag, tabLines);
        try
        {
            return composer.ComposeStream();
        }
        catch (SyntaxFailure failure)
        {
            composer.ReportSyntax(failure);
            return null;
        }
        catch (StopComposing)
        {
            return null;
        }
    }

    private YamlNode? ComposeStream()
    {
        MoveNext();
        Expect<StreamStart>();
        if (Current is StreamEnd)
        {
            return null;
        }

        Expect<DocumentStart>();
        var root = Current is DocumentEnd ? null : ComposeNode(0);
        Expect<DocumentEnd>();
        if (Current is DocumentStart second)
        {
            _bag.Error(Position(second.Start), ErrorCodes.MultipleDocuments,
                "a second YAML document starts here; capstan.yaml holds exactly one document");
            return null;
        }

        return root;
    }

    private YamlNode ComposeNode(int depth)
    {
        switch (Current)
        {
            case AnchorAlias alias:
                return ComposeAlias(alias);
            case Scalar scalar:
                return ComposeScalar(scalar);
            case SequenceStart start:
                return ComposeSequence(start, depth);
            case MappingStart start:
                return ComposeMapping(start, depth);
            default:
                throw new SyntaxFailure(Current.Start, $"unexpected {Current.GetType().Name}");
        }
    }

    private YamlNode ComposeAlias(AnchorAlias alias)
    {
        MoveNext();
        if (!_anchors.TryGetValue(alias.Value.Value, out var target))
        {
            _bag.Error(Position(alias.Start), ErrorCodes.AliasOrNesting,
                $"alias '*{alias.Value.Value}' refers to no anchor '&{alias.Value.Value}' defined before it");
            return new YamlScalar("", YamlScalarStyle.Plain, Position(alias.Start), Position(alias.End), -1);
        }

        _aliased += _weights[target];
        if (_aliased > MaxExpandedNodes)
        {
            _bag.Error(Position(alias.Start), ErrorCodes.AliasOrNesting, string.Create(
                CultureInfo.InvariantCulture,
                $"aliases expand the document past {MaxExpandedNodes} nodes; capstan.yaml refuses alias bombs (write the values out, or reuse fewer times)"));
            throw new StopComposing();
        }

        return target;
    }

    private YamlScalar ComposeScalar(Scalar scalar)
    {
        CheckTag(scalar.Tag, scalar.Start);
        var style = scalar.Style switch
        {
            ScalarStyle.SingleQuoted => YamlScalarStyle.SingleQuoted,
            ScalarStyle.DoubleQuoted => YamlScalarStyle.DoubleQuoted,
            ScalarStyle.Literal => YamlScalarStyle.Literal,
            ScalarStyle.Folded => YamlScalarStyle.Folded,
            _ => YamlScalarStyle.Plain,
        };
        var node = new YamlScalar(scalar.Value, style, Position(scalar.Start), Position(scalar.End), ContentOffset(scalar, style), BlockIndent(scalar, style));
        _written++;
        MoveNext();
        Register(scalar.Anchor, node, 1);
        return node;
    }

    private YamlSequence ComposeSequence(SequenceStart start, int depth)
    {
        CheckDepth(start, depth);
        CheckTag(start.Tag, start.Start);
        var before = Weight;
        _written++;
        if (start.Style == SequenceStyle.Flow)
        {
            _openFlows.Push(start);
        }

        MoveNext();
        var items = new List<YamlNode>();
        while (Current is not SequenceEnd)
        {
            items.Add(ComposeNode(depth + 1));
        }

        var end = Current.End;
        if (start.Style == SequenceStyle.Flow)
        {
            _openFlows.Pop();
        }

        MoveNext();
        var node = new YamlSequence(items, Position(start.Start), Position(end));
        Register(start.Anchor, node, Weight - before);
        return node;
    }

    private YamlMapping ComposeMapping(MappingStart start, int depth)
    {
        CheckDepth(start, depth);
        CheckTag(start.Tag, start.Start);
        var before = Weight;
        _written++;
        if (start.Style == MappingStyle.Flow)
        {
            _openFlows.Push(start);
        }

        MoveNext();
        var entries = new List<YamlEntry>();
        var seen = new Dictionary<string, YamlScalar>(StringComparer.Ordinal);
        var merged = new List<YamlEntry>();
        while (Current is not MappingEnd)
        {
            var keyNode = ComposeNode(depth + 1);
            var value = ComposeNode(depth + 1);
            if (keyNode is not YamlScalar key)
            {
                _bag.Error(keyNode.Start, ErrorCodes.WrongType,
                    $"a mapping key must be plain text, not {keyNode.Describe()}");
                continue;
            }

            if (key.Value == MergeKey && key.Style == YamlScalarStyle.Plain)
            {
                CollectMerge(value, merged);
                continue;
            }

            if (seen.TryGetValue(key.Value, out var first))
            {
                _bag.Error(key.Start, ErrorCodes.DuplicateKey,
                    $"key '{key.Value}' is already defined at line {first.Start.Line}; each key may appear once in a mapping");
                continue;
            }

            seen.Add(key.Value, key);
            entries.Add(new YamlEntry(key, value));
        }

        foreach (var entry in merged)
        {
            if (seen.TryAdd(entry.Key.Value, entry.Key))
            {
                entries.Add(entry);
            }
        }

        var end = Current.End;
        if (start.Style == MappingStyle.Flow)
        {
            _openFlows.Pop();
        }

        MoveNext();
        var node = new YamlMapping(entries, Position(start.Start), Position(end));
        Register(start.Anchor, node, Weight - before);
        return node;
    }

    private void CollectMerge(YamlNode value, List<YamlEntry> merged)
    {
        switch (value)
        {
            case YamlMapping mapping:
                merged.AddRange(mapping.Entries);
                break;
            case YamlSequence sequence:
                foreach (var item in sequence.Items)
                {
                    if (item is YamlMapping m)
                    {
                        merged.AddRange(m.Entries);
                    }
                    else
                    {
                        _bag.Error(item.Start, ErrorCodes.WrongType,
                            $"a merge key '<<' takes mappings (usually aliases like *defaults), not {item.Describe()}");
                    }
                }

                break;
            default:
                _bag.Error(value.Start, ErrorCodes.WrongType,
                    $"a merge key '<<' takes a mapping or a list of mappings (usually *defaults), not {value.Describe()}");
                break;
        }
    }

    private long Weight => _written + _aliased;

    /// <summary>Remembers an anchored node and its weight; only anchored nodes can be aliased, so only they are kept.</summary>
    private void Register(AnchorName anchor, YamlNode node, long weight)
    {
        if (!anchor.IsEmpty)
        {
            _weights[node] = weight;
            _anchors[anchor.Value] = node;
        }
    }

    private void CheckDepth(ParsingEvent start, int depth)
    {
        if (depth >= MaxDepth)
        {
            _bag.Error(Position(start.Start), ErrorCodes.AliasOrNesting, string.Create(
                CultureInfo.InvariantCulture,
                $"mappings and lists nest more than {MaxDepth} levels deep here; capstan.yaml allows at most {MaxDepth}"));
            throw new StopComposing();
        }
    }

    /// <summary>Tags would change how values read (<c>!!str 3</c>); capstan.yaml types come from its keys, so none is allowed.</summary>
    private void CheckTag(TagName tag, Mark at)
    {
        if (tag.IsEmpty || tag.Value == "?")
        {
            return;
        }

        var shown = tag.Value.StartsWith("tag:yaml.org,2002:", StringComparison.Ordinal) ? "!!" + tag.Value[18..] : tag.Value;
        _bag.Error(Position(at), ErrorCodes.YamlSyntax, $"YAML tags like '{shown}' are not used in capstan.yaml; remove it (quote a value to make it text)");
    }

    /// <summary>The indentation of a literal block's lines (from its first non-blank line), or -1 for other scalars.</summary>
    private int BlockIndent(Scalar scalar, YamlScalarStyle style)
    {
        if (style != YamlScalarStyle.Literal)
        {
            return -1;
        }

        for (var line = (int)scalar.Start.Line + 1; line <= _source.LineCount && line <= scalar.End.Line; line++)
        {
            var text = _source.Line(line);
            if (text.Trim().Length > 0)
            {
                return text.Length - text.TrimStart(' ').Length;
            }
        }

        return -1;
    }

    /// <summary>Where the value's first character sits relative to the scalar's start, or -1 when they do not map one to one.</summary>
    private int ContentOffset(Scalar scalar, YamlScalarStyle style)
    {
        if (scalar.Start.Line != scalar.End.Line)
        {
            return -1;
        }

        var start = (int)scalar.Start.Index;
        var end = (int)scalar.End.Index;
        var text = _source.Text;
        if (start < 0 || end > text.Length || end < start)
        {
            return -1;
        }

        var raw = text.AsSpan(start, end - start);
        return style switch
        {
            YamlScalarStyle.Plain when raw.SequenceEqual(scalar.Value) => 0,
            YamlScalarStyle.SingleQuoted or YamlScalarStyle.DoubleQuoted
                when raw.Length == scalar.Value.Length + 2 && raw[1..^1].SequenceEqual(scalar.Value) => 1,
            _ => -1,
        };
    }

    private ParsingEvent Current => _parser.Current ?? throw new SyntaxFailure(_last?.End ?? Mark.Empty, "unexpected end of the document");

    private void Expect<T>()
        where T : ParsingEvent
    {
        if (_parser.Current is not null and not T)
        {
            throw new SyntaxFailure(_parser.Current.Start, $"expected {typeof(T).Name}, found {_parser.Current.GetType().Name}");
        }

        MoveNext();
    }

    private void MoveNext()
    {
        _last = _parser.Current;
        try
        {
            _parser.MoveNext();
        }
        catch (YamlException ex)
        {
            throw new SyntaxFailure(ex.Start, ex.Message);
        }
        // YamlDotNet throws other exception types on some malformed input (e.g. InvalidOperationException for a flow
        // list left open at the end of the stream); a failure to parse untrusted text is a syntax error of that text.
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or IndexOutOfRangeException or FormatException or OverflowException)
        {
            throw new SyntaxFailure(_last?.End ?? Mark.Empty, "", unclosed: true);
        }
    }

    private void ReportSyntax(SyntaxFailure failure)
    {
        var position = Position(failure.At);
        if (_tabLines.Count > 0 && (failure.Message.Contains("tab", StringComparison.OrdinalIgnoreCase) || _tabLines.Contains(position.Line)))
        {
            return; // already explained by the tab check
        }

        var atEnd = position.Line >= _source.LineCount && _source.Line(position.Line).Trim().Length == 0
            || position.Line > _source.LineCount;
        if ((failure.Unclosed || atEnd) && _openFlows.TryPeek(out var open))
        {
            var bracket = open is SequenceStart ? "'[' is never closed by ']'" : "'{' is never closed by '}'";
            _bag.Error(Position(open.Start), ErrorCodes.YamlSyntax, $"YAML syntax error: {bracket}");
            return;
        }

        var message = failure.Message.Length == 0 ? "the document is malformed here" : Rephrase(failure.Message);
        _bag.Error(position, ErrorCodes.YamlSyntax, $"YAML syntax error: {message}");
    }

    /// <summary>YamlDotNet's messages start with "While parsing ..., did not find expected key."; keep them, lower-cased and without the final dot.</summary>
    private static string Rephrase(string message)
    {
        message = message.Trim().TrimEnd('.');
        return message.Length > 0 ? char.ToLowerInvariant(message[0]) + message[1..] : message;
    }

    private static SourcePosition Position(Mark mark) => new(Math.Max(1, (int)mark.Line), Math.Max(1, (int)mark.Column));

    private sealed class SyntaxFailure(Mark at, string message, bool unclosed = false) : Exception(message)
    {
        public Mark At { get; } = at;

        public bool Unclosed { get; } = unclosed;
    }

    private sealed class StopComposing : Exception;
}
