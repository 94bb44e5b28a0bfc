using Capstan.Secrets.Scanning;
using Capstan.Testing;

namespace Capstan.Secrets.Tests.Scanning;

/// <summary>
/// Text built to make regular expressions backtrack: a megabyte on one line that almost matches each rule over and
/// over. Every rule must get through it (a rule that hit its time limit would show up as a problem).
/// </summary>
public sealed class PathologicalInputTests
{
    private const int Megabyte = 1024 * 1024;

    public static TheoryData<string> Lines { get; } =
    [
        "a",
        "A",
        "AKIA",
        "aws_secret_access_key=",
        "AIza",
        "sk_live_",
        "-----BEGIN RSA " + "PRIVATE KEY-----\n",
        "-----BEGIN PRIVATE KEY-----  Proc-Type: x ",
        "ghp_",
        "github_pat_",
        "glpat-",
        "xoxb-123456-",
        "https://hooks.slack.com/services/TABCDEFGH/",
        "postgres://",
        "postgres://u:",
        "redis://:p",
        "Password=",
        ";password=x",
        "api_key=",
        "\"token\": \"",
        "token: ",
        "a.b.c.d.",
        "secret_key_",
        "=:=:=",
        " ",
        "\t\n",
    ];

    [Theory]
    [MemberData(nameof(Lines))]
    public async Task OneMegabyteOfARepeatedNearMatch_IsScannedWithoutARuleGivingUp(string piece)
    {
        var text = string.Concat(Enumerable.Repeat(piece, Megabyte / piece.Length + 1));
        var problems = new List<string>();

        await Task.Run(() => SecretScanner.ScanText("big.txt", text, problems), TestContext.Current.CancellationToken).DefaultTimeout();

        problems.ShouldBeEmpty();
    }

    [Fact]
    public async Task OneMegabyteOfRandomText_IsScannedWithoutARuleGivingUp()
    {
        var text = Fake.Random("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789=:;_-./@\"' \n", Megabyte, 5);
        var problems = new List<string>();

        await Task.Run(() => SecretScanner.ScanText("big.txt", text, problems), TestContext.Current.CancellationToken).DefaultTimeout();

        problems.ShouldBeEmpty();
    }
}
