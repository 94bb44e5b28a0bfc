using Capstan.Secrets.Scanning;
using Capstan.Testing;

namespace Capstan.Secrets.Tests.Scanning;

/// <summary>A scan says where secrets are and never what they are: not in findings, fingerprints, problems or skipped paths.</summary>
public sealed class SecretNeverInOutputTests
{
    [Fact]
    public async Task PlantedSecrets_AreAllFound_AndNoneAppearsInAnythingTheScanReturns()
    {
        var password = Fake.Password(seed: 77);
        var highEntropy = Fake.RandomBase64(40, seed: 78);
        var planted = new Dictionary<string, (string Secret, string Text)>
        {
            ["aws-access-key"] = (Fake.AwsAccessKeyId()[4..], $"key_id = {Fake.AwsAccessKeyId()}"),
            ["aws-secret-key"] = (Fake.AwsSecretAccessKey(), $"aws_secret_access_key = {Fake.AwsSecretAccessKey()}"),
            ["google-api-key"] = (Fake.GoogleApiKey()[4..], $"maps: {Fake.GoogleApiKey()}"),
            ["stripe-secret-key"] = (Fake.StripeLiveKey()[8..], $"stripe: {Fake.StripeLiveKey()}"),
            ["private-key"] = (Fake.RandomBase64(64, seed: 14), Fake.PrivateKey("RSA ", seed: 14)),
            ["github-token"] = (Fake.GitHubToken()[4..], $"token: {Fake.GitHubToken()}"),
            ["gitlab-token"] = (Fake.GitLabToken()[6..], $"gitlab: {Fake.GitLabToken()}"),
            ["slack-token"] = (Fake.SlackToken()[5..], $"slack: {Fake.SlackToken()}"),
            ["slack-webhook"] = (Fake.SlackWebhook()[^24..], $"hook: {Fake.SlackWebhook()}"),
            ["url-password"] = (password, $"db: postgres://app:{password}@db/app"),
            ["connection-string-password"] = (password, $"Host=db;Password={password};Database=app"),
            ["high-entropy-secret"] = (highEntropy, $"client_secret: \"{highEntropy}\""),
        };
        using var repository = new TempDirectory();
        foreach (var (rule, (_, text)) in planted)
        {
            repository.Write($"config/{rule}.txt", "# a file\n" + text + "\n");
        }

        repository.Write(".env", $"TOKEN={Fake.GitHubToken()}\n");
        repository.Write(SecretScanner.DefaultAllowlistFileName, "config/nothing-here.txt\nbad:entry:here\n");

        var result = await SecretScanner.ScanAsync(new ScanOptions { Root = repository.Path }, TestContext.Current.CancellationToken).DefaultTimeout();

        result.Findings.Select(f => f.Rule).Distinct().Order(StringComparer.Ordinal).ShouldBe(
            [.. planted.Keys.Append("dotenv-file").Order(StringComparer.Ordinal)]);
        result.Problems.ShouldNotBeEmpty();
        var everything = result.Findings.SelectMany(f => new[] { f.ToString(), f.Fingerprint, f.Path, f.Description, f.Rule })
            .Concat(result.Problems)
            .Concat(result.Skipped.Select(s => s.Path))
            .ToList();
        foreach (var (rule, (secret, _)) in planted)
        {
            // Not the secret, nor any recognisable piece of it (prefixes such as "sk_live_" are public knowledge and
            // may appear in a rule's description, so only the secret part is looked for).
            var pieces = Enumerable.Range(0, secret.Length - 7).Select(i => secret.Substring(i, 8)).ToList();
            everything.ShouldAllBe(text => !pieces.Any(piece => text.Contains(piece, StringComparison.Ordinal)), $"a piece of the {rule} secret leaked");
        }
    }

    [Fact]
    public void ScanFinding_HasNoPropertyThatCouldHoldTheSecret()
    {
        typeof(ScanFinding).GetProperties().Select(p => p.Name).Order(StringComparer.Ordinal).ShouldBe(
            ["Column", "Description", "Fingerprint", "Line", "Path", "Rule"]);
    }
}
