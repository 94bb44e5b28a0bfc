using Capstan.Secrets.Scanning;
using Capstan.Testing;

namespace Capstan.Secrets.Tests.Scanning;

/// <summary>The allowlist: every entry form, where it is read from, and malformed entries reported by line.</summary>
public sealed class AllowlistTests
{
    private static readonly string Token = Fake.GitHubToken();
    private static readonly string KeyId = Fake.AwsAccessKeyId();

    [Theory]
    [InlineData("tests/fixtures/keys.txt", "docs/guide.md:1:github-token, docs/guide.md:2:aws-access-key, src/app.cs:1:github-token")]
    [InlineData("tests/fixtures/**", "docs/guide.md:1:github-token, docs/guide.md:2:aws-access-key, src/app.cs:1:github-token")]
    [InlineData("tests/fixtures", "docs/guide.md:1:github-token, docs/guide.md:2:aws-access-key, src/app.cs:1:github-token")]
    [InlineData("tests/**/*.txt:github-token", "docs/guide.md:1:github-token, docs/guide.md:2:aws-access-key, src/app.cs:1:github-token, tests/fixtures/keys.txt:2:aws-access-key")]
    [InlineData("docs/guide.md:2", "docs/guide.md:1:github-token, src/app.cs:1:github-token, tests/fixtures/keys.txt:1:github-token, tests/fixtures/keys.txt:2:aws-access-key")]
    [InlineData("docs/guide.md:2:aws-access-key", "docs/guide.md:1:github-token, src/app.cs:1:github-token, tests/fixtures/keys.txt:1:github-token, tests/fixtures/keys.txt:2:aws-access-key")]
    [InlineData("docs/guide.md:2:github-token", "docs/guide.md:1:github-token, docs/guide.md:2:aws-access-key, src/app.cs:1:github-token, tests/fixtures/keys.txt:1:github-token, tests/fixtures/keys.txt:2:aws-access-key")]
    [InlineData("docs/*.md:aws-access-key", "docs/guide.md:1:github-token, src/app.cs:1:github-token, tests/fixtures/keys.txt:1:github-token, tests/fixtures/keys.txt:2:aws-access-key")]
    [InlineData("**:aws-access-key", "docs/guide.md:1:github-token, src/app.cs:1:github-token, tests/fixtures/keys.txt:1:github-token")]
    [InlineData("*.cs", "docs/guide.md:1:github-token, docs/guide.md:2:aws-access-key, src/app.cs:1:github-token, tests/fixtures/keys.txt:1:github-token, tests/fixtures/keys.txt:2:aws-access-key")]
    [InlineData("/src/app.cs", "docs/guide.md:1:github-token, docs/guide.md:2:aws-access-key, tests/fixtures/keys.txt:1:github-token, tests/fixtures/keys.txt:2:aws-access-key")]
    [InlineData("./src/app.cs:1", "docs/guide.md:1:github-token, docs/guide.md:2:aws-access-key, tests/fixtures/keys.txt:1:github-token, tests/fixtures/keys.txt:2:aws-access-key")]
    [InlineData("src/app.cs:2", "docs/guide.md:1:github-token, docs/guide.md:2:aws-access-key, src/app.cs:1:github-token, tests/fixtures/keys.txt:1:github-token, tests/fixtures/keys.txt:2:aws-access-key")]
    [InlineData("github-token:docs/guide.md", null)]
    public async Task EachEntryForm_AllowsExactlyWhatItNames(string entry, string? remaining)
    {
        using var repository = Repository();
        repository.Write(SecretScanner.DefaultAllowlistFileName, "# reviewed fixtures\n\n" + entry + "\n");

        var result = await ScanAsync(repository.Path);

        if (remaining is null)
        {
            result.Problems.ShouldHaveSingleItem().ShouldStartWith(".secretsallow:3: ");
            result.Findings.Count.ShouldBe(5);
            return;
        }

        string.Join(", ", result.Findings.Select(f => f.Fingerprint)).ShouldBe(remaining);
        result.FindingsAllowed.ShouldBe(5 - result.Findings.Count);
        result.Problems.ShouldBeEmpty();
    }

    [Fact]
    public async Task PrintedFingerprints_PastedIntoTheAllowlist_AllowEveryFinding()
    {
        using var repository = Repository();
        repository.Write("odd: name [1].txt", Token);
        var first = await ScanAsync(repository.Path);
        first.Findings.Count.ShouldBe(6);

        repository.Write(SecretScanner.DefaultAllowlistFileName, string.Join('\n', first.Findings.Select(f => f.Fingerprint)));
        var second = await ScanAsync(repository.Path);

        second.Findings.ShouldBeEmpty();
        second.FindingsAllowed.ShouldBe(6);
        second.Problems.ShouldBeEmpty();
        first.Findings.Single(f => f.Path.StartsWith("odd", StringComparison.Ordinal)).Fingerprint.ShouldBe(@"odd\: name \[1\].txt:1:github-token");
    }

