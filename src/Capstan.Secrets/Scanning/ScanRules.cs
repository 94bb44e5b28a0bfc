using System.Buffers;
using System.Text.RegularExpressions;

namespace Capstan.Secrets.Scanning;

/// <summary>
/// The rules a scan applies, each with a stable id; docs/scanning.md describes them with examples.
/// </summary>
/// <remarks>
/// Every pattern runs in time linear in the length of the text: each starts at a literal or at the start of a token
/// (a look-behind), every repetition is bounded, and the parts that could be split several ways are atomic groups, so
/// no input makes one backtrack for long (PathologicalInputTests feeds each a megabyte built to try). The broad patterns
/// run only on lines that hold one of their hint words. The time limit on each is a second line of defence: a rule
/// that hits it is reported as a problem for that file, never as a hang.
/// </remarks>
public static partial class ScanRules
{
    /// <summary>How long one rule may search one file before it gives up on it (it never should: see the remarks).</summary>
    internal const int TimeoutMilliseconds = 10_000;

    private const RegexOptions Options = RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture;

    // Between a private key's header and its material: line breaks (real or "\n" escaped), spaces, quotes, '+' and ','.
    private const string KeyGap = @"(?>(?:\\[rn]|[\s""'+,]){1,40})";

    // Words in a name that make its value a candidate for the high-entropy rule ("ApiKey" is the words api and key).
    private static readonly HashSet<string> SecretWords = new(StringComparer.Ordinal)
    {
        "key", "keys", "auth", "pwd", "pass", "creds",
    };

    // Parts of a name that suggest a secret wherever they occur ("clientsecret", "accesstoken", "dbpassword").
    private static readonly string[] SecretNameParts =
    [
        "secret", "token", "passw", "passphrase", "credential", "apikey", "privatekey", "accesskey", "signingkey", "encryptionkey",
    ];

    // A name with one of these words holds something public ("public_key", "publishable_key").
    private static readonly HashSet<string> PublicWords = new(StringComparer.Ordinal) { "public", "publishable" };

    // A name ending in one of these words holds something about a secret, not the secret ("token_url", "secret_name").
    private static readonly HashSet<string> DescriptiveLastWords = new(StringComparer.Ordinal)
    {
        "id", "ids", "name", "names", "file", "filename", "path", "dir", "directory", "url", "uri", "endpoint", "host",
        "type", "kind", "header", "length", "size", "count", "version", "prefix", "suffix", "format", "field", "env",
        "var", "variable", "ref", "arn", "policy", "expiry", "expires", "expiration", "ttl", "timeout", "location",
    };

    private static readonly string[] DotenvTemplateSuffixes = ["example", "sample", "template", "dist"];

    // Lines a rule can match only if they hold one of these; the rest of a file is never handed to its pattern, which
    // matters for the patterns that can start at any word (a name in an assignment) rather than at a literal.
    private static readonly SearchValues<string> SecretNameHints =
        SearchValues.Create(["key", "auth", "pwd", "pass", "cred", "secret", "token"], StringComparison.OrdinalIgnoreCase);

    private static readonly SearchValues<string> AwsSecretHints = SearchValues.Create(["secret"], StringComparison.OrdinalIgnoreCase);

    private static readonly SearchValues<string> PasswordHints = SearchValues.Create(["password", "pwd"], StringComparison.OrdinalIgnoreCase);

    private static readonly SearchValues<string> UrlHints = SearchValues.Create(["://"], StringComparison.Ordinal);

    private static readonly SearchValues<string> StripeHints = SearchValues.Create(["k_live_"], StringComparison.Ordinal);

