using Capstan.Secrets.Scanning;
using Capstan.Testing;

namespace Capstan.Secrets.Tests.Scanning;

/// <summary>
/// The ignore matcher against git as the oracle: each scenario builds a real repository and every file and folder in it
/// must be ignored by the matcher exactly when <c>git check-ignore</c> says so, and the walk must read exactly the
/// files <c>git ls-files --others --exclude-standard</c> lists.
/// </summary>
public sealed class GitIgnoreOracleTests
{
    public static TheoryData<string> Scenarios { get; } = [.. HandWritten().Select(s => s.Name)];

    public static TheoryData<int> Seeds { get; } = [.. Enumerable.Range(1, 40)];

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task Matcher_AgreesWithGitCheckIgnore_OnEveryPath(string scenario)
    {
        await AssertAgreesWithGitAsync(Scenario(scenario));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Matcher_AgreesWithGitCheckIgnore_OnGeneratedRepositories(int seed)
    {
        await AssertAgreesWithGitAsync(IgnoreScenarioGenerator.Generate(seed));
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task Walk_ReadsExactlyTheFilesGitListsAsUntrackedAndNotIgnored(string scenario)
    {
        await AssertWalkAgreesWithGitAsync(Scenario(scenario));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task Walk_ReadsExactlyTheFilesGitLists_OnGeneratedRepositories(int seed)
    {
        await AssertWalkAgreesWithGitAsync(IgnoreScenarioGenerator.Generate(seed));
    }

    [Fact]
    public async Task Walk_SkipsExactlyTheFilesGitListsAsIgnored_CountingAnIgnoredFolderOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        using var git = await GitSandbox.CreateAsync(ct).DefaultTimeout();
        git.Build(Scenario("negation cannot re-include a file inside an excluded folder"));

        var walk = RepositoryWalker.Walk(git.Path, useGitignore: true, ct);
        var gitIgnored = await git.GitIgnoredFilesAsync(ct).DefaultTimeout();

        var skipped = walk.Skipped.Where(s => s.Reason == SkipReason.Ignored).Select(s => s.Path).ToList();
        gitIgnored.ShouldAllBe(file => skipped.Any(s => s == file || (s.EndsWith('/') && file.StartsWith(s, StringComparison.Ordinal))));
        skipped.ShouldContain("build/");
        skipped.ShouldNotContain("build/keep.txt");
    }

    private static async Task AssertAgreesWithGitAsync(IgnoreScenario scenario)
    {
        var ct = TestContext.Current.CancellationToken;
        using var git = await GitSandbox.CreateAsync(ct).DefaultTimeout();
        git.Build(scenario);
        var paths = scenario.AllPaths();

        var gitIgnored = await git.GitIgnoredAsync([.. paths.Select(p => p.Path)], ct).DefaultTimeout();
        var matcher = new GitIgnore(git.Path);

        var disagreements = paths
            .Where(p => matcher.IsIgnored(p.Path, p.IsDirectory) != gitIgnored.Contains(p.Path))
            .Select(p => $"'{p.Path}'{(p.IsDirectory ? " (folder)" : "")}: git says {(gitIgnored.Contains(p.Path) ? "ignored" : "not ignored")}")
            .ToList();
        disagreements.ShouldBeEmpty(Describe(scenario));
    }

    private static async Task AssertWalkAgreesWithGitAsync(IgnoreScenario scenario)
    {
        var ct = TestContext.Current.CancellationToken;
        using var git = await GitSandbox.CreateAsync(ct).DefaultTimeout();
        git.Build(scenario);

        var walked = RepositoryWalker.Walk(git.Path, useGitignore: true, ct).Files.Select(f => f.RelativePath).ToHashSet();
        var listed = await git.GitUntrackedFilesAsync(ct).DefaultTimeout();

        walked.Except(listed).ShouldBeEmpty("walked but not listed by git; " + Describe(scenario));
        listed.Except(walked).ShouldBeEmpty("listed by git but not walked; " + Describe(scenario));
    }

    private static string Describe(IgnoreScenario scenario) =>
        $"scenario '{scenario.Name}' with " + string.Join("; ", scenario.IgnoreFiles.Select(f => $"{f.Key}: [{string.Join(" | ", f.Value.Split('\n'))}]"))
        + (scenario.Exclude is null ? "" : $"; exclude: [{string.Join(" | ", scenario.Exclude.Split('\n'))}]");

    private static IEnumerable<IgnoreScenario> HandWritten()
    {
        yield return new(
            "star and question mark stay inside one name",
            Ignore("*.log\n?.txt\n"),
            null,
            ["a.log", "dir/b.log", ".log", "log", "a.log.txt", "ab.txt", "a.txt", "dir/c.txt", "dir/cd.txt", "x.logs"]);

        yield return new(
            "double star spans folders only as a whole segment",
            Ignore("**/tmp\na/**/b\nlogs/**\n**/cache/*.bin\nz**/q\n"),
            null,
            ["tmp/f", "x/tmp/f", "x/y/tmp", "a/b", "a/x/b", "a/x/y/b/f", "ab/b", "logs/f", "logs/d/f", "x/logs/f",
             "x/cache/a.bin", "cache/a.bin", "cache/sub/a.bin", "zz/q", "z/y/q", "zy/w/q"]);

        yield return new(
            "a leading slash anchors to the ignore file's folder",
            Ignore("/build\n/docs/*.md\n"),
            null,
            ["build/out", "src/build/out", "docs/a.md", "docs/sub/a.md", "x/docs/a.md", "buildx"]);

        yield return new(
            "a trailing slash matches folders only",
            Ignore("out/\ndata/\n"),
            null,
            ["out/a", "x/out", "y/out/b", "data", "sub/data/f", "out.txt"]);

        yield return new(
            "negation re-includes what an earlier pattern excluded",
            Ignore("*.log\n!keep.log\n!important/*.log\ntrace.log\n"),
            null,
            ["a.log", "keep.log", "sub/keep.log", "important/x.log", "important/sub/y.log", "trace.log", "important/trace.log"]);

        yield return new(
            "negation cannot re-include a file inside an excluded folder",
            Ignore("build/\n!build/keep.txt\ndist/*\n!dist/keep.txt\n/out\n!/out/a\n"),
            null,
            ["build/keep.txt", "build/x.txt", "dist/keep.txt", "dist/x.txt", "dist/sub/keep.txt", "out/a", "out/b"]);

        yield return new(
            "character classes, ranges, negated classes and named classes",
            Ignore("[a-c]*.txt\n[!x]?.md\n[^y]z.md\n[[:digit:]]*.dat\n[[:upper:]]*\n*.[ch]\n[]]x\n[a-]y\n[[:alpha:][:digit:]]q\n"),
            null,
            ["apple.txt", "dog.txt", "c.txt", "ab.md", "xb.md", "az.md", "yz.md", "1.dat", "a1.dat", "Readme", "readme", "x.c", "x.h",
             "x.cc", "]x", "ax", "ay", "-y", "by", "aq", "5q", "_q"]);

        yield return new(
            "escaped hash, bang, star and bracket are literal; a bare hash starts a comment",
            Ignore("\\#hash\n\\!bang\n#comment\n\\*star\n\\[lit]\n \\#not-a-comment\n"),
            null,
            ["#hash", "!bang", "#comment", "comment", "*star", "xstar", "[lit]", "l", " #not-a-comment"]);

        yield return new(
            "trailing spaces are trimmed unless escaped; tabs stay",
            Ignore("trail   \nkeep\\ \ntab\t\nboth\\  \n"),
            null,
            ["trail", "trail ", "keep ", "keep", "tab\t", "tab", "both ", "both"]);

        yield return new(
            "nested ignore files apply to their folder and override the ones above",
            new Dictionary<string, string>
            {
                [".gitignore"] = "*.txt\nx/\n",
                ["sub/.gitignore"] = "!*.txt\n",
                ["sub/deeper/.gitignore"] = "secret.txt\n/local\n",
                ["other/.gitignore"] = "/local\na/b\n",
            },
            null,
            ["a.txt", "sub/a.txt", "sub/deeper/secret.txt", "sub/deeper/ok.txt", "sub/deeper/local", "sub/local", "other/local",
             "other/deep/local", "other/a/b", "other/z/a/b", "x/file", "sub/x/file", "other/x/y"]);

        yield return new(
            ".git/info/exclude applies below every .gitignore",
            Ignore("*.md\n!x.bak\n"),
            "*.bak\n!keep.md\nlocal/\n",
            ["a.bak", "x.bak", "keep.md", "other.md", "local/f", "sub/local/f"]);

        yield return new(
            "CRLF line endings and a byte order mark are understood",
            Ignore("\uFEFFfirst\r\n*.tmp\r\n!keep.tmp\r\n"),
            null,
            ["first", "a.tmp", "keep.tmp", "first.txt"]);

        yield return new(
            "a pattern with a slash in the middle is anchored to its file's folder",
            new Dictionary<string, string> { [".gitignore"] = "doc/frotz\n", ["sub/.gitignore"] = "a/b\n" },
            null,
            ["doc/frotz", "a/doc/frotz", "sub/a/b", "sub/x/a/b", "a/b"]);

        yield return new(
            "a star followed by a slash matches exactly one folder",
            Ignore("*/x\nfoo/*\na/*/c\n"),
            null,
            ["d/x", "d/e/x", "x", "foo/c", "foo/a/b", "a/b/c", "a/b/d/c", "a/c"]);

        yield return new(
            "stars right after a literal prefix behave as git's do",
            Ignore("foo**/bar\n**foo\nba**\n"),
            null,
            ["foo/bar", "foox/bar", "foo/x/bar", "foox/y/bar", "xfoo", "a/foo", "bax", "ba/x"]);

        yield return new(
            "patterns that match nothing: empty, lone bang, lone slash, unclosed bracket",
            Ignore("!\n/\n[\nabc[\n   \n\\\n"),
            null,
            ["[", "abc[", "a", "b/c", "\\"]);

        yield return new(
            "a folder re-included by negation lets its files be ignored again",
            Ignore("/*\n!/src/\n/src/*\n!/src/main/\n*.o\n"),
            null,
            ["top.txt", "src/a.c", "src/main/a.c", "src/main/a.o", "lib/x"]);
    }

    private static IgnoreScenario Scenario(string name) => HandWritten().Single(s => s.Name == name);

    private static Dictionary<string, string> Ignore(string content) => new() { [".gitignore"] = content };
}
