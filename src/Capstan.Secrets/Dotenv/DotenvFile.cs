using System.Globalization;
using System.Text;
using Capstan.Manifest.Values;

namespace Capstan.Secrets.Dotenv;

/// <summary>A line of a .env file that could not be read, and why.</summary>
public sealed record DotenvError(int Line, string Message)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"line {Line}: {Message}");
}

/// <summary>
/// Reads and writes <c>.env</c> files: <c>NAME=value</c>, an optional <c>export</c> prefix, comments, unquoted values
/// (trailing <c># comment</c> dropped), single-quoted values (literal), double-quoted values (<c>\n \t \" \\ \$</c>
/// escapes; may span lines). Every line that does not fit is reported; nothing is guessed.
/// </summary>
public static class DotenvFile
{
    public static (IReadOnlyList<KeyValuePair<string, string>> Values, IReadOnlyList<DotenvError> Errors) Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var values = new List<KeyValuePair<string, string>>();
        var errors = new List<DotenvError>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var number = i + 1;
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (line.StartsWith("export ", StringComparison.Ordinal))
            {
                line = line[7..].TrimStart();
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                errors.Add(new(number, "expected NAME=value"));
                continue;
            }

            var name = line[..equals].Trim();
            if (!Template.IsName(name))
            {
                errors.Add(new(number, $"'{Shorten(name)}' is not a variable name (letters, digits and _, not starting with a digit)"));
                continue;
            }

            var raw = line[(equals + 1)..].TrimStart();
            string value;
            if (raw.StartsWith('"'))
            {
                var start = i;
                if (!TryReadDoubleQuoted(lines, ref i, raw, out value, out var problem))
                {
                    errors.Add(new(start + 1, problem));
                    continue;
                }
            }
            else if (raw.StartsWith('\''))
            {
                var close = raw.IndexOf('\'', 1);
                if (close < 0)
                {
                    errors.Add(new(number, "a single-quoted value is never closed on its line"));
                    continue;
                }

                if (!IsTrailingComment(raw[(close + 1)..]))
                {
                    errors.Add(new(number, "unexpected text after the closing quote"));
                    continue;
                }

                value = raw[1..close];
            }
            else
            {
                var comment = raw.IndexOf(" #", StringComparison.Ordinal);
                value = (comment >= 0 ? raw[..comment] : raw).TrimEnd();
            }

            if (seen.TryGetValue(name, out var first))
            {
                errors.Add(new(number, string.Create(CultureInfo.InvariantCulture, $"{name} is already set on line {first}")));
                continue;
            }

            seen[name] = number;
            values.Add(new(name, value));
        }

        return (values, errors);
    }

    /// <summary>Writes <c>NAME="value"</c> lines, double-quoted and escaped so that any value (newlines, quotes, <c>$</c>) reads back exactly.</summary>
    public static string Write(IEnumerable<KeyValuePair<string, string>> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var builder = new StringBuilder();
        foreach (var (name, value) in values)
        {
            builder.Append(name).Append("=\"");
            foreach (var c in value)
            {
                builder.Append(c switch
                {
                    '\\' => "\\\\",
                    '"' => "\\\"",
                    '$' => "\\$",
                    '`' => "\\`",
                    '\n' => "\\n",
                    '\r' => "\\r",
                    '\t' => "\\t",
                    _ => c.ToString(),
                });
            }

            builder.Append("\"\n");
        }

        return builder.ToString();
    }

    private static bool TryReadDoubleQuoted(string[] lines, ref int index, string raw, out string value, out string problem)
    {
        var builder = new StringBuilder();
        var text = raw[1..];
        while (true)
        {
            for (var j = 0; j < text.Length; j++)
            {
                var c = text[j];
                if (c == '"')
                {
                    if (!IsTrailingComment(text[(j + 1)..]))
                    {
                        value = "";
                        problem = "unexpected text after the closing quote";
                        return false;
                    }

                    value = builder.ToString();
                    problem = "";
                    return true;
                }

                if (c == '\\' && j + 1 < text.Length)
                {
                    j++;
                    builder.Append(text[j] switch { 'n' => '\n', 'r' => '\r', 't' => '\t', var other => other });
                    continue;
                }

                builder.Append(c);
            }

            if (++index >= lines.Length)
            {
                value = "";
                problem = "a double-quoted value is never closed";
                return false;
            }

            builder.Append('\n');
            text = lines[index];
        }
    }

    private static bool IsTrailingComment(string rest)
    {
        var trimmed = rest.TrimStart();
        return trimmed.Length == 0 || trimmed.StartsWith('#');
    }

    private static string Shorten(string s) => s.Length > 40 ? s[..40] + "..." : s;
}
