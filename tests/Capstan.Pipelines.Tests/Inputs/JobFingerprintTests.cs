using System.Text;
using Capstan.Pipelines.Inputs;
using Capstan.Testing;

namespace Capstan.Pipelines.Tests.Inputs;

/// <summary>The hash that decides whether a job can be skipped: it changes exactly when something the job depends on does.</summary>
public sealed class JobFingerprintTests : IDisposable
{
    private static readonly Dictionary<string, string> Environment = new()
    {
        ["CONFIGURATION"] = "Release",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
    };

    private readonly TempDirectory _job = new();

    public JobFingerprintTests()
    {
        _job.Write("src/app.cs", "class App {}");
        _job.Write("src/lib.cs", "class Lib {}");
        _job.Write("build.sh", "#!/bin/sh\ndotnet build\n");
        _job.Write("empty.txt", "");
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string[] Files => ["build.sh", "empty.txt", "src/app.cs", "src/lib.cs"];

    public void Dispose() => _job.Dispose();

    [Fact]
    public async Task Hash_IsSha256InLowercaseHex_AndTheSameForTheSameJob()
    {
        var first = await FingerprintAsync();
        var second = await FingerprintAsync();

        first.ShouldMatch("^sha256:[0-9a-f]{64}$");
        second.ShouldBe(first);
    }

    [Fact]
    public async Task Hash_ChangesWhenAFilesContentChanges_EvenKeepingItsLength()
    {
        var before = await FingerprintAsync();
        _job.Write("src/app.cs", "class Apq {}");

        (await FingerprintAsync()).ShouldNotBe(before);
    }

    [Fact]
    public async Task Hash_ChangesWhenAFileIsRenamed()
    {
        var before = await FingerprintAsync();
        File.Move(_job.Combine("src", "lib.cs"), _job.Combine("src", "lib2.cs"));

        (await FingerprintAsync(files: ["build.sh", "empty.txt", "src/app.cs", "src/lib2.cs"])).ShouldNotBe(before);
    }

    [Fact]
    public async Task Hash_ChangesWhenAFileIsAddedOrRemoved()
    {
        var before = await FingerprintAsync();

        (await FingerprintAsync(files: Files[1..])).ShouldNotBe(before);
        (await FingerprintAsync(files: [.. Files, "src/lib.cs"])).ShouldBe(before);
    }

    [Fact]
    public async Task Hash_ChangesWhenTheExecutableBitChanges_ButNotForOtherModeBits()
    {
        var script = _job.Combine("build.sh");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var before = await FingerprintAsync();

        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var executable = await FingerprintAsync();
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var readableByAll = await FingerprintAsync();

        executable.ShouldNotBe(before);
        readableByAll.ShouldBe(executable);
    }

    [Fact]
    public async Task Hash_ChangesWhenAnEmptyFileBecomesExecutable()
    {
        var before = await FingerprintAsync();
        File.SetUnixFileMode(_job.Combine("empty.txt"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        (await FingerprintAsync()).ShouldNotBe(before);
    }

    [Fact]
    public async Task Hash_DoesNotChangeWhenOnlyTimesChange()
    {
        var before = await FingerprintAsync();
        File.SetLastWriteTimeUtc(_job.Combine("src", "app.cs"), new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc));
        File.SetLastAccessTimeUtc(_job.Combine("src", "lib.cs"), new DateTime(2002, 2, 3, 4, 5, 6, DateTimeKind.Utc));

        (await FingerprintAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Hash_DoesNotDependOnTheOrderFilesAreListedIn_NorOnWhereTheFolderIs()
    {
        var before = await FingerprintAsync();
        using var copy = new TempDirectory();
        foreach (var file in Files)
        {
            copy.Write(file, File.ReadAllBytes(_job.Combine(file)));
        }

        File.SetUnixFileMode(copy.Combine("build.sh"), File.GetUnixFileMode(_job.Combine("build.sh")));
        File.SetUnixFileMode(copy.Combine("empty.txt"), File.GetUnixFileMode(_job.Combine("empty.txt")));

        (await FingerprintAsync(files: [.. Files.Reverse()])).ShouldBe(before);
        (await FingerprintAsync(root: copy.Path)).ShouldBe(before);
    }

    [Fact]
    public async Task Hash_ChangesWhenAnEnvironmentValueChanges_ButNotWithTheOrderOfTheVariables()
    {
        var before = await FingerprintAsync();
        var changed = new Dictionary<string, string>(Environment) { ["CONFIGURATION"] = "Debug" };
        var reordered = new Dictionary<string, string>
        {
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["CONFIGURATION"] = "Release",
        };
        var added = new Dictionary<string, string>(Environment) { ["CI"] = "true" };

        (await FingerprintAsync(environment: changed)).ShouldNotBe(before);
        (await FingerprintAsync(environment: added)).ShouldNotBe(before);
        (await FingerprintAsync(environment: reordered)).ShouldBe(before);
    }

    [Fact]
    public async Task Hash_ChangesWhenASecretVersionChanges()
    {
        var before = await FingerprintAsync();

        (await FingerprintAsync(secretVersion: 4)).ShouldNotBe(before);
    }

    [Fact]
    public async Task Hash_ChangesWhenTheCommandChanges()
    {
        var before = await FingerprintAsync();

        (await FingerprintAsync(command: "dotnet test -c Release")).ShouldNotBe(before);
    }

    [Fact]
    public void MovingTextBetweenComponents_ChangesTheHash()
    {
        Hash(f => f.AddText("command", "make test")).ShouldNotBe(Hash(f => f.AddText("commandmake", " test")));
        Hash(f => f.AddText("a", "bc").AddText("d", "")).ShouldNotBe(Hash(f => f.AddText("a", "b").AddText("cd", "")));
        Hash(f => f.AddText("a", "b").AddText("c", "d")).ShouldNotBe(Hash(f => f.AddText("c", "d").AddText("a", "b")));
        Hash(f => f.AddText("X", "1")).ShouldNotBe(Hash(f => f.AddEnvironment(new Dictionary<string, string> { ["X"] = "1" })));
        Hash(f => f.AddSecretVersion("db", 12)).ShouldNotBe(Hash(f => f.AddSecretVersion("db1", 2)));
        Hash(f => f.AddEnvironment(new Dictionary<string, string> { ["A"] = "1", ["B"] = "2" }))
            .ShouldNotBe(Hash(f => f.AddEnvironment(new Dictionary<string, string> { ["A"] = "1" }).AddEnvironment(new Dictionary<string, string> { ["B"] = "2" })));
    }

    [Fact]
    public void AnEmptyFingerprint_HasAHash_ThatAnyAdditionChanges()
    {
        var empty = new JobFingerprint().Hash;

        empty.ShouldBe(new JobFingerprint().Hash);
        Hash(f => f.AddText("", "")).ShouldNotBe(empty);
        Hash(f => f.AddEnvironment(new Dictionary<string, string>())).ShouldNotBe(empty);
    }

    [Fact]
    public void AnEnvironmentValue_NeverEntersTheHashedBytes_OnlyItsDigest()
    {
        const string Value = "hunter2-very-distinctive-value";
        var fingerprint = new JobFingerprint().AddEnvironment(new Dictionary<string, string> { ["PASSWORD"] = Value });

        var hashed = fingerprint.HashedBytes;

        Encoding.UTF8.GetString(hashed).ShouldContain("PASSWORD");
        Encoding.UTF8.GetString(hashed).ShouldNotContain(Value);
        Encoding.UTF8.GetString(hashed).ShouldNotContain("hunter2");
        fingerprint.Hash.ShouldNotBe(Hash(f => f.AddEnvironment(new Dictionary<string, string> { ["PASSWORD"] = Value + "!" })));
    }

    [Fact]
    public async Task ASymbolicLink_CountsByWhereItPoints_NotByTheFileItReaches()
    {
        File.CreateSymbolicLink(_job.Combine("current.cs"), "src/app.cs");
        var before = await FingerprintAsync(files: ["current.cs"]);

        _job.Write("src/app.cs", "class Changed {}");
        var targetChanged = await FingerprintAsync(files: ["current.cs"]);
        File.Delete(_job.Combine("current.cs"));
        File.CreateSymbolicLink(_job.Combine("current.cs"), "src/lib.cs");
        var repointed = await FingerprintAsync(files: ["current.cs"]);

        targetChanged.ShouldBe(before);
        repointed.ShouldNotBe(before);
    }

    [Fact]
    public async Task AFileThatCannotBeRead_IsNamed_AndLeavesTheHashAsItWas()
    {
        var fingerprint = new JobFingerprint().AddText("command", "make");
        var before = fingerprint.Hash;

        var error = await Should.ThrowAsync<InputFilesException>(
            fingerprint.AddFilesAsync(_job.Path, ["src/app.cs", "src/missing.cs"], Ct).DefaultTimeout());

        error.Message.ShouldContain("'src/missing.cs'");
        fingerprint.Hash.ShouldBe(before);
    }

    [Theory]
    [InlineData("../outside.txt")]
    [InlineData("/etc/hostname")]
    [InlineData("src/./app.cs")]
    public async Task APathOutsideTheRoot_IsRefused(string path)
    {
        await Should.ThrowAsync<ArgumentException>(new JobFingerprint().AddFilesAsync(_job.Path, [path], Ct).DefaultTimeout());
    }

    [Fact]
    public async Task ManyFiles_AndLargeFiles_AreHashedAsTheirContent()
    {
        using var many = new TempDirectory();
        var files = new List<string>();
        for (var i = 0; i < 2000; i++)
        {
            var name = $"d{i % 37}/f{i}.txt";
            many.Write(name, "content " + i);
            files.Add(name);
        }

        // Larger than the read buffer, so that it is read in several pieces.
        var large = new byte[1_000_003];
        new Random(7).NextBytes(large);
        many.Write("large.bin", large);
        files.Add("large.bin");

        var before = await new JobFingerprint().AddFilesAsync(many.Path, files, Ct).DefaultTimeout();
        large[999_999] ^= 1;
        many.Write("large.bin", large);
        var after = await new JobFingerprint().AddFilesAsync(many.Path, files, Ct).DefaultTimeout();

        after.Hash.ShouldNotBe(before.Hash);
    }

    [Fact]
    public async Task InputFiles_AndTheFingerprint_Together_SkipAJobOnlyWhenAnInputChanges()
    {
        _job.Write(".gitignore", "bin/\n");
        async Task<string> Run()
        {
            var inputs = InputFiles.Match(_job.Path, ["src/**/*.cs", "*.sh"], Ct);
            var fingerprint = await new JobFingerprint().AddText("command", "./build.sh").AddFilesAsync(_job.Path, inputs, Ct).DefaultTimeout();
            return fingerprint.Hash;
        }

        var first = await Run();
        _job.Write("bin/app.dll", "output of the build");
        _job.Write("notes.md", "not an input");
        var unchanged = await Run();
        _job.Write("src/new.cs", "class New {}");
        var changed = await Run();

        unchanged.ShouldBe(first);
        changed.ShouldNotBe(first);
    }

    private static string Hash(Action<JobFingerprint> build)
    {
        var fingerprint = new JobFingerprint();
        build(fingerprint);
        return fingerprint.Hash;
    }

    private async Task<string> FingerprintAsync(
        string? root = null,
        string[]? files = null,
        Dictionary<string, string>? environment = null,
        int secretVersion = 3,
        string command = "dotnet test")
    {
        var fingerprint = new JobFingerprint()
            .AddText("command", command)
            .AddEnvironment(environment ?? Environment)
            .AddSecretVersion("NUGET_TOKEN", secretVersion);
        await fingerprint.AddFilesAsync(root ?? _job.Path, files ?? Files, Ct).DefaultTimeout();
        return fingerprint.Hash;
    }
}
