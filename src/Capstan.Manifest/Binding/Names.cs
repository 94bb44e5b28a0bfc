namespace Capstan.Manifest.Binding;

/// <summary>
/// The naming rules of capstan.yaml as plain checks. Each has a JSON Schema pattern beside it in
/// <see cref="ManifestSchema"/>; a test checks both agree. (Plain loops rather than regular expressions: these run at
/// every start of the CLI, and regex matching code would be compiled at run time.)
/// </summary>
internal static class Names
{
    /// <summary><c>^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$</c>: a DNS label.</summary>
    public static bool IsAppName(string s) =>
        s.Length is >= 1 and <= 63 && char.IsAsciiLetterLower(s[0]) && s[^1] != '-' && s.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');

    /// <summary><c>^[a-z][a-z0-9_-]{0,62}$</c>: services, jobs, environments, channels, backups.</summary>
    public static bool IsResourceName(string s) =>
        s.Length is >= 1 and <= 63 && char.IsAsciiLetterLower(s[0]) && s.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_');

    /// <summary><c>^[A-Za-z_][A-Za-z0-9_]*$</c>: variables, secrets, labels.</summary>
    public static bool IsVariableName(string s) => Values.Template.IsName(s);

    /// <summary><c>^[A-Za-z][A-Za-z0-9_-]{0,127}$</c>.</summary>
    public static bool IsAlertName(string s) =>
        s.Length is >= 1 and <= 128 && char.IsAsciiLetter(s[0]) && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>Lowercase DNS labels of 1-63 characters, not starting or ending with '-', joined by dots; 253 at most.</summary>
    public static bool IsHost(string s)
    {
        if (s.Length is 0 or > 253)
        {
            return false;
        }

        foreach (var label in s.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-'
                || !label.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary><c>^/[A-Za-z0-9._~!$&amp;'()*+,;=:@%/?-]*$</c>: a URL path, with a query for probes like <c>/ready?deep=1</c>.</summary>
    public static bool IsUrlPath(string s) =>
        s.Length > 0 && s[0] == '/' && s.All(c => char.IsAsciiLetterOrDigit(c) || "._~!$&'()*+,;=:@%/?-".Contains(c, StringComparison.Ordinal));

    /// <summary><c>^[^@\s]+@[^@\s]+$</c>.</summary>
    public static bool IsEmail(string s)
    {
        var at = s.IndexOf('@', StringComparison.Ordinal);
        return at > 0 && at < s.Length - 1 && s.Count(c => c == '@') == 1 && !s.Any(char.IsWhiteSpace);
    }
}
