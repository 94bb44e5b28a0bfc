using System.Globalization;

namespace Capstan.Observability.Exposition;

/// <summary>
/// Reads the Prometheus text exposition format 0.0.4, what a <c>/metrics</c> endpoint serves as
/// <c>text/plain; version=0.0.4</c>. Never throws on bad input: each bad line becomes an <see cref="ExpositionProblem"/>
/// naming its line number and what is wrong, and is skipped while the rest parses.
/// </summary>
/// <remarks>
/// <para>
/// Lines are <c># HELP name text</c> (text escapes <c>\\</c> and <c>\n</c>), <c># TYPE name
/// counter|gauge|histogram|summary|untyped</c>, other comments starting with <c>#</c>, blank lines, and samples
/// <c>name{label="value",...} value [timestamp]</c>: metric names <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>, label names
/// <c>[a-zA-Z_][a-zA-Z0-9_]*</c>, label values in double quotes with escapes <c>\\</c>, <c>\"</c> and <c>\n</c>, an
/// optional trailing comma, blanks and tabs between the parts; values as Go's <c>ParseFloat</c> reads them (<c>NaN</c>,
/// <c>+Inf</c>, <c>-Inf</c>, exponents; not the hexadecimal and underscore forms, which Prometheus refuses too), an
/// optional timestamp in integer milliseconds. Lines end with LF; a CR before it is dropped.
/// </para>
/// <para>
/// A histogram's <c>_bucket</c>, <c>_sum</c> and <c>_count</c> series, and a summary's <c>_sum</c>, <c>_count</c> and
/// quantile series, are gathered under the family that has the TYPE line. A sample of a name with no TYPE line makes an
/// untyped family of that name. Samples of one family that are not next to each other are still gathered under it.
/// </para>
/// <para>
/// Problems: a line over <see cref="MaxLineLength"/> characters, an invalid metric or label name, a label value
/// without its closing quote or with an unknown escape, a label named twice in one sample or named <c>__name__</c>, a
/// value or timestamp that is not a number, text after the timestamp, an unknown type, a second TYPE or HELP line for a
/// family, a TYPE line after samples of its family, a histogram bucket without a numeric <c>le</c> label and a
/// summary quantile without a numeric <c>quantile</c> label.
/// </para>
/// </remarks>
public static class PrometheusTextParser
{
    /// <summary>The longest line read (64 KiB); a longer one is reported and skipped.</summary>
    public const int MaxLineLength = 64 * 1024;

    private const string Blanks = " \t";
    private const string TypeWords = "counter, gauge, histogram, summary or untyped";

