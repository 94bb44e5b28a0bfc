using System.Text;

namespace Capstan.Manifest.Values;

/// <summary>Where references are interpreted in a text.</summary>
public enum TemplateKind
{
    /// <summary>A configuration value: <c>${secret:NAME}</c> and <c>${VAR}</c> are references, <c>$$</c> is a literal <c>$</c>.</summary>
    Value,

    /// <summary>
    /// A shell script run by bash: only <c>${secret:NAME}</c> is a reference; <c>$VAR</c> and <c>${VAR}</c> are left
    /// to the shell, which reads them from the job's environment.
    /// </summary>
    Script,
}

/// <summary>A reference inside a template: <c>${secret:NAME}</c> or <c>${NAME}</c>.</summary>
/// <param name="Offset">Where the reference's <c>$</c> stands in the text.</param>
/// <param name="Length">The length of the whole reference, <c>${</c> to <c>}</c>.</param>
public sealed record TemplateReference(bool IsSecret, string Name, int Offset, int Length);

/// <summary>A text that may hold <c>${secret:NAME}</c> and <c>${VAR}</c> references.</summary>
public sealed record Template
{
    public const string NamePattern = "[A-Za-z_][A-Za-z0-9_]*";

    public required string Text { get; init; }

    public required TemplateKind Kind { get; init; }

    public required IReadOnlyList<TemplateReference> References { get; init; }

    public IEnumerable<TemplateReference> Secrets => References.Where(r => r.IsSecret);

    public IEnumerable<TemplateReference> Variables => References.Where(r => !r.IsSecret);

    public bool HasReferences => References.Count > 0;

    public static Template Literal(string text, TemplateKind kind = TemplateKind.Value) =>
        Parse(text, kind, out var error) ?? throw new FormatException(error.Message);

    /// <summary>Parses the references of <paramref name="text"/>; returns null with the first error when one is malformed.</summary>
    public static Template? Parse(string text, TemplateKind kind, out ValueError error)
    {
        var references = new List<TemplateReference>();
        var i = 0;
        while ((i = text.IndexOf('$', i)) >= 0)
        {
            if (kind == TemplateKind.Value && i + 1 < text.Length && text[i + 1] == '$')
            {
                i += 2;
                continue;
            }

            if (i + 1 >= text.Length || text[i + 1] != '{')
            {
                i++;
                continue;
            }

            var isSecret = string.CompareOrdinal(text, i + 2, "secret:", 0, 7) == 0;
            // In a script, bash owns everything but ${secret:NAME}: ${secret:-default} and ${secret:1:2} are bash.
            var isScriptSecret = isSecret && i + 9 < text.Length && (char.IsAsciiLetter(text[i + 9]) || text[i + 9] == '_');
            if (kind == TemplateKind.Script && !isScriptSecret)
            {
                i += 2;
                continue;
            }

            var close = text.IndexOf('}', i + 2);
            if (close < 0)
            {
                error = new("'${' is never closed by '}'", i);
                return null;
            }

            var inner = text[(i + 2)..close];
            var colon = inner.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0 && !isSecret)
            {
                var prefix = inner[..colon];
                error = new($"'${{{inner}}}' is not a reference Capstan knows; write ${{secret:NAME}} for a secret or ${{NAME}} for a variable"
                    + (prefix.Length > 0 && prefix.All(char.IsAsciiLetterOrDigit) ? $" ('{prefix}:' is not a reference kind)" : ""), i);
                return null;
            }

            var name = isSecret ? inner[7..] : inner;
            if (!IsName(name))
            {
                error = new(name.Length == 0
                    ? $"'${{{inner}}}' names nothing; write {(isSecret ? "${secret:NAME}" : "${NAME}")}"
                    : $"'{name}' in '${{{inner}}}' is not a valid {(isSecret ? "secret" : "variable")} name (letters, digits and _, not starting with a digit)", i);
                return null;
            }

            references.Add(new TemplateReference(isSecret, name, i, close - i + 1));
            i = close + 1;
        }

        error = default;
        return new Template { Text = text, Kind = kind, References = references };
    }

    /// <summary>Replaces every reference through <paramref name="resolve"/>, and <c>$$</c> by <c>$</c> in values.</summary>
    public string Render(Func<TemplateReference, string> resolve)
    {
        ArgumentNullException.ThrowIfNull(resolve);
        var builder = new StringBuilder(Text.Length);
        var last = 0;
        foreach (var reference in References)
        {
            AppendLiteral(builder, Text.AsSpan(last, reference.Offset - last));
            builder.Append(resolve(reference));
            last = reference.Offset + reference.Length;
        }

        AppendLiteral(builder, Text.AsSpan(last));
        return builder.ToString();
    }

    private void AppendLiteral(StringBuilder builder, ReadOnlySpan<char> literal)
    {
        if (Kind == TemplateKind.Script)
        {
            builder.Append(literal);
            return;
        }

        for (var i = 0; i < literal.Length; i++)
        {
            builder.Append(literal[i]);
            if (literal[i] == '$' && i + 1 < literal.Length && literal[i + 1] == '$')
            {
                i++;
            }
        }
    }

    public static bool IsName(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    public override string ToString() => Text;
}