    /// <summary>Every rule, in the order docs/scanning.md lists them.</summary>
    public static IReadOnlyList<ScanRule> All { get; } =
    [
        new("aws-access-key", "AWS access key id (AKIA or ASIA and 16 capital letters or digits)", FromRegex(AwsAccessKey())),
        new("aws-secret-key", "AWS secret access key (40 characters) assigned to aws_secret_access_key or SecretAccessKey", FromRegex(AwsSecretKey(), lineFilter: AwsSecretHints)),
        new("google-api-key", "Google API key (AIza and 35 characters)", FromRegex(GoogleApiKey())),
        new("stripe-secret-key", "Stripe live secret or restricted key (sk_live_, rk_live_)", FromRegex(StripeSecretKey(), lineFilter: StripeHints)),
        new("private-key", "private key block (a BEGIN … PRIVATE KEY line followed by key material)", FromRegex(PrivateKey())),
        new("github-token", "GitHub token (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_)", FromRegex(GitHubToken())),
        new("gitlab-token", "GitLab personal access token (glpat-)", FromRegex(GitLabToken())),
        new("slack-token", "Slack token (xoxb-, xoxp-, xoxa-, xoxr-, xoxs-)", FromRegex(SlackToken())),
        new("slack-webhook", "Slack incoming webhook URL (hooks.slack.com/services/T…/B…/…)", FromRegex(SlackWebhook())),
        new("url-password", "password in a URL's user info (scheme://user:password@host)", FromRegex(UrlPassword(), IsUrlUserInfo, UrlHints), yieldsToOtherRules: true),
        new("connection-string-password", "password in a connection string (Password=…; or Pwd=…;)", FromRegex(ConnectionStringPassword(), IsInConnectionString, PasswordHints), yieldsToOtherRules: true),
        new("high-entropy-secret", "random-looking value assigned to a name that suggests a secret (secret, token, key, password, credential, auth)",
            FromRegex(Assignment(), IsSecretAssignment, SecretNameHints), yieldsToOtherRules: true),
        new("dotenv-file", "committed .env file (.env.example, .env.sample, .env.template and .env.dist are fine)", DetectDotenvFile),
    ];

    /// <summary>The rule with this id, or null.</summary>
    public static ScanRule? Find(string id) => All.FirstOrDefault(r => string.Equals(r.Id, id, StringComparison.Ordinal));

    /// <summary>
    /// True for a file name the <c>dotenv-file</c> rule reports: <c>.env</c>, or <c>.env.</c> followed by anything but
    /// a template suffix (<c>.env.example</c>, <c>.env.local.sample</c>, <c>.env.template</c>, <c>.env.dist</c>).
    /// </summary>
    public static bool IsDotenvFile(string fileName)
    {
        if (fileName == ".env")
        {
            return true;
        }

        if (!fileName.StartsWith(".env.", StringComparison.Ordinal) || fileName.Length == ".env.".Length)
        {
            return false;
        }

        var suffix = fileName[(fileName.LastIndexOf('.') + 1)..];
        return !DotenvTemplateSuffixes.Contains(suffix, StringComparer.Ordinal);
    }

    // A match counts unless its "secret" group is a placeholder or the rule's own check (if any) rejects it. With a
    // line filter, the pattern runs only on the lines that hold one of the filter's strings.
    private static Detector FromRegex(Regex regex, Func<string, Match, bool>? accept = null, SearchValues<string>? lineFilter = null) =>
        (_, text, hits) =>
        {
            if (lineFilter is null)
            {
                Collect(regex.Match(text), text, accept, hits);
                return;
            }

            for (var position = 0; position < text.Length;)
            {
                var found = text.AsSpan(position).IndexOfAny(lineFilter);
                if (found < 0)
                {
                    break;
                }

                var start = text.LastIndexOf('\n', position + found) + 1;
                var end = text.IndexOf('\n', position + found);
                end = end < 0 ? text.Length : end;
                Collect(regex.Match(text, start, end - start), text, accept, hits);
                position = end + 1;
            }
        };

    private static void Collect(Match match, string text, Func<string, Match, bool>? accept, List<RuleHit> hits)
    {
        for (; match.Success; match = match.NextMatch())
        {
            var secret = match.Groups["secret"];
            if (secret.Success && ValueClassifier.IsPlaceholder(secret.Value))
            {
                continue;
            }

            if (accept is null || accept(text, match))
            {
                hits.Add(new RuleHit(match.Index, match.Length));
            }
        }
    }

