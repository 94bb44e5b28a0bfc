using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;
using Capstan.Secrets.Masking;

namespace Capstan.Secrets.Tests.Masking;

public sealed class SecretMaskerTests
{
    private const string Token = "ghp_s3cr3tT0ken";

    [Fact]
    public void Mask_ReplacesAPlainValue()
    {
        var masker = SecretMasker.Create([Token]);

        masker.Mask($"pushing with {Token} now").ShouldBe("pushing with *** now");
    }

    [Fact]
    public void Mask_ReplacesEveryOccurrenceOnALine()
    {
        var masker = SecretMasker.Create([Token]);

        masker.Mask($"{Token} and {Token},{Token}").ShouldBe("*** and ***,***");
    }

    [Fact]
    public void Mask_ReplacesValuesAtTheStartAndTheEndOfTheText()
    {
        var masker = SecretMasker.Create([Token]);

        masker.Mask($"{Token} middle {Token}").ShouldBe("*** middle ***");
        masker.Mask(Token).ShouldBe("***");
    }

    [Fact]
    public void Mask_ReplacesEachOfSeveralSecrets()
    {
        var masker = SecretMasker.Create([Token, "db-password-42", "AKIAIOSFODNN7EXAMPLE"]);

        masker.Mask("token=ghp_s3cr3tT0ken pw=db-password-42 key=AKIAIOSFODNN7EXAMPLE.")
            .ShouldBe("token=*** pw=*** key=***.");
    }

    [Fact]
    public void Mask_ReplacesTheStandardBase64Form()
    {
        var masker = SecretMasker.Create([Token]);
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(Token));

