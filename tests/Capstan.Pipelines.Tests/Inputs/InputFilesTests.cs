using Capstan.Pipelines.Inputs;
using Capstan.Testing;

namespace Capstan.Pipelines.Tests.Inputs;

/// <summary>Which files are a job's inputs: what its globs match, less what git ignores.</summary>
public sealed class InputFilesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Globs_MatchFilesRelativeToTheRoot_SortedOrdinallyWithSlashes()
    {
        using var job = new TempDirectory();
        job.Write("b.csproj", "");
        job.Write("src/Z.cs", "");
        job.Write("src/a.cs", "");
        job.Write("src/deep/er/c.cs", "");
        job.Write("src/readme.md", "");
        job.Write("other/x.csproj", "");

        var files = InputFiles.Match(job.Path, ["**/*.cs", "*.csproj"], Ct);

        files.ShouldBe(["b.csproj", "src/Z.cs", "src/a.cs", "src/deep/er/c.cs"]);
    }

    [Fact]
    public void Globs_AreCaseSensitive_AsPathsAreOnLinux()
    {
        using var job = new TempDirectory();
        job.Write("App.CS", "");
        job.Write("app.cs", "");

        InputFiles.Match(job.Path, ["*.cs"], Ct).ShouldBe(["app.cs"]);
    }

    [Fact]
    public void AFileMatchedByTwoGlobs_IsListedOnce()
    {
        using var job = new TempDirectory();
        job.Write("src/a.cs", "");

        InputFiles.Match(job.Path, ["**/*.cs", "src/*", "src/a.cs"], Ct).ShouldBe(["src/a.cs"]);
    }

    [Fact]
    public void AnExcludingGlob_TakesFilesAway_WhereverItStandsInTheList()
    {
        using var job = new TempDirectory();
        job.Write("src/a.cs", "");
        job.Write("src/a.generated.cs", "");
        job.Write("src/tests/t.cs", "");

        var excludeFirst = InputFiles.Match(job.Path, ["!**/*.generated.cs", "**/*.cs", "!src/tests/"], Ct);
        var excludeLast = InputFiles.Match(job.Path, ["**/*.cs", "!src/tests/", "!**/*.generated.cs"], Ct);

        excludeFirst.ShouldBe(["src/a.cs"]);
        excludeLast.ShouldBe(excludeFirst);
    }

    [Fact]
    public void AGlobNamingAFolder_MeansEverythingUnderIt()
    {
        using var job = new TempDirectory();
        job.Write("src/a.cs", "");
        job.Write("src/deep/b.cs", "");
        job.Write("srcfile", "");
        job.Write("Makefile", "");

        InputFiles.Match(job.Path, ["src", "Makefile", "!src/deep"], Ct).ShouldBe(["Makefile", "src/a.cs"]);
    }

    [Fact]
    public void OnlyExcludingGlobs_MatchNothing()
    {
        using var job = new TempDirectory();
        job.Write("a.cs", "");

        InputFiles.Match(job.Path, ["!a.cs"], Ct).ShouldBeEmpty();
        InputFiles.Match(job.Path, [], Ct).ShouldBeEmpty();
    }

    [Fact]
    public void DotFiles_AreInputs_ButNothingInGitsFolderEverIs()
    {
        using var job = new TempDirectory();
        job.Write(".editorconfig", "");
        job.Write(".config/tool.json", "");
        job.Write(".git/config", "");
        job.Write(".git/HEAD", "");
        job.Write("sub/.git", "gitdir: elsewhere");
        job.Write("sub/a.txt", "");

        InputFiles.Match(job.Path, ["**", ".git/**"], Ct).ShouldBe([".config/tool.json", ".editorconfig", "sub/a.txt"]);
    }

    [Fact]
    public void FilesThatGitIgnores_AreNotInputs()
    {
        using var job = new TempDirectory();
        job.Write(".gitignore", "bin/\nobj/\n*.log\n");
        job.Write("src/.gitignore", "generated/\n!keep.log\n");
        job.Write("src/a.cs", "");
        job.Write("src/bin/Debug/a.dll", "");
        job.Write("obj/project.assets.json", "");
        job.Write("build.log", "");
        job.Write("src/keep.log", "");
        job.Write("src/generated/g.cs", "");
        job.Write(".git/info/exclude", "scratch.txt\n");
        job.Write("scratch.txt", "");

        var files = InputFiles.Match(job.Path, ["**"], Ct);

        files.ShouldBe([".gitignore", "src/.gitignore", "src/a.cs", "src/keep.log"]);
    }

    [Fact]
    public async Task WhenTheRootIsASubfolderOfARepository_TheGitignoreFilesAboveItApply()
    {
        using var repository = new TempDirectory();
        await GitAsync(repository.Path, ["init", "-q"]);
        repository.Write(".gitignore", "*.tmp\n/services/api/dist/\nnode_modules/\n");
        repository.Write("services/.gitignore", "coverage/\n");
        repository.Write("services/api/src/index.ts", "");
        repository.Write("services/api/src/index.tmp", "");
        repository.Write("services/api/dist/index.js", "");
        repository.Write("services/api/coverage/lcov.info", "");
        repository.Write("services/api/node_modules/left-pad/index.js", "");
        repository.Write("services/api/package.json", "");

        var files = InputFiles.Match(repository.Combine("services", "api"), ["**"], Ct);

        files.ShouldBe(["package.json", "src/index.ts"]);
        // git, asked from the same folder, lists the same files as untracked and not ignored.
        var git = await GitAsync(repository.Combine("services", "api"), ["ls-files", "--others", "--exclude-standard", "-z", "."]);
        git.StandardOutput.Replace("\n", "", StringComparison.Ordinal).Split('\0', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)
            .ShouldBe(files);
    }

    [Fact]
    public void ASymbolicLink_IsMatchedByItsOwnPath_AndALinkedFolderIsNotEntered()
    {
        using var job = new TempDirectory();
        using var outside = new TempDirectory();
        outside.Write("secret.cs", "");
        job.Write("real/a.cs", "");
        File.CreateSymbolicLink(job.Combine("link.cs"), "real/a.cs");
        Directory.CreateSymbolicLink(job.Combine("linked"), outside.Path);

        InputFiles.Match(job.Path, ["**/*.cs"], Ct).ShouldBe(["link.cs", "real/a.cs"]);
    }

    [Theory]
    [InlineData("../shared/**/*.cs")]
    [InlineData("src/../../x")]
    [InlineData("/etc/passwd")]
    [InlineData("~/notes.txt")]
    [InlineData("!../other")]
    [InlineData("")]
    public void AGlobThatLeavesTheRoot_IsRefused_NamingIt(string glob)
    {
        using var job = new TempDirectory();

        var error = Should.Throw<InputFilesException>(() => InputFiles.Match(job.Path, ["**/*.cs", glob], Ct));

        error.Message.ShouldStartWith($"input glob '{glob}' ");
    }

    [Fact]
    public void EveryUnusableGlob_IsNamed_NotOnlyTheFirst()
    {
        var errors = InputFiles.Validate(["src/**", "../a", "ok.txt", "/b"]);

        errors.Count.ShouldBe(2);
        errors[0].ShouldBe("input glob '../a' leaves the job's folder ('..'); globs must name files inside it");
        errors[1].ShouldBe("input glob '/b' is not relative to the job's folder; write it from there, e.g. 'src/**/*.cs'");
        InputFiles.Validate(["src/**", "!src/gen/", "./Makefile"]).ShouldBeEmpty();
    }

    [Fact]
    public void AMissingRoot_IsNamed()
    {
        using var job = new TempDirectory();

        Should.Throw<DirectoryNotFoundException>(() => InputFiles.Match(job.Combine("absent"), ["**"], Ct))
            .Message.ShouldContain("absent");
    }

    [Fact]
    public void AFolderThatCannotBeListed_MakesTheInputsUnknown_InsteadOfSilentlyMissingFiles()
    {
        Assert.SkipWhen(Environment.UserName == "root", "root can list any folder");
        using var job = new TempDirectory();
        job.Write("locked/a.cs", "");
        File.SetUnixFileMode(job.Combine("locked"), UnixFileMode.None);

        var error = Should.Throw<InputFilesException>(() => InputFiles.Match(job.Path, ["**/*.cs"], Ct));

        error.Message.ShouldContain("locked");
    }

    private static async Task<ProcessResult> GitAsync(string directory, string[] arguments)
    {
        var result = await ProcessRunner.RunAsync(
            "git", ["-c", "core.excludesFile=/dev/null", .. arguments], TimeoutExtensions.DefaultTimeoutSpan, directory, Ct).DefaultTimeout();
        return result.EnsureSuccess();
    }
}
