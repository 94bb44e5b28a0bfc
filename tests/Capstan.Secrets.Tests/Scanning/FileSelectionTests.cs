using System.Text;
using Capstan.Secrets.Scanning;
using Capstan.Testing;

namespace Capstan.Secrets.Tests.Scanning;

/// <summary>Which files a scan reads: what git would track, as text, within the root, within the size limit.</summary>
public sealed class FileSelectionTests
{
    private static readonly string Token = Fake.GitHubToken();

    [Fact]
    public async Task IgnoredFiles_AreNotScanned_AndCountAsSkipped()
    {
        using var repository = new TempDirectory();
        repository.Write(".gitignore", "*.log\nbin/\n");
        repository.Write("app.log", Token);
        repository.Write("bin/Debug/app.config", Token);
        repository.Write("src/app.cs", Token);

        var result = await ScanAsync(repository.Path);

        result.Findings.Select(f => f.Path).ShouldBe(["src/app.cs"]);
        result.Skipped.ShouldBe([Skipped("app.log", SkipReason.Ignored), Skipped("bin/", SkipReason.Ignored)]);
        result.FilesScanned.ShouldBe(2); // .gitignore and src/app.cs
        result.FilesSkipped.ShouldBe(2);
    }

    [Fact]
    public async Task NestedGitignore_AppliesToItsFolder_AndNegationReincludes()
    {
        using var repository = new TempDirectory();
        repository.Write(".gitignore", "*.secret\n");
        repository.Write("tests/.gitignore", "!fixture.secret\n/local/\n");
        repository.Write("a.secret", Token);
        repository.Write("tests/fixture.secret", Token);
        repository.Write("tests/other.secret", Token);
        repository.Write("tests/local/x.txt", Token);
        repository.Write("local/x.txt", Token);

        var result = await ScanAsync(repository.Path);

        result.Findings.Select(f => f.Path).ShouldBe(["local/x.txt", "tests/fixture.secret"]);
    }

    [Fact]
    public async Task GitInfoExclude_IsRespected()
    {
        using var repository = new TempDirectory();
        repository.Write(".git/info/exclude", "scratch/\n");
        repository.Write("scratch/notes.txt", Token);
        repository.Write("kept.txt", Token);

        var result = await ScanAsync(repository.Path);

        result.Findings.Select(f => f.Path).ShouldBe(["kept.txt"]);
    }

    [Fact]
    public async Task ScanningASubfolder_AppliesTheGitignoreFilesAboveIt_AndReportsPathsFromTheSubfolder()
    {
        using var repository = new TempDirectory();
        repository.Write(".git/HEAD", "ref: refs/heads/main\n");
        repository.Write(".gitignore", "*.log\n");
        repository.Write("service/.gitignore", "generated/\n");
        repository.Write("service/app.log", Token);
        repository.Write("service/generated/a.txt", Token);
        repository.Write("service/src/a.txt", Token);

        var result = await ScanAsync(repository.Combine("service"));

        result.Findings.Select(f => f.Path).ShouldBe(["src/a.txt"]);
    }

    [Fact]
    public async Task WithGitignoreOff_IgnoredFilesAreScannedToo()
    {
        using var repository = new TempDirectory();
        repository.Write(".gitignore", "*.log\n");
        repository.Write("app.log", Token);

        var result = await SecretScanner.ScanAsync(
            new ScanOptions { Root = repository.Path, UseGitignore = false }, TestContext.Current.CancellationToken).DefaultTimeout();

        result.Findings.Select(f => f.Path).ShouldBe(["app.log"]);
    }

    [Fact]
    public async Task GitFolderAndCapstanFolders_AreNeverScanned_NorListedAsSkipped()
    {
        using var repository = new TempDirectory();
        repository.Write(".git/config", Token);
        repository.Write(".capstan/master.key", Token);
        repository.Write("examples/app/.capstan/state.db", Token);
        repository.Write("sub/.git", "gitdir: ../.git/modules/sub\n");
        repository.Write(".capstan-notes.txt", Token);

        var result = await ScanAsync(repository.Path);

        result.Findings.Select(f => f.Path).ShouldBe([".capstan-notes.txt"]);
        result.Skipped.ShouldBeEmpty();
    }

    [Fact]
    public async Task BinaryFile_IsSkipped_ButTextWithANulAfterTheFirst8KiB_IsScanned()
    {
        using var repository = new TempDirectory();
        repository.Write("image.png", [0x89, 0x50, 0x4E, 0x47, 0x00, .. Encoding.UTF8.GetBytes(Token)]);
        repository.Write("late-nul.txt", [.. Encoding.UTF8.GetBytes(Token + "\n" + new string('x', 9000)), 0x00]);

        var result = await ScanAsync(repository.Path);

        result.Findings.Select(f => f.Path).ShouldBe(["late-nul.txt"]);
        result.Skipped.ShouldBe([Skipped("image.png", SkipReason.Binary)]);
    }

    [Fact]
    public async Task FileOverTheSizeLimit_IsSkipped_ButAnEnvFileIsStillReportedByName()
    {
        using var repository = new TempDirectory();
        repository.Write("big.txt", Token + new string('x', 2000));
        repository.Write(".env", Token + new string('x', 2000));
        repository.Write("small.txt", Token);

        var result = await SecretScanner.ScanAsync(
            new ScanOptions { Root = repository.Path, MaxFileBytes = 1000 }, TestContext.Current.CancellationToken).DefaultTimeout();

        result.Findings.Select(f => $"{f.Path}:{f.Rule}").ShouldBe([".env:dotenv-file", "small.txt:github-token"]);
        result.Skipped.ShouldBe([Skipped(".env", SkipReason.TooLarge), Skipped("big.txt", SkipReason.TooLarge)]);
    }

