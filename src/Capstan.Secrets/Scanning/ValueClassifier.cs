using System.Text.RegularExpressions;

namespace Capstan.Secrets.Scanning;

/// <summary>Tells real-looking secret values from placeholders, references and ordinary words; docs/scanning.md lists the rules.</summary>
internal static partial class ValueClassifier
{
    /// <summary>Bits per character a value needs to count as random (base64, base62, most generated passwords).</summary>
    public const double EntropyThreshold = 3.5;

    /// <summary>Bits per character a value made only of hex digits needs (their ceiling is 4).</summary>
    public const double HexEntropyThreshold = 3.0;

    /// <summary>The shortest value the high-entropy rule looks at.</summary>
    public const int MinimumRandomLength = 20;

    // Words that stand for a secret rather than being one, compared after lower-casing and dropping '-', '_' and spaces.
    private static readonly HashSet<string> PlaceholderWords = new(StringComparer.Ordinal)
    {
        "password", "passwd", "pass", "pwd", "secret", "token", "apikey", "key",
        "changeme", "changeit", "example", "redacted", "placeholder", "dummy", "none", "null", "empty", "todo",
        "yourpassword", "mypassword", "yoursecret", "mysecret", "yourtoken", "yourapikey", "secretpassword",
    };

    private const string Separators = "-_./:@+=~ ";

    /// <summary>
    /// True for a value that stands for a secret instead of being one: empty; a reference (<c>${…}</c>, <c>$VAR</c>,
    /// <c>$(…)</c>, <c>{{…}}</c>, <c>%VAR%</c>, <c>{0}</c>, <c>&lt;password&gt;</c>); a mask (<c>***</c>, <c>xxxx</c>); a
    /// placeholder word (<c>password</c>, <c>changeme</c>, <c>your-password</c>…); a documentation example (contains
    /// "example"); no more than three distinct characters; or a run of eight consecutive characters (<c>abcdefgh</c>,
    /// <c>12345678</c>), the mark of a made-up key.
    /// </summary>
    public static bool IsPlaceholder(string value)
    {
        var v = value.Trim();
        if (v.Length == 0)
        {
            return true;
        }

        if (v.Contains("${", StringComparison.Ordinal) || v.Contains("{{", StringComparison.Ordinal)
            || v.Contains("$(", StringComparison.Ordinal) || v.Contains("#{", StringComparison.Ordinal))
        {
            return true;
        }

        if (v[0] == '$' && v.Length > 1 && (char.IsAsciiLetter(v[1]) || v[1] == '_'))
        {
            return true;
        }

        if ((v[0] == '<' && v[^1] == '>') || (v[0] == '{' && v[^1] == '}') || (v[0] == '[' && v[^1] == ']')
            || (v.Length > 2 && v[0] == '%' && v[^1] == '%'))
        {
            return true;
        }

        if (v.Contains("example", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var normalized = new string([.. v.Where(c => c is not ('-' or '_' or ' ')).Select(char.ToLowerInvariant)]);
        if (PlaceholderWords.Contains(normalized))
        {
            return true;
        }

        return v.Distinct().Count(c => c is not ('-' or '_' or '.' or '/')) <= 3 || HasSequence(v, 8);
    }

    /// <summary>
    /// True when a value assigned to a secret-sounding name looks generated: at least <see cref="MinimumRandomLength"/>
    /// characters, not a placeholder, not a URL, relative path, UUID or piece of code, not made of words (identifiers, dotted names,
    /// kebab-case), and with Shannon entropy of at least <see cref="EntropyThreshold"/> bits per character
    /// (<see cref="HexEntropyThreshold"/> for hex digits).
    /// </summary>
    public static bool LooksRandom(string value)
    {
        if (value.Length < MinimumRandomLength || IsPlaceholder(value))
        {
            return false;
        }

        if (value.Contains("://", StringComparison.Ordinal)
            || value.StartsWith("./", StringComparison.Ordinal)
            || value.StartsWith("../", StringComparison.Ordinal)
            || value.StartsWith("~/", StringComparison.Ordinal)
            || Guid.TryParseExact(value, "D", out _)
            || IsCode(value)
            || IsMadeOfWords(value))
        {
            return false;
        }

        var hex = value.All(char.IsAsciiHexDigit);
        return Entropy(value) >= (hex ? HexEntropyThreshold : EntropyThreshold);
    }

    /// <summary>Shannon entropy in bits per character.</summary>
    public static double Entropy(string value)
    {
        if (value.Length == 0)
        {
            return 0;
        }

        var counts = new Dictionary<char, int>();
        foreach (var c in value)
        {
            counts[c] = counts.GetValueOrDefault(c) + 1;
        }

        var entropy = 0.0;
        foreach (var count in counts.Values)
        {
            var p = (double)count / value.Length;
            entropy -= p * Math.Log2(p);
        }

        return entropy;
    }

    // Identifiers, dotted names, kebab-case and paths: every piece between separators is letters (any case, as in
    // camelCase), digits, letters with a short number after them ("v2", "utf8"), or at most three characters.
    // Generated values have pieces that mix letters and digits throughout.
    private static bool IsMadeOfWords(string value)
    {
        foreach (var range in value.AsSpan().SplitAny(Separators))
        {
            var piece = value.AsSpan()[range];
            if (piece.Length <= 3 || piece.ContainsAnyExceptInRange('0', '9') is false)
            {
                continue;
            }

            var letters = piece.IndexOfAnyExceptInRange('A', 'z');
            var lettersOnly = piece[..(letters < 0 ? piece.Length : letters)];
            var rest = piece[lettersOnly.Length..];
            if (lettersOnly.ContainsAny("[\\]^_`") || rest.Length > 4 || rest.ContainsAnyExceptInRange('0', '9'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True for a value that is a piece of code rather than a literal: a method call, <c>").</c> or <c>()</c>.</summary>
    public static bool IsCode(string value) => LooksLikeCode().IsMatch(value);

    // What a value spanning the end of one string literal and the start of the next looks like:
    // secret=").Append(Escape(secret)).Append(" — a method call, ")." or "()".
    [GeneratedRegex(@"\.[A-Za-z_][A-Za-z0-9_]{2,}\(|\)\.|\(\)", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex LooksLikeCode();

    private static bool HasSequence(string value, int length)
    {
        var run = 1;
        for (var i = 1; i < value.Length; i++)
        {
            run = value[i] == value[i - 1] + 1 ? run + 1 : 1;
            if (run >= length)
            {
                return true;
            }
        }

        return false;
    }
}
