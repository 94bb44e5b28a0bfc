using System.Text.RegularExpressions;
using Capstan.Manifest.Binding;

namespace Capstan.Manifest.Tests.Loading;

/// <summary>The loader checks names with plain code; editors check them with the schema's patterns. Both must agree.</summary>
public class NameRuleTests
{
    private static readonly string[] Samples =
    [
        "", "a", "A", "z9", "9a", "_a", "a_", "a-", "-a", "a-b", "a_b", "a.b", "a b", "ab c", "abc", "web", "Web", "WEB",
        "DATABASE_URL", "database_url", "_X", "X1", "1X", "HighErrorRate", "High-Error_Rate", "h@x", "a@b", "a@@b", "@b", "a@",
        "a @b", "shop.localhost", "Shop.localhost", "shop..localhost", ".shop", "shop.", "shop-.x", "x.-shop", "a.b.c",
        "/", "/ready", "/health/live", "ready", "/a b", "/a?b", "/%20", "/~user", "/a#b", "é", "ab\u00e9", "ops@example.com",
        new string('a', 63), new string('a', 64), new string('a', 128), new string('a', 129),
        string.Join('.', Enumerable.Repeat(new string('a', 63), 4)), string.Join('.', Enumerable.Repeat(new string('a', 50), 5)),
    ];

    public static TheoryData<string> Rules() => [.. ManifestSchema.NameRules().Select(r => r.Name)];

    [Theory]
    [MemberData(nameof(Rules))]
    public void EveryNameRule_AgreesWithItsSchemaPattern(string rule)
    {
        var (_, isValid, pattern) = ManifestSchema.NameRules().Single(r => r.Name == rule);
        var regex = new Regex(pattern);

        var disagreements = Samples.Where(s => isValid(s) != regex.IsMatch(s)).Select(s => $"'{s}': code says {isValid(s)}, pattern says {regex.IsMatch(s)}").ToList();

        disagreements.ShouldBeEmpty();
        Samples.ShouldContain(s => isValid(s), "the samples include valid names for every rule");
        Samples.ShouldContain(s => !isValid(s), "and invalid ones");
    }
}