        masker.Mask($"{{\"auth\":\"{encoded}\"}}").ShouldBe("{\"auth\":\"***\"}");
    }

    [Fact]
    public void Mask_ReplacesTheUrlSafeBase64FormWithoutPadding()
    {
        // Chosen so the standard encoding has '+' and '/' and padding: the URL-safe form differs in all three.
        var value = "s3cr3t>>>???!";
        var masker = SecretMasker.Create([value]);
        var standard = Convert.ToBase64String(Encoding.UTF8.GetBytes(value));
        var urlSafe = standard.TrimEnd('=').Replace('+', '-').Replace('/', '_');
        standard.ShouldContain("+");
        standard.ShouldContain("/");
        standard.ShouldEndWith("==");

        masker.Mask($"?state={urlSafe}&x=1").ShouldBe("?state=***&x=1");
        masker.Mask($"b64 {standard}").ShouldBe("b64 ***");
    }

    [Fact]
    public void Mask_ReplacesTheBase64OfAPasswordInsideABasicAuthorizationHeader()
    {
        // user:password is encoded as one text, so the password sits at some byte alignment inside it.
        var password = "correct-horse-battery";
        var masker = SecretMasker.Create([password]);

        foreach (var user in new[] { "a", "ab", "abc", "deploy" })
        {
            var header = "Authorization: Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));

            var masked = masker.Mask(header);

            masked.ShouldContain(SecretMasker.Replacement);
            // What is left around the mask encodes at most the user name and a few bits of the password.
            masked.Length.ShouldBeLessThan(header.Length - (password.Length * 4 / 3) + 8);
        }
    }

    [Fact]
    public void Mask_ReplacesTheUrlEncodedForms()
    {
        var value = "p@ss word/with&chars";
        var masker = SecretMasker.Create([value]);

        masker.Mask($"https://host/?pw={Uri.EscapeDataString(value)}&x=1").ShouldBe("https://host/?pw=***&x=1");
        masker.Mask($"pw={WebUtility.UrlEncode(value)}").ShouldBe("pw=***");
    }

    [Fact]
    public void Mask_ReplacesTheJsonEscapedForm()
    {
        var value = "p\"ss+wörd<x>";
        var masker = SecretMasker.Create([value]);
        var json = JsonSerializer.Serialize(new { password = value });

        masker.Mask(json).ShouldBe("{\"password\":\"***\"}");
    }

    [Fact]
    public void Mask_ReplacesEachLongEnoughLineOfAMultiLineSecretOnItsOwn()
    {
        var key = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\nQ==\n-----END PRIVATE KEY-----\n";
        var masker = SecretMasker.Create([key]);

        masker.Mask("line: BKcwggSjAgEAAoIBAQC7 end").ShouldBe("line: *** end");
        masker.Mask(key).ShouldBe("***\n***\n***\nQ==\n***\n");
    }

    [Fact]
    public void Mask_LeavesAShortLineOfAMultiLineSecret()
    {
        var masker = SecretMasker.Create(["first-long-line\nab\nthird-long-line"]);

        masker.Mask("ab cd ab").ShouldBe("ab cd ab");
    }

    [Fact]
    public void Mask_ReplacesTheBase64OfAWholeMultiLineSecret()
    {
        // A certificate stuffed into a Kubernetes secret or a JSON document is encoded whole, on one line.
        var certificate = "-----BEGIN CERTIFICATE-----\r\nMIIBszCCAVmgAwIBAgIU\r\n-----END CERTIFICATE-----\r\n";
        var masker = SecretMasker.Create([certificate]);
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(certificate));

        masker.Mask($"tls.crt: {encoded}").ShouldBe("tls.crt: ***");
    }

    [Theory]
    [InlineData("1")]
    [InlineData("abc")]
    [InlineData("admin")]
    [InlineData("  abc  ")]
    public void Mask_LeavesValuesShorterThanTheMinimum(string value)
    {
        var masker = SecretMasker.Create([value]);

        masker.IsEmpty.ShouldBeTrue();
        masker.Mask($"user {value} logged in").ShouldBe($"user {value} logged in");
        SecretMasker.WillBeMasked(value).ShouldBeFalse();
    }

    [Theory]
    [InlineData("abcdef", true)]
    [InlineData("abcde", false)]
    [InlineData("", false)]
    [InlineData("   \n  ", false)]
    [InlineData("long-line-1\nlong-line-2\n", true)]
    [InlineData("long-line-1\nshort\n", false)]
    public void WillBeMasked_SaysWhetherEveryLineReachesTheMinimumLength(string value, bool expected)
    {
        SecretMasker.WillBeMasked(value).ShouldBe(expected);
    }

    [Fact]
    public void Mask_WhenOneSecretContainsAnother_ReplacesTheLongest()
    {
        var masker = SecretMasker.Create(["secret", "secret-and-more"]);

        masker.Mask("x secret-and-more y secret-and z").ShouldBe("x *** y ***-and z");
    }

    [Fact]
    public void Mask_OfOverlappingOccurrences_ReplacesTheLeftmostAndGoesOnAfterIt()
    {
        var masker = SecretMasker.Create(["abcabc"]);

        // Occurrences at 0, 3 and 6 overlap; after the first, the search resumes at 6.
        masker.Mask("abcabcabcabc").ShouldBe("******");
        masker.Mask("abcabcabc!").ShouldBe("***abc!");
    }

    [Fact]
    public void Mask_OfTwoSecretsOverlappingEachOther_ReplacesTheOneThatStartsFirst()
    {
        var masker = SecretMasker.Create(["123456789", "789abcdef"]);

        masker.Mask("x123456789abcdefx").ShouldBe("x***abcdefx");
    }

    [Fact]
    public void Mask_OfTextWithoutSecrets_ReturnsTheSameInstance()
    {
        var masker = SecretMasker.Create([Token]);
        var text = "nothing to hide here, just ghp_ and s3cr3t";

        masker.Mask(text).ShouldBeSameAs(text);
    }

    [Fact]
    public void Mask_ReplacesUnicodeValues()
    {
        var masker = SecretMasker.Create(["пароль-секрет", "🔑key🔑"]);

        masker.Mask("pw=пароль-секрет k=🔑key🔑!").ShouldBe("pw=*** k=***!");
        masker.Mask("b=" + Convert.ToBase64String(Encoding.UTF8.GetBytes("пароль-секрет"))).ShouldBe("b=***");
        masker.Mask("u=" + Uri.EscapeDataString("пароль-секрет")).ShouldBe("u=***");
    }

    [Fact]
    public void Mask_WithAValueReadFromAFile_IgnoresTheTrailingLineBreak()
    {
        var masker = SecretMasker.Create(["hunter2hunter2\n"]);

        masker.Mask("pw hunter2hunter2 ok").ShouldBe("pw *** ok");
        masker.Mask(Convert.ToBase64String(Encoding.UTF8.GetBytes("hunter2hunter2"))).ShouldBe("***");
        masker.Mask(Convert.ToBase64String(Encoding.UTF8.GetBytes("hunter2hunter2\n"))).ShouldBe("***");
    }

    [Fact]
    public void Empty_PassesTextThroughUnchanged()
    {
        var text = "anything at all";

        SecretMasker.Empty.IsEmpty.ShouldBeTrue();
        SecretMasker.Empty.Mask(text).ShouldBeSameAs(text);
        SecretMasker.Create([]).IsEmpty.ShouldBeTrue();
        var output = new StringWriter();
        SecretMasker.Empty.Mask(text.AsSpan(), output);
        output.ToString().ShouldBe(text);
    }

    [Fact]
    public void Mask_IntoATextWriter_WritesTheMaskedText()
    {
        var masker = SecretMasker.Create([Token]);
        var output = new StringWriter();

        masker.Mask($"a {Token} b {Token}".AsSpan(), output);

        output.ToString().ShouldBe("a *** b ***");
    }

    [Fact]
    public void Mask_IntoABufferWriter_WritesTheMaskedText()
    {
        var masker = SecretMasker.Create([Token]);
        var output = new ArrayBufferWriter<char>();

        masker.Mask($"{Token} b {Token} c".AsSpan(), output);

        output.WrittenSpan.ToString().ShouldBe("*** b *** c");
    }

    [Fact]
    public void Create_OfANullValue_Throws()
    {
        Should.Throw<ArgumentException>(() => SecretMasker.Create([Token, null!]));
    }

    [Fact]
    public void Patterns_AreNeverShorterThanTheMinimumNorContainALineBreak()
    {
        var masker = SecretMasker.Create([Token, "a\nbcdefgh\r\nijklmnopq", "ab+/?>~éà"]);

        masker.Patterns.ShouldAllBe(p => p.Length >= SecretMasker.MinimumLength && !p.Contains('\n') && !p.Contains('\r'));
    }
}
