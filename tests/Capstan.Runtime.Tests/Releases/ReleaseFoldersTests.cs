using System.Security.Cryptography;
using Capstan.Pipelines.Artifacts;
using Capstan.Runtime.Releases;
using Capstan.Testing;

namespace Capstan.Runtime.Tests.Releases;

public class ReleaseFoldersTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Ensure_UnpacksTheArtifactOnce_AndReusesTheFolderAfterwards()
    {
        using var temp = new TempDirectory();
        var (artifacts, releases) = Stores(temp);
        var digest = await StoreBuildAsync(temp, artifacts);

        var folder = await releases.EnsureAsync(digest, Ct).DefaultTimeout();

        folder.ShouldBe(Path.Combine(releases.Root, digest["sha256:".Length..]));
        File.ReadAllText(Path.Combine(folder, "bin", "app.txt")).ShouldBe("hello");
        File.WriteAllText(Path.Combine(folder, "marker"), "still here");
        (await releases.EnsureAsync(digest, Ct).DefaultTimeout()).ShouldBe(folder);
        File.Exists(Path.Combine(folder, "marker")).ShouldBeTrue("an unpacked release is reused, not unpacked again");
        Directory.GetFileSystemEntries(releases.Root).ShouldBe([folder]);
    }

    [Fact]
    public async Task Ensure_FromManyCallersAtOnce_LeavesOneCompleteFolder()
    {
        using var temp = new TempDirectory();
        var (artifacts, releases) = Stores(temp);
        var other = new ReleaseFolders(releases.Root, artifacts); // as another process would
        var digest = await StoreBuildAsync(temp, artifacts);

        var folders = await Task.WhenAll(Enumerable.Range(0, 12)
            .Select(i => Task.Run(() => (i % 2 == 0 ? releases : other).EnsureAsync(digest, Ct), Ct))).DefaultTimeout();

        folders.Distinct().ShouldHaveSingleItem();
        File.ReadAllText(Path.Combine(folders[0], "bin", "app.txt")).ShouldBe("hello");
        Directory.GetFileSystemEntries(releases.Root).ShouldBe([folders[0]]);
    }

    [Fact]
    public async Task Ensure_AnArtifactNotInTheStore_FailsNamingTheDigest_AndLeavesNothing()
    {
        using var temp = new TempDirectory();
        var (_, releases) = Stores(temp);
        var digest = "sha256:" + new string('e', 64);

        var error = await Should.ThrowAsync<RuntimeException>(() => releases.EnsureAsync(digest, Ct).DefaultTimeout());

        error.Message.ShouldContain(digest);
        error.Message.ShouldContain("not in the store");
        releases.Exists(digest).ShouldBeFalse();
        (Directory.Exists(releases.Root) ? Directory.GetFileSystemEntries(releases.Root) : []).ShouldBeEmpty();
    }

    [Fact]
    public async Task Ensure_ACorruptedArtifact_FailsNamingTheDigest_AndLeavesNothing()
    {
        using var temp = new TempDirectory();
        var (artifacts, releases) = Stores(temp);
        var digest = await StoreBuildAsync(temp, artifacts);
        var tar = artifacts.PathOf(digest);
        File.SetUnixFileMode(tar, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var bytes = File.ReadAllBytes(tar);
        var content = bytes.AsSpan().IndexOf("hello"u8);
        bytes[content] = (byte)'j'; // the file's content, not its header: a valid tar whose hash is wrong
        File.WriteAllBytes(tar, bytes);

        var error = await Should.ThrowAsync<RuntimeException>(() => releases.EnsureAsync(digest, Ct).DefaultTimeout());

        error.Message.ShouldContain(digest);
        error.Message.ShouldContain("corrupted");
        Directory.GetFileSystemEntries(releases.Root).ShouldBeEmpty();
    }

    [Fact]
    public async Task Ensure_AnArtifactThatIsNotATar_FailsNamingTheDigest_AndLeavesNothing()
    {
        using var temp = new TempDirectory();
        var (artifacts, releases) = Stores(temp);
        var garbage = new byte[4096];
        garbage.AsSpan().Fill((byte)'x');
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(garbage));
        Directory.CreateDirectory(Path.GetDirectoryName(artifacts.PathOf(digest))!);
        File.WriteAllBytes(artifacts.PathOf(digest), garbage);

        var error = await Should.ThrowAsync<RuntimeException>(() => releases.EnsureAsync(digest, Ct).DefaultTimeout());

        error.Message.ShouldContain(digest);
        error.Message.ShouldContain("malformed");
        Directory.GetFileSystemEntries(releases.Root).ShouldBeEmpty();
    }

    [Fact]
    public void PathOf_AMalformedDigest_SaysWhatADigestLooksLike()
    {
        using var temp = new TempDirectory();
        var (_, releases) = Stores(temp);

        var error = Should.Throw<RuntimeException>(() => releases.PathOf("sha256:nothex"));

        error.Message.ShouldContain("'sha256:nothex'");
        error.Message.ShouldContain("64 lowercase hex digits");
    }

    private static (ArtifactRepository Artifacts, ReleaseFolders Releases) Stores(TempDirectory temp)
    {
        var artifacts = new ArtifactRepository(temp.Combine(".capstan", "artifacts"));
        return (artifacts, new ReleaseFolders(temp.Combine(".capstan", "releases"), artifacts));
    }

    private static async Task<string> StoreBuildAsync(TempDirectory temp, ArtifactRepository artifacts)
    {
        temp.Write("build/bin/app.txt", "hello");
        temp.Write("build/run.sh", "#!/bin/sh\necho run\n");
        return (await artifacts.StoreFolderAsync(temp.Combine("build"), Ct).DefaultTimeout()).Digest;
    }
}
