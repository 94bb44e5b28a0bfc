using System.Globalization;
using Capstan.Manifest.Diagnostics;
using Capstan.Manifest.Values;

namespace Capstan.Manifest.Alerts;

/// <summary>
/// Parses <c>function(argument) OP threshold</c> or <c>series{label="value"} OP threshold</c>.
/// Operators: <c>&gt; &gt;= &lt; &lt;= == !=</c>. Thresholds: numbers, percentages, durations, sizes.
/// </summary>
public static class AlertConditionParser
{
    public const string Expectation = "a condition like \"error_rate(api) > 1%\"";

    public static AlertCondition? Parse(string text, out ValueError error)
    {
        var p = new Cursor(text);
        p.SkipSpaces();
        var nameStart = p.Position;
        var name = p.ReadWhile(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':');
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
        {
            error = new($"'{text}' is not {Expectation}", nameStart);
            return null;
        }

        var arguments = new List<AlertArgument>();
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var isSeries = true;
        p.SkipSpaces();
        if (p.Peek == '(')
        {
            isSeries = false;
            var function = AlertFunctions.Find(name);
            if (function is null)
            {
                var suggestion = Suggestions.Closest(name, AlertFunctions.All.Select(f => f.Name));
                error = new($"'{name}' is not an alert function" + (suggestion is null
                    ? $"; known: {string.Join(", ", AlertFunctions.All.Select(f => f.Name))}"
                    : $"; did you mean '{suggestion}'?"), nameStart);
                return null;
            }

            p.Advance();
            if (!ParseArguments(p, arguments, out error))
            {
                return null;
            }

            var expected = function.Argument == AlertArgumentKind.None ? 0 : 1;
            if (arguments.Count != expected)
            {
                error = new($"{function.Name} takes {(expected == 0 ? "no argument" : "one argument")}: {function.Signature}", nameStart);
                return null;
            }
        }
        else
        {
            if (AlertFunctions.Find(name) is { } function)
            {
                error = new($"{name} needs its argument: {function.Signature}", nameStart);
                return null;
            }

            if (p.Peek == '{' && !ParseLabels(p, labels, out error))
            {
                return null;
            }
        }

        p.SkipSpaces();
        var operatorStart = p.Position;
        var op = p.ReadWhile(c => c is '<' or '>' or '=' or '!');
        ComparisonOperator comparison;
        switch (op)
        {
            case ">": comparison = ComparisonOperator.GreaterThan; break;
            case ">=": comparison = ComparisonOperator.GreaterOrEqual; break;
            case "<": comparison = ComparisonOperator.LessThan; break;
            case "<=": comparison = ComparisonOperator.LessOrEqual; break;
            case "==": comparison = ComparisonOperator.Equal; break;
            case "!=": comparison = ComparisonOperator.NotEqual; break;
            default:
                error = new(op.Length == 0
                    ? $"expected a comparison (>, >=, <, <=, == or !=) after '{text[..operatorStart].Trim()}'"
                    : $"'{op}' is not a comparison; use >, >=, <, <=, == or !=", operatorStart);
                return null;
        }

        p.SkipSpaces();
        var thresholdStart = p.Position;
        var thresholdText = p.ReadWhile(c => !char.IsWhiteSpace(c));
        p.SkipSpaces();
        if (!p.AtEnd)
        {
            error = new($"unexpected '{text[p.Position..]}' after the threshold; a condition compares one value with one threshold", p.Position);
            return null;
        }

        if (!TryParseThreshold(thresholdText, out var threshold, out var thresholdError))
        {
            error = new(thresholdError, thresholdStart);
            return null;
        }

        var units = isSeries ? [ThresholdKind.Number] : AlertFunctions.Find(name)!.Units;
        if (!units.Contains(threshold.Kind))
        {
            error = new($"{(isSeries ? "a scraped series" : name)} is compared with {Describe(units)}, not {Describe([threshold.Kind])} ('{thresholdText}')", thresholdStart);
            return null;
        }

        error = default;
        return new AlertCondition
        {
            Text = text,
            Function = name,
            IsSeries = isSeries,
            Arguments = arguments,
            Labels = labels,
            Operator = comparison,
            Threshold = threshold,
        };
    }