    [Fact]
    public void DefaultSizeLimit_Is5MiB() => new ScanOptions { Root = "." }.MaxFileBytes.ShouldBe(5 * 1024 * 1024);

    [Fact]
    public async Task InvalidUtf8_DoesNotStopTheScan_AndSecretsAroundItAreFound()
    {
        using var repository = new TempDirectory();
        repository.Write("latin1.txt", [0xE9, 0xFF, 0xC3, (byte)'\n', .. Encoding.UTF8.GetBytes(Token), 0xFE, (byte)'\n']);

        var result = await ScanAsync(repository.Path);

        result.Findings.ShouldHaveSingleItem().Line.ShouldBe(2);
        result.Problems.ShouldBeEmpty();
    }

    [Fact]
    public async Task Utf16FileWithAByteOrderMark_IsReadAsText()
    {
        using var repository = new TempDirectory();
        repository.Write("settings.txt", [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("x=1\n" + Token)]);

        var result = await ScanAsync(repository.Path);

        result.Findings.ShouldHaveSingleItem().Line.ShouldBe(2);
    }

    [Fact]
    public async Task SymbolicLinks_AreNeverFollowed_SoNothingOutsideTheRootIsRead()
    {
        using var outside = new TempDirectory();
        outside.Write("secrets/token.txt", Token);
        using var repository = new TempDirectory();
        repository.Write("inside/real.txt", "nothing\n");
        File.CreateSymbolicLink(repository.Combine("outside-folder"), outside.Combine("secrets"));
        File.CreateSymbolicLink(repository.Combine("outside-file.txt"), outside.Combine("secrets", "token.txt"));
        File.CreateSymbolicLink(repository.Combine("inside", "loop"), repository.Path);
        File.CreateSymbolicLink(repository.Combine("dangling"), repository.Combine("missing"));

        var result = await ScanAsync(repository.Path);

        result.Findings.ShouldBeEmpty();
        result.Skipped.ShouldBe(
        [
            Skipped("dangling", SkipReason.SymbolicLink),
            Skipped("inside/loop", SkipReason.SymbolicLink),
            Skipped("outside-file.txt", SkipReason.SymbolicLink),
            Skipped("outside-folder", SkipReason.SymbolicLink),
        ]);
        result.FilesScanned.ShouldBe(1);
    }

    [Fact]
    public async Task SymbolicLinkToAFileInsideTheRoot_IsNotFollowed_ButTheFileItselfIsScanned()
    {
        using var repository = new TempDirectory();
        repository.Write("config/real.txt", Token);
        File.CreateSymbolicLink(repository.Combine("alias.txt"), repository.Combine("config", "real.txt"));

        var result = await ScanAsync(repository.Path);

        result.Findings.Select(f => f.Path).ShouldBe(["config/real.txt"]);
    }

    [Fact]
    public async Task NamedPipe_IsNotOpened_SoTheScanDoesNotBlock()
    {
        using var repository = new TempDirectory();
        repository.Write("a.txt", Token);
        var mkfifo = await ProcessRunner.RunAsync("mkfifo", [repository.Combine("pipe")], TimeoutExtensions.DefaultTimeoutSpan, TestContext.Current.CancellationToken);
        mkfifo.EnsureSuccess();

        var result = await ScanAsync(repository.Path);

        result.Findings.Select(f => f.Path).ShouldBe(["a.txt"]);
    }

    [Fact]
    public async Task UnreadableFile_IsAProblemNamingIt_AndTheRestIsScanned()
    {
        Assert.SkipWhen(Environment.UserName == "root", "root reads files whatever their permissions");
        using var repository = new TempDirectory();
        var locked = repository.Write("locked.txt", Token);
        repository.Write("open.txt", Token);
        File.SetUnixFileMode(locked, UnixFileMode.None);

        var result = await ScanAsync(repository.Path);

        result.Findings.Select(f => f.Path).ShouldBe(["open.txt"]);
        result.Problems.ShouldHaveSingleItem().ShouldStartWith("locked.txt: cannot read: ");
    }

    [Fact]
    public async Task MissingRoot_IsReportedAsSuch()
    {
        using var repository = new TempDirectory();

        var error = await Should.ThrowAsync<DirectoryNotFoundException>(
            SecretScanner.ScanAsync(new ScanOptions { Root = repository.Combine("nope") }, TestContext.Current.CancellationToken).DefaultTimeout());

        error.Message.ShouldContain("nope");
    }

    [Fact]
    public async Task CancelledScan_Throws_OperationCanceled()
    {
        using var repository = new TempDirectory();
        repository.Write("a.txt", Token);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(SecretScanner.ScanAsync(new ScanOptions { Root = repository.Path }, cancelled.Token));
    }

    private static Task<ScanResult> ScanAsync(string root) =>
        SecretScanner.ScanAsync(new ScanOptions { Root = root }, TestContext.Current.CancellationToken).DefaultTimeout();

    private static SkippedPath Skipped(string path, SkipReason reason) => new() { Path = path, Reason = reason };
}