    public static ExpositionResult Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Parse(text.AsSpan());
    }

    public static ExpositionResult Parse(ReadOnlySpan<char> text) => new Reader().Read(text);

    /// <summary>Reads <paramref name="reader"/> to its end and parses what it held.</summary>
    public static ExpositionResult Parse(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return Parse(reader.ReadToEnd());
    }

    internal static bool IsMetricName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!IsMetricNameChar(c))
            {
                return false;
            }
        }

        return true;
    }

    internal static bool IsLabelName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!IsLabelNameChar(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsMetricNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_' || c == ':';

    private static bool IsLabelNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private static bool IsBlank(char c) => c is ' ' or '\t';

    private static int SkipBlanks(ReadOnlySpan<char> line, int position)
    {
        while (position < line.Length && IsBlank(line[position]))
        {
            position++;
        }

        return position;
    }

    /// <summary>The index of the first blank at or after <paramref name="start"/>, or the line's length.</summary>
    private static int TokenEnd(ReadOnlySpan<char> line, int start)
    {
        var blank = line[start..].IndexOfAny(' ', '\t');
        return blank < 0 ? line.Length : start + blank;
    }

    private static string Quote(ReadOnlySpan<char> text) =>
        text.Length <= 60 ? $"\"{text}\"" : $"\"{text[..60]}…\"";

    private static string Describe(ReadOnlySpan<char> line, int position) =>
        position >= line.Length ? "the end of the line" : $"'{line[position]}'";

    /// <summary>A family as it is being read.</summary>
    private sealed class Family
    {
        public Family(string name)
        {
            Name = name;
        }

        public string Name { get; }

        public MetricType Type { get; set; }

        public bool HasType { get; set; }

        public string? Help { get; set; }

        public List<ParsedSample> Samples { get; } = [];
    }

    /// <summary>The state of one parse.</summary>
    private sealed class Reader
    {
        private readonly Dictionary<string, Family> _families = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Family>.AlternateLookup<ReadOnlySpan<char>> _familiesBySpan;
        private readonly List<Family> _order = [];
        private readonly List<ExpositionProblem> _problems = [];

        // Names and label values repeat from line to line (every bucket of a histogram): one string each.
        private readonly HashSet<string> _strings = new(StringComparer.Ordinal);
        private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _stringsBySpan;
        private readonly List<KeyValuePair<string, string>> _labels = [];
        private char[] _scratch = new char[256];
        private int _lineNumber;

        public Reader()
        {
            _familiesBySpan = _families.GetAlternateLookup<ReadOnlySpan<char>>();
            _stringsBySpan = _strings.GetAlternateLookup<ReadOnlySpan<char>>();
        }

        public ExpositionResult Read(ReadOnlySpan<char> text)
        {
            if (!text.IsEmpty && text[0] == '\uFEFF')
            {
                text = text[1..];
            }

            while (!text.IsEmpty)
            {
                _lineNumber++;
                ReadOnlySpan<char> line;
                var end = text.IndexOf('\n');
                if (end < 0)
                {
                    line = text;
                    text = default;
                }
                else
                {
                    line = text[..end];
                    text = text[(end + 1)..];
                }

                if (line.Length > 0 && line[^1] == '\r')
                {
                    line = line[..^1];
                }

                if (line.Length > MaxLineLength)
                {
                    Problem(string.Create(
                        CultureInfo.InvariantCulture,
                        $"line is {line.Length} characters long, over the limit of {MaxLineLength} (64 KiB)"));
                    continue;
                }

                line = line.Trim(Blanks);
                if (line.IsEmpty)
                {
                    continue;
                }

                if (line[0] == '#')
                {
                    ReadComment(line);
                }
                else
                {
                    ReadSample(line);
                }
            }

            var families = new MetricFamily[_order.Count];
            for (var i = 0; i < families.Length; i++)
            {
                var family = _order[i];
                families[i] = new MetricFamily(family.Name, family.Type, family.Help, family.Samples);
            }

            return new ExpositionResult(families, _problems);
        }

        private void Problem(string message) => _problems.Add(new ExpositionProblem(_lineNumber, message));

        private string Intern(ReadOnlySpan<char> text)
        {
            if (text.IsEmpty)
            {
                return string.Empty;
            }

            if (_stringsBySpan.TryGetValue(text, out var known))
            {
                return known;
            }

            var created = text.ToString();
            _strings.Add(created);
            return created;
        }

        private Family? Find(ReadOnlySpan<char> name) => _familiesBySpan.TryGetValue(name, out var family) ? family : null;

        private Family Create(string name)
        {
            var family = new Family(name);
            _families.Add(name, family);
            _order.Add(family);
            return family;
        }

        private void ReadComment(ReadOnlySpan<char> line)
        {
            var rest = line[1..].TrimStart(Blanks);
            var keywordEnd = TokenEnd(rest, 0);
            var keyword = rest[..keywordEnd];
            var isHelp = keyword.SequenceEqual("HELP");
            if (!isHelp && !keyword.SequenceEqual("TYPE"))
            {
                return;
            }

            rest = rest[keywordEnd..].TrimStart(Blanks);
            if (rest.IsEmpty)
            {
                Problem($"{keyword} line names no metric");
                return;
            }

            var nameEnd = TokenEnd(rest, 0);
            var name = rest[..nameEnd];
            if (!IsMetricName(name))
            {
                Problem($"invalid metric name {Quote(name)} in {keyword} line: a metric name is letters, digits, _ and :, not starting with a digit");
                return;
            }

            rest = rest[nameEnd..].TrimStart(Blanks);
            if (isHelp)
            {
                ReadHelp(name, rest);
            }
            else
            {
                ReadType(name, rest);
            }
        }

        private void ReadHelp(ReadOnlySpan<char> name, ReadOnlySpan<char> text)
        {
            string help;
            var backslash = text.IndexOf('\\');
            if (backslash < 0)
            {
                help = text.ToString();
            }
            else
            {
                var buffer = Scratch(text.Length);
                var length = 0;
                for (var i = 0; i < text.Length; i++)
                {
                    if (text[i] != '\\')
                    {
                        buffer[length++] = text[i];
                        continue;
                    }

                    if (i + 1 == text.Length)
                    {
                        Problem($"HELP text of {name} ends in a lone backslash: write \\\\ for a backslash");
                        return;
                    }

                    var escaped = text[++i];
                    switch (escaped)
                    {
                        case '\\':
                            buffer[length++] = '\\';
                            break;
                        case 'n':
                            buffer[length++] = '\n';
                            break;
                        default:
                            Problem($"invalid escape sequence \\{escaped} in the HELP text of {name}: only \\\\ and \\n are allowed");
                            return;
                    }
                }

                help = new string(buffer, 0, length);
            }

            var family = Find(name);
            if (family?.Help is not null)
            {
                Problem($"second HELP line for {name}: a family has one");
                return;
            }

            family ??= Create(Intern(name));
            family.Help = help;
        }

        private void ReadType(ReadOnlySpan<char> name, ReadOnlySpan<char> rest)
        {
            var wordEnd = TokenEnd(rest, 0);
            var word = rest[..wordEnd];
            var after = rest[wordEnd..].TrimStart(Blanks);
            if (word.IsEmpty)
            {
                Problem($"TYPE line for {name} names no type: expected {TypeWords}");
                return;
            }

            if (!after.IsEmpty)
            {
                Problem($"TYPE line for {name} has text after the type: {Quote(after)}");
                return;
            }

            MetricType type;
            switch (word)
            {
                case "counter":
                    type = MetricType.Counter;
                    break;
                case "gauge":
                    type = MetricType.Gauge;
                    break;
                case "histogram":
                    type = MetricType.Histogram;
                    break;
                case "summary":
                    type = MetricType.Summary;
                    break;
                case "untyped":
                    type = MetricType.Untyped;
                    break;
                default:
                    Problem($"unknown type {Quote(word)} for {name}: expected {TypeWords}");
                    return;
            }

            var family = Find(name);
            if (family is { HasType: true })
            {
                Problem($"second TYPE line for {name}: a family has one");
                return;
            }

            if (family is { Samples.Count: > 0 })
            {
                Problem($"TYPE line for {name} comes after its samples: it must come before the first one");
                return;
            }

            if (type is MetricType.Histogram or MetricType.Summary)
            {
                var nameText = name.ToString();
                string[] suffixes = type == MetricType.Histogram ? ["_bucket", "_sum", "_count"] : ["_sum", "_count"];
                foreach (var suffix in suffixes)
                {
                    if (Find(nameText + suffix) is { Samples.Count: > 0 })
                    {
                        Problem($"TYPE line for {name} comes after its samples ({name}{suffix}): it must come before the first one");
                        return;
                    }
                }
            }

            family ??= Create(Intern(name));
            family.Type = type;
            family.HasType = true;
        }

        private void ReadSample(ReadOnlySpan<char> line)
        {
            var nameEnd = 0;
            while (nameEnd < line.Length && IsMetricNameChar(line[nameEnd]))
            {
                nameEnd++;
            }

            if (nameEnd == 0 || char.IsAsciiDigit(line[0]) || (nameEnd < line.Length && !IsBlank(line[nameEnd]) && line[nameEnd] != '{'))
            {
                var tokenEnd = line.IndexOfAny(" \t{");
                Problem($"invalid metric name {Quote(tokenEnd < 0 ? line : line[..tokenEnd])}: a metric name is letters, digits, _ and :, not starting with a digit");
                return;
            }

            var name = line[..nameEnd];
            var position = SkipBlanks(line, nameEnd);
            _labels.Clear();
            if (position < line.Length && line[position] == '{' && !ReadLabels(line, ref position, name))
            {
                return;
            }

            position = SkipBlanks(line, position);
            if (position >= line.Length)
            {
                Problem($"sample {name} has no value");
                return;
            }

            var valueEnd = TokenEnd(line, position);
            var valueText = line[position..valueEnd];
            if (!ExpositionNumbers.TryParseValue(valueText, out var value))
            {
                Problem(ExpositionNumbers.IsDecimal(valueText)
                    ? $"value {Quote(valueText)} of {name} is out of the range of a double"
                    : $"value {Quote(valueText)} of {name} is not a number: expected a decimal number, NaN, +Inf or -Inf");
                return;
            }

            long? timestamp = null;
            position = SkipBlanks(line, valueEnd);
            if (position < line.Length)
            {
                var timestampEnd = TokenEnd(line, position);
                var timestampText = line[position..timestampEnd];
                if (!ExpositionNumbers.TryParseTimestamp(timestampText, out var milliseconds))
                {
                    Problem($"timestamp {Quote(timestampText)} of {name} is not a whole number of milliseconds");
                    return;
                }

                timestamp = milliseconds;
                position = SkipBlanks(line, timestampEnd);
                if (position < line.Length)
                {
                    Problem($"unexpected {Quote(line[position..])} after the timestamp of {name}");
                    return;
                }
            }

            AddSample(name, value, timestamp);
        }

        /// <summary>Reads <c>{...}</c> into <see cref="_labels"/>; <paramref name="position"/> is at the brace, and after it on success.</summary>
        private bool ReadLabels(ReadOnlySpan<char> line, ref int position, ReadOnlySpan<char> metric)
        {
            position++;
            while (true)
            {
                position = SkipBlanks(line, position);
                if (position >= line.Length)
                {
                    Problem($"labels of {metric} are not closed by }}");
                    return false;
                }

                if (line[position] == '}')
                {
                    position++;
                    return true;
                }

                var nameStart = position;
                while (position < line.Length && IsLabelNameChar(line[position]))
                {
                    position++;
                }

                if (position == nameStart)
                {
                    Problem($"expected a label name in the labels of {metric}, found {Describe(line, position)}");
                    return false;
                }

                if (char.IsAsciiDigit(line[nameStart]) || (position < line.Length && !IsBlank(line[position]) && line[position] != '='))
                {
                    var tokenEnd = line[nameStart..].IndexOfAny(" \t=\",}");
                    var token = tokenEnd < 0 ? line[nameStart..] : line.Slice(nameStart, tokenEnd);
                    Problem($"invalid label name {Quote(token)} in {metric}: a label name is letters, digits and _, not starting with a digit");
                    return false;
                }

                var labelName = line[nameStart..position];
                position = SkipBlanks(line, position);
                if (position >= line.Length || line[position] != '=')
                {
                    Problem($"label name \"{labelName}\" of {metric} is not followed by =, found {Describe(line, position)}");
                    return false;
                }

                position = SkipBlanks(line, position + 1);
                if (position >= line.Length || line[position] != '"')
                {
                    Problem($"label value of \"{labelName}\" does not start with a double quote, found {Describe(line, position)}");
                    return false;
                }

                position++;
                if (!ReadLabelValue(line, ref position, labelName, out var value))
                {
                    return false;
                }

                if (labelName.SequenceEqual("__name__"))
                {
                    Problem($"label name \"__name__\" in {metric} is reserved for the metric name");
                    return false;
                }

                foreach (var label in _labels)
                {
                    if (labelName.SequenceEqual(label.Key))
                    {
                        Problem($"label \"{labelName}\" appears twice in one sample of {metric}");
                        return false;
                    }
                }

                _labels.Add(new(Intern(labelName), value));
                position = SkipBlanks(line, position);
                if (position >= line.Length)
                {
                    Problem($"labels of {metric} are not closed by }}");
                    return false;
                }

                if (line[position] == ',')
                {
                    position++;
                    continue;
                }

                if (line[position] == '}')
                {
                    position++;
                    return true;
                }

                Problem($"expected , or }} after the value of label \"{labelName}\" of {metric}, found {Describe(line, position)}");
                return false;
            }
        }

        /// <summary>Reads a label value; <paramref name="position"/> is after the opening quote, and after the closing one on success.</summary>
        private bool ReadLabelValue(ReadOnlySpan<char> line, ref int position, ReadOnlySpan<char> labelName, out string value)
        {
            value = string.Empty;
            var rest = line[position..];
            var stop = rest.IndexOfAny('"', '\\');
            if (stop >= 0 && rest[stop] == '"')
            {
                value = Intern(rest[..stop]);
                position += stop + 1;
                return true;
            }

            var buffer = Scratch(rest.Length);
            var length = 0;
            var i = 0;
            while (stop >= 0)
            {
                rest.Slice(i, stop).CopyTo(buffer.AsSpan(length));
                length += stop;
                i += stop;
                if (rest[i] == '"')
                {
                    value = Intern(buffer.AsSpan(0, length));
                    position += i + 1;
                    return true;
                }

                // A backslash.
                if (i + 1 == rest.Length)
                {
                    break;
                }

                var escaped = rest[i + 1];
                switch (escaped)
                {
                    case '\\':
                    case '"':
                        buffer[length++] = escaped;
                        break;
                    case 'n':
                        buffer[length++] = '\n';
                        break;
                    default:
                        Problem($"invalid escape sequence \\{escaped} in the value of label \"{labelName}\": only \\\\, \\\" and \\n are allowed");
                        return false;
                }

                i += 2;
                stop = rest[i..].IndexOfAny('"', '\\');
            }

            Problem($"label value of \"{labelName}\" is not closed by a double quote");
            return false;
        }

        private void AddSample(ReadOnlySpan<char> name, double value, long? timestamp)
        {
            string sampleName;
            var family = Find(name);
            if (family is not null)
            {
                sampleName = family.Name;
            }
            else
            {
                family = FamilyOfSuffixed(name);
                sampleName = Intern(name);
                family ??= Create(sampleName);
            }

            var labels = _labels.Count == 0 ? LabelSet.Empty : LabelSet.From(_labels);
            if (family.Type == MetricType.Histogram)
            {
                if (ReferenceEquals(sampleName, family.Name))
                {
                    Problem($"{name} is a histogram: its samples are {name}_bucket, {name}_sum and {name}_count");
                    return;
                }

                if (name.EndsWith("_bucket") && !HasNumericLabel(labels, "le", name))
                {
                    return;
                }
            }
            else if (family.Type == MetricType.Summary && ReferenceEquals(sampleName, family.Name) && !HasNumericLabel(labels, "quantile", name))
            {
                return;
            }

            family.Samples.Add(new ParsedSample(sampleName, labels, value, timestamp));
        }

        /// <summary>The histogram or summary that a <c>_bucket</c>, <c>_sum</c> or <c>_count</c> series belongs to, if any.</summary>
        private Family? FamilyOfSuffixed(ReadOnlySpan<char> name)
        {
            if (name.EndsWith("_bucket"))
            {
                return Find(name[..^"_bucket".Length]) is { Type: MetricType.Histogram } histogram ? histogram : null;
            }

            var suffix = name.EndsWith("_sum") ? "_sum".Length : name.EndsWith("_count") ? "_count".Length : 0;
            return suffix > 0 && Find(name[..^suffix]) is { Type: MetricType.Histogram or MetricType.Summary } family ? family : null;
        }

        private bool HasNumericLabel(LabelSet labels, string label, ReadOnlySpan<char> sample)
        {
            var text = labels[label];
            if (text is null)
            {
                Problem($"{sample} has no {label} label");
                return false;
            }

            if (!ExpositionNumbers.TryParseValue(text, out _))
            {
                Problem($"{label} label of {sample} is not a number: {Quote(text)}");
                return false;
            }

            return true;
        }

        private char[] Scratch(int length)
        {
            if (_scratch.Length < length)
            {
                _scratch = new char[Math.Max(length, _scratch.Length * 2)];
            }

            return _scratch;
        }
    }
}