    private static bool ParseArguments(Cursor p, List<AlertArgument> arguments, out ValueError error)
    {
        p.SkipSpaces();
        while (p.Peek != ')')
        {
            if (p.AtEnd)
            {
                error = new("'(' is never closed by ')'", p.Position);
                return false;
            }

            var start = p.Position;
            string value;
            if (p.Peek is '"' or '\'')
            {
                var quote = p.Peek;
                p.Advance();
                value = p.ReadWhile(c => c != quote);
                if (p.AtEnd)
                {
                    error = new("a quoted argument is never closed", start);
                    return false;
                }

                p.Advance();
            }
            else
            {
                value = p.ReadWhile(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or ':');
                if (value.Length == 0)
                {
                    error = new($"unexpected '{p.Peek}' in the arguments", p.Position);
                    return false;
                }
            }

            arguments.Add(new AlertArgument(value, start));
            p.SkipSpaces();
            if (p.Peek == ',')
            {
                p.Advance();
                p.SkipSpaces();
            }
            else if (p.Peek != ')' && !p.AtEnd)
            {
                error = new($"expected ',' or ')' after '{value}'", p.Position);
                return false;
            }
        }

        p.Advance();
        error = default;
        return true;
    }

    private static bool ParseLabels(Cursor p, Dictionary<string, string> labels, out ValueError error)
    {
        var open = p.Position;
        p.Advance();
        p.SkipSpaces();
        while (p.Peek != '}')
        {
            var start = p.Position;
            var label = p.ReadWhile(c => char.IsAsciiLetterOrDigit(c) || c == '_');
            p.SkipSpaces();
            if (label.Length == 0 || p.Peek != '=')
            {
                error = new(p.AtEnd ? "'{' is never closed by '}'" : "expected label=\"value\" in the series selector", p.AtEnd ? open : start);
                return false;
            }

            p.Advance();
            p.SkipSpaces();
            if (p.Peek != '"')
            {
                error = new($"the value of label '{label}' must be in double quotes", p.Position);
                return false;
            }

            p.Advance();
            var value = p.ReadWhile(c => c != '"');
            if (p.AtEnd)
            {
                error = new($"the value of label '{label}' is never closed by '\"'", start);
                return false;
            }

            p.Advance();
            if (!labels.TryAdd(label, value))
            {
                error = new($"label '{label}' is given twice", start);
                return false;
            }

            p.SkipSpaces();
            if (p.Peek == ',')
            {
                p.Advance();
                p.SkipSpaces();
            }
            else if (p.Peek != '}')
            {
                error = new(p.AtEnd ? "'{' is never closed by '}'" : $"expected ',' or '}}' after the value of label '{label}'", p.AtEnd ? open : p.Position);
                return false;
            }
        }

        p.Advance();
        error = default;
        return true;
    }

    private static bool TryParseThreshold(string text, out AlertThreshold threshold, out string error)
    {
        threshold = null!;
        if (text.Length == 0)
        {
            error = "expected a threshold after the comparison (a number, a percentage like 1%, a duration like 500ms or a size like 2Gi)";
            return false;
        }

        if (double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            threshold = new(ThresholdKind.Number, number, text);
        }
        else if (text.EndsWith('%') && Percentage.TryParse(text, out var percentage, out _))
        {
            threshold = new(ThresholdKind.Percentage, percentage.Percent, text);
        }
        else if (Duration.TryParse(text, out var duration, out _))
        {
            threshold = new(ThresholdKind.Duration, duration.Value.TotalSeconds, text);
        }
        else if (ByteSize.TryParse(text, out var size, out _))
        {
            threshold = new(ThresholdKind.Size, size.Bytes, text);
        }
        else
        {
            error = $"'{text}' is not a threshold; write a number, a percentage like 1%, a duration like 500ms or a size like 2Gi";
            return false;
        }

        error = "";
        return true;
    }

    private static string Describe(IEnumerable<ThresholdKind> kinds) => string.Join(" or ", kinds.Select(k => k switch
    {
        ThresholdKind.Percentage => "a percentage",
        ThresholdKind.Duration => "a duration",
        ThresholdKind.Size => "a size",
        _ => "a number",
    }));

    private sealed class Cursor(string text)
    {
        public int Position { get; private set; }

        public bool AtEnd => Position >= text.Length;

        public char Peek => AtEnd ? '\0' : text[Position];

        public void Advance() => Position++;

        public void SkipSpaces()
        {
            while (!AtEnd && char.IsWhiteSpace(text[Position]))
            {
                Position++;
            }
        }

        public string ReadWhile(Func<char, bool> predicate)
        {
            var start = Position;
            while (!AtEnd && predicate(text[Position]))
            {
                Position++;
            }

            return text[start..Position];
        }
    }
}
