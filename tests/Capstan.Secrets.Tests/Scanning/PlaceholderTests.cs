using Capstan.Secrets.Scanning;

namespace Capstan.Secrets.Tests.Scanning;

/// <summary>Values that stand for a secret (references, masks, documentation words) are never reported.</summary>
public sealed class PlaceholderTests
{
    public static TheoryData<string> Placeholders { get; } =
    [
        "${DB_PASSWORD}",
        "${secret:DB_PASSWORD}",
        "$DB_PASSWORD",
        "$(DbPassword)",
        "{{ .Values.password }}",
        "{{password}}",
        "#{Password}",
        "%DB_PASSWORD%",
        "{0}",
        "{password}",
        "<password>",
        "[password]",
        "password",
        "PASSWORD",
        "passwd",
        "pwd",
        "secret",
        "changeme",
        "change-me",
        "changeit",
        "your-password",
        "your_password",
        "redacted",
        "***",
        "********",
        "xxxxxxxx",
        "XXXXXXXXXXXXXXXXXXXX",
        "my-example-password",
        "12345678",
        "abcdefghij",
    ];

    [Theory]
    [MemberData(nameof(Placeholders))]
    public void Placeholder_InAUrl_IsNotFound(string placeholder) =>
        SecretScanner.ScanText("a.yaml", $"url: postgres://app:{placeholder}@db.internal:5432/app").ShouldBeEmpty();

    [Theory]
    [MemberData(nameof(Placeholders))]
    public void Placeholder_InAConnectionString_IsNotFound(string placeholder) =>
        SecretScanner.ScanText("a.json", $"\"Db\": \"Host=db;Username=app;Password={placeholder};Database=app\"").ShouldBeEmpty();

    [Theory]
    [MemberData(nameof(Placeholders))]
    public void Placeholder_AssignedToASecretName_IsNotFound(string placeholder) =>
        SecretScanner.ScanText("a.env.txt", $"DB_PASSWORD=\"{placeholder}{placeholder}{placeholder}\"").ShouldBeEmpty();

    [Theory]
    [InlineData("postgres://app:@db/app")]
    [InlineData("Host=db;Password=;Database=app")]
    [InlineData("api_key = \"\"")]
    public void EmptyValue_IsNotFound(string text) => SecretScanner.ScanText("a.txt", text).ShouldBeEmpty();

    [Theory]
    [InlineData("s3cret-pw")]
    [InlineData("hunter2-not-for-logs")]
    [InlineData("Tr0ub4dor&3")]
    public void RealLookingPassword_IsStillFound_EvenIfWeak(string password) =>
        SecretScanner.ScanText("a.yaml", $"url: postgres://app:{password}@db/app").Select(f => f.Rule).ShouldBe(["url-password"]);

    [Theory]
    [InlineData("password", true)]
    [InlineData("P@ssw0rd-1234", false)]
    [InlineData("", true)]
    [InlineData("   ", true)]
    [InlineData("ab", true)]
    [InlineData("aab", true)]
    [InlineData("Tr0ub4dor&3", false)]
    public void IsPlaceholder_TellsMarkersFromValues(string value, bool placeholder) =>
        ValueClassifier.IsPlaceholder(value).ShouldBe(placeholder);

    [Fact]
    public void Entropy_IsZeroForOneRepeatedCharacter_AndLog2OfTheAlphabetForAllDistinct()
    {
        ValueClassifier.Entropy("aaaaaaaa").ShouldBe(0);
        ValueClassifier.Entropy("abcd").ShouldBe(2, tolerance: 1e-9);
        ValueClassifier.Entropy("0123456789abcdef").ShouldBe(4, tolerance: 1e-9);
    }
}
