using Capstan.Secrets.Scanning;
using Capstan.Testing;

namespace Capstan.Secrets.Tests.Scanning;

/// <summary>
/// Capstan's own repository, scanned as its pipeline scans it. The test fixtures that hold made-up passwords are
/// allowed file by file and rule by rule in <c>repository.secretsallow</c>, each with the reason; anything else fails.
/// </summary>
public sealed class RepositorySelfScanTests
{
    private static readonly string Allowlist = RepositoryRoot.Combine("tests", "Capstan.Secrets.Tests", "Scanning", "repository.secretsallow");

    [Fact]
    public async Task ThisRepository_HoldsNoSecrets_BeyondTheReviewedTestFixtures()
    {
        var result = await SecretScanner.ScanAsync(
            new ScanOptions { Root = RepositoryRoot.Path, AllowlistFile = Allowlist }, TestContext.Current.CancellationToken).DefaultTimeout();

        result.Findings.Select(f => $"{f.Fingerprint} ({f.Description})").ShouldBeEmpty();
        result.Problems.ShouldBeEmpty();
        result.FilesScanned.ShouldBeGreaterThan(100);
    }
}