    private static void DetectDotenvFile(string path, string text, List<RuleHit> hits)
    {
        if (IsDotenvFile(path[(path.LastIndexOf('/') + 1)..]))
        {
            hits.Add(new RuleHit(0, 0));
        }
    }

    // In "smtp://${secret:SMTP}@host" the ':' is inside a reference, not between a user and a password.
    private static bool IsUrlUserInfo(string text, Match match)
    {
        var user = match.Groups["user"].Value;
        return user.Count(c => c == '{') <= user.Count(c => c == '}');
    }

    // "Password=x" is a connection-string pair when a ';' comes before it, or when a ';' and then another pair or a
    // closing quote come after it; a statement in code that assigns a call to a Password property is not one.
    private static bool IsInConnectionString(string text, Match match)
    {
        if (ValueClassifier.IsCode(match.Groups["secret"].Value))
        {
            return false;
        }

        var before = match.Index - 1;
        while (before >= 0 && text[before] is ' ' or '\t')
        {
            before--;
        }

        if (before >= 0 && text[before] == ';')
        {
            return true;
        }

        var after = match.Index + match.Length;
        while (after < text.Length && text[after] is ' ' or '\t')
        {
            after++;
        }

        return after < text.Length && text[after] == ';' && NextPair().IsMatch(text.AsSpan(after + 1));
    }

    private static bool IsSecretAssignment(string text, Match match) =>
        NameSuggestsSecret(match.Groups["name"].Value) && ValueClassifier.LooksRandom(match.Groups["secret"].Value);

    /// <summary>True when a variable or key name suggests that its value is a secret.</summary>
    internal static bool NameSuggestsSecret(string name)
    {
        var words = Words(name);
        if (words.Count == 0 || words.Any(PublicWords.Contains) || DescriptiveLastWords.Contains(words[^1]))
        {
            return false;
        }

        var joined = string.Concat(words);
        return words.Any(SecretWords.Contains) || SecretNameParts.Any(part => joined.Contains(part, StringComparison.Ordinal));
    }

    // Lower-case words of an identifier: split at non-alphanumerics and camelCase humps ("APIKey" → api, key).
    private static List<string> Words(string name)
    {
        var words = new List<string>();
        var start = -1;
        for (var i = 0; i <= name.Length; i++)
        {
            var c = i < name.Length ? name[i] : '\0';
            var boundary = !char.IsAsciiLetterOrDigit(c)
                || (i > 0 && char.IsAsciiLetterUpper(c) && char.IsAsciiLetterLower(name[i - 1]))
                || (i > 0 && i + 1 < name.Length && char.IsAsciiLetterUpper(c) && char.IsAsciiLetterUpper(name[i - 1]) && char.IsAsciiLetterLower(name[i + 1]));
            if (boundary && start >= 0)
            {
                words.Add(name[start..i].ToLowerInvariant());
                start = -1;
            }

            if (char.IsAsciiLetterOrDigit(c) && start < 0)
            {
                start = i;
            }
        }

        return words;
    }

    [GeneratedRegex(@"(?<![A-Za-z0-9])(?:AKIA|ASIA)(?<secret>[A-Z0-9]{16})(?![A-Za-z0-9])", Options, TimeoutMilliseconds)]
    private static partial Regex AwsAccessKey();

    [GeneratedRegex(@"(?i:aws[_.-]?secret[_.-]?(?:access[_.-]?)?key|secret[_.-]?access[_.-]?key)[""']?[ \t]{0,8}(?::=|=>|=|:)[ \t]{0,8}[""']?(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])", Options, TimeoutMilliseconds)]
    private static partial Regex AwsSecretKey();

    [GeneratedRegex(@"(?<![A-Za-z0-9_-])AIza(?<secret>[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])", Options, TimeoutMilliseconds)]
    private static partial Regex GoogleApiKey();

    [GeneratedRegex(@"(?<![A-Za-z0-9_])[rs]k_live_(?<secret>[0-9A-Za-z]{24,247})(?![0-9A-Za-z])", Options, TimeoutMilliseconds)]
    private static partial Regex StripeSecretKey();