    [Fact]
    public async Task MalformedEntries_AreEachReportedWithTheirLineNumber_AndTheGoodOnesStillApply()
    {
        using var repository = Repository();
        repository.Write(SecretScanner.DefaultAllowlistFileName, string.Join('\n',
            "# comment",
            "src/app.cs",
            ":12",
            "docs/guide.md:0",
            "docs/guide.md:aws-key",
            "docs/guide.md:1:2",
            "docs/guide.md:github-token:aws-access-key",
            "a:1:github-token:extra",
            "!docs/guide.md",
            "docs/[abc.md",
            "docs/guide.md\\",
            "   ",
            "  docs/guide.md:2  "));

        var result = await ScanAsync(repository.Path);

        result.Problems.Select(p => p[..p.IndexOf(' ', StringComparison.Ordinal)]).ShouldBe(
        [
            ".secretsallow:3:", ".secretsallow:4:", ".secretsallow:5:", ".secretsallow:6:", ".secretsallow:7:", ".secretsallow:8:",
            ".secretsallow:9:", ".secretsallow:10:", ".secretsallow:11:",
        ]);
        result.Problems.ShouldContain(p => p.Contains("'aws-key' is neither a line number nor a rule; rules: aws-access-key, ", StringComparison.Ordinal));
        result.Problems.ShouldContain(p => p.Contains("lines start at 1", StringComparison.Ordinal));
        result.Problems.ShouldContain(p => p.Contains("negation", StringComparison.Ordinal));
        result.Problems.ShouldContain(p => p.Contains("no closing ']'", StringComparison.Ordinal));
        string.Join(", ", result.Findings.Select(f => f.Fingerprint)).ShouldBe(
            "docs/guide.md:1:github-token, tests/fixtures/keys.txt:1:github-token, tests/fixtures/keys.txt:2:aws-access-key");
    }

    [Fact]
    public async Task NamedAllowlist_IsReadInsteadOfTheDefault_RelativeToTheRoot()
    {
        using var repository = Repository();
        repository.Write(SecretScanner.DefaultAllowlistFileName, "**\n");
        repository.Write("ci/scan-allow.txt", "tests/**\n");

        var result = await SecretScanner.ScanAsync(
            new ScanOptions { Root = repository.Path, AllowlistFile = "ci/scan-allow.txt" }, TestContext.Current.CancellationToken).DefaultTimeout();

        result.Findings.Select(f => f.Path).Distinct().ShouldBe(["docs/guide.md", "src/app.cs"]);
        result.AllowlistFile.ShouldBe(repository.Combine("ci", "scan-allow.txt"));
    }

    [Fact]
    public async Task NamedAllowlistThatDoesNotExist_IsAnError()
    {
        using var repository = Repository();

        var error = await Should.ThrowAsync<FileNotFoundException>(SecretScanner.ScanAsync(
            new ScanOptions { Root = repository.Path, AllowlistFile = "missing-allow" }, TestContext.Current.CancellationToken).DefaultTimeout());

        error.Message.ShouldContain("missing-allow");
    }

    [Fact]
    public async Task WithoutAnAllowlist_NothingIsAllowed()
    {
        using var repository = Repository();

        var result = await ScanAsync(repository.Path);

        result.Findings.Count.ShouldBe(5);
        result.FindingsAllowed.ShouldBe(0);
        result.AllowlistFile.ShouldBeNull();
    }

    [Fact]
    public async Task ProblemsInAnAllowlistOutsideTheRoot_NameItsFullPath()
    {
        using var repository = Repository();
        using var elsewhere = new TempDirectory();
        var file = elsewhere.Write("allow", "x:nope\n");

        var result = await SecretScanner.ScanAsync(
            new ScanOptions { Root = repository.Path, AllowlistFile = file }, TestContext.Current.CancellationToken).DefaultTimeout();

        result.Problems.ShouldHaveSingleItem().ShouldStartWith(file + ":1: ");
    }

    // Five findings: a token in each of three files, and an AWS key id on line 2 of two of them.
    private static TempDirectory Repository()
    {
        var repository = new TempDirectory();
        repository.Write("src/app.cs", Token + "\n");
        repository.Write("docs/guide.md", Token + "\n" + KeyId + "\n");
        repository.Write("tests/fixtures/keys.txt", Token + "\n" + KeyId + "\n");
        return repository;
    }

    private static Task<ScanResult> ScanAsync(string root) =>
        SecretScanner.ScanAsync(new ScanOptions { Root = root }, TestContext.Current.CancellationToken).DefaultTimeout();
}
