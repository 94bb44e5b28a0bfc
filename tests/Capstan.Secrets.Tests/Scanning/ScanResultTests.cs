using Capstan.Secrets.Scanning;
using Capstan.Testing;

namespace Capstan.Secrets.Tests.Scanning;

/// <summary>The shape of a scan's answer: ordered the same way every time, counted, printable.</summary>
public sealed class ScanResultTests
{
    [Fact]
    public async Task Findings_AreOrderedByPathLineAndColumn_TheSameOnEveryRun()
    {
        using var repository = new TempDirectory();
        var names = new[] { "b/z.txt", "a.txt", "B.txt", "a/b/c.txt", "a-b.txt", "_x.txt", "ä.txt" };
        foreach (var (name, index) in names.Select((n, i) => (n, i)))
        {
            repository.Write(name, $"{Fake.GitHubToken(seed: index)} {Fake.AwsAccessKeyId(index)}\nnothing\n{Fake.GitLabToken(index)}\n");
        }

        var runs = new List<IReadOnlyList<ScanFinding>>();
        for (var i = 0; i < 3; i++)
        {
            runs.Add((await SecretScanner.ScanAsync(new ScanOptions { Root = repository.Path }, TestContext.Current.CancellationToken).DefaultTimeout()).Findings);
        }

        var expected = names.Order(StringComparer.Ordinal)
            .SelectMany(n => new[] { $"{n}:1:1:github-token", $"{n}:1:42:aws-access-key", $"{n}:3:1:gitlab-token" })
            .ToList();
        foreach (var run in runs)
        {
            run.Select(f => $"{f.Path}:{f.Line}:{f.Column}:{f.Rule}").ShouldBe(expected);
        }
    }

    [Fact]
    public void Finding_PrintsAsPathLineAndRule()
    {
        var finding = new ScanFinding { Path = "src/a.cs", Line = 12, Column = 5, Rule = "github-token", Description = "GitHub token" };

        finding.ToString().ShouldBe("src/a.cs:12: github-token");
        finding.Fingerprint.ShouldBe("src/a.cs:12:github-token");
    }

    [Fact]
    public async Task ScannedAndSkipped_CountEveryPathTheScanLookedAt()
    {
        using var repository = new TempDirectory();
        repository.Write(".gitignore", "out/\n");
        repository.Write("out/a.txt", "x");
        repository.Write("a.txt", "x");
        repository.Write("empty.txt", "");
        repository.Write("b.bin", [0, 1, 2]);

        var result = await SecretScanner.ScanAsync(new ScanOptions { Root = repository.Path }, TestContext.Current.CancellationToken).DefaultTimeout();

        result.FilesScanned.ShouldBe(3); // .gitignore, a.txt, empty.txt
        result.FilesSkipped.ShouldBe(2); // out/, b.bin
        result.Findings.ShouldBeEmpty();
    }
}