    // The header alone is not enough (documentation mentions it): key material must follow, after blank lines,
    // PEM headers (Proc-Type, DEK-Info, Version), quotes, string concatenation or JSON "\n" escapes. The gaps and
    // header lines are atomic groups: taken whole or not at all, so a run of headers cannot be re-split and backtracked.
    [GeneratedRegex(@"-----BEGIN (?:(?:RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY(?: BLOCK)?-----" + KeyGap + @"(?>(?:[A-Za-z-]{1,40}:(?>[^\r\n\\]{0,200})" + KeyGap + @"){0,4})(?<secret>[A-Za-z0-9+/=]{40})", Options, TimeoutMilliseconds)]
    private static partial Regex PrivateKey();

    [GeneratedRegex(@"(?<![A-Za-z0-9_])(?:gh[pousr]_(?<secret>[A-Za-z0-9]{36,251})|github_pat_(?<secret>[A-Za-z0-9_]{60,244}))(?![A-Za-z0-9_])", Options, TimeoutMilliseconds)]
    private static partial Regex GitHubToken();

    [GeneratedRegex(@"(?<![A-Za-z0-9_-])glpat-(?<secret>[0-9A-Za-z_-]{20,250})(?![0-9A-Za-z_-])", Options, TimeoutMilliseconds)]
    private static partial Regex GitLabToken();

    [GeneratedRegex(@"(?<![A-Za-z0-9_-])xox[abprs]-(?<secret>[0-9]{6,20}-[0-9A-Za-z-]{8,250})(?![0-9A-Za-z-])", Options, TimeoutMilliseconds)]
    private static partial Regex SlackToken();

    [GeneratedRegex(@"https://hooks\.slack\.com/services/T[A-Z0-9]{6,16}/B[A-Z0-9]{6,16}/(?<secret>[A-Za-z0-9]{20,64})(?![A-Za-z0-9])", Options, TimeoutMilliseconds)]
    private static partial Regex SlackWebhook();

    // The user part cannot hold ':' and the password cannot hold '@', '/', '?' or '#' (a URL escapes them), so each
    // start tries one split only.
    [GeneratedRegex(@"(?<![A-Za-z0-9+.-])(?i:postgres(?:ql)?|mysql|mariadb|mssql|sqlserver|amqps?|rediss?|mongodb(?:\+srv)?|https?|ftps?|smtps?|ldaps?)://(?<user>[^\s:@/?#""'<>`]{0,128}):(?<secret>[^\s@/?#""'<>`]{1,256})@", Options, TimeoutMilliseconds)]
    private static partial Regex UrlPassword();

    [GeneratedRegex(@"(?<![A-Za-z0-9_.-])(?i:password|pwd)[ \t]{0,8}=[ \t]{0,8}(?<secret>[^;""'\s]{1,256})", Options, TimeoutMilliseconds)]
    private static partial Regex ConnectionStringPassword();

    [GeneratedRegex(@"^[ \t]{0,8}(?:[A-Za-z][A-Za-z0-9 _]{0,40}=|[""'])", Options, TimeoutMilliseconds)]
    private static partial Regex NextPair();

    // NAME = "value", NAME: value, "name": "value", name := 'value', $name => `value`; an unquoted value ends the token.
    [GeneratedRegex(@"(?<![A-Za-z0-9_.-])(?<q>[""']?)(?<name>[A-Za-z_][A-Za-z0-9_.-]{0,63})\k<q>[ \t]{0,8}(?::=|=>|=|:)(?![=>])[ \t]{0,8}(?:""(?<secret>[^""\s\\]{20,512})""|'(?<secret>[^'\s\\]{20,512})'|`(?<secret>[^`\s\\]{20,512})`|(?<secret>[A-Za-z0-9+/=_.~:@#%^&*!?-]{20,512})(?=[\s,;]|\z))", Options, TimeoutMilliseconds)]
    private static partial Regex Assignment();
}
