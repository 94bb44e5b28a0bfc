using System.Security.Cryptography;
using Capstan.Pipelines.Artifacts;
using Capstan.Testing;

namespace Capstan.Pipelines.Tests.Artifacts;

public sealed class ArtifactRepositoryTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly ArtifactRepository _repository;

    public ArtifactRepositoryTests()
    {
        _repository = new ArtifactRepository(_temp.Combine("project", ".capstan", "artifacts"));
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Store_PutsTheTarAtItsContentAddress()
    {
        var folder = Build("out", "index.html", "<h1>hi</h1>");

        var stored = await _repository.StoreFolderAsync(folder, Ct).DefaultTimeout();

        var bytes = await File.ReadAllBytesAsync(stored.Path, Ct);
        stored.Digest.ShouldBe("sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes)));
        stored.SizeBytes.ShouldBe(bytes.Length);
        var hex = stored.Digest["sha256:".Length..];
        stored.Path.ShouldBe(Path.Combine(_repository.Root, "sha256", hex[..2], hex + ".tar"));
        stored.AlreadyStored.ShouldBeFalse();
        _repository.Exists(stored.Digest).ShouldBeTrue();
        _repository.PathOf(stored.Digest).ShouldBe(stored.Path);
        Tree.Names(Path.Combine(_repository.Root, "tmp")).ShouldBeEmpty();
        File.ReadAllText(_temp.Combine("project", ".capstan", ".gitignore")).ShouldContain("*");
    }

    [Fact]
    public async Task Store_SameContentTwice_IsOneArtifact()
    {
        var folder = Build("out", "index.html", "<h1>hi</h1>");
        var first = await _repository.StoreFolderAsync(folder, Ct).DefaultTimeout();
        File.SetLastWriteTimeUtc(Path.Combine(folder, "index.html"), DateTime.UtcNow.AddDays(-3));
        var other = Build("elsewhere", "index.html", "<h1>hi</h1>");

        var second = await _repository.StoreFolderAsync(folder, Ct).DefaultTimeout();
        var third = await _repository.StoreFolderAsync(other, Ct).DefaultTimeout();

        second.Digest.ShouldBe(first.Digest);
        third.Digest.ShouldBe(first.Digest);
        second.AlreadyStored.ShouldBeTrue();
        Directory.GetFiles(Path.Combine(_repository.Root, "sha256"), "*", SearchOption.AllDirectories).Length.ShouldBe(1);
    }

    [Fact]
    public async Task Store_DifferentContent_GivesDifferentDigests()
    {
        var first = await _repository.StoreFolderAsync(Build("a", "index.html", "v1"), Ct).DefaultTimeout();
        var second = await _repository.StoreFolderAsync(Build("b", "index.html", "v2"), Ct).DefaultTimeout();

        second.Digest.ShouldNotBe(first.Digest);
    }

    [Fact]
    public async Task Store_ConcurrentlyWithTheSameContent_EndsWithOneCompleteFile()
    {
        var folders = Enumerable.Range(0, 6).Select(i => Build($"copy{i}", "app.js", "same")).ToList();

        var stored = await Task.WhenAll(folders.Select(f => Task.Run(() => _repository.StoreFolderAsync(f, Ct)))).DefaultTimeout();

        stored.Select(s => s.Digest).Distinct().Count().ShouldBe(1);
        stored.ShouldContain(s => !s.AlreadyStored);
        Directory.GetFiles(Path.Combine(_repository.Root, "sha256"), "*", SearchOption.AllDirectories).Length.ShouldBe(1);
        (await _repository.VerifyAsync(stored[0].Digest, Ct).DefaultTimeout()).ShouldBeTrue();
        Tree.Names(Path.Combine(_repository.Root, "tmp")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Extract_RestoresTheFolder()
    {
        var folder = Build("out", "index.html", "<h1>hi</h1>");
        _temp.Write(Path.Combine("out", "assets", "app.js"), "console.log(1)");
        var stored = await _repository.StoreFolderAsync(folder, Ct).DefaultTimeout();
        var target = _temp.Combine("releases", "1");

        await _repository.ExtractAsync(stored.Digest, target, Ct).DefaultTimeout();

        Tree.Describe(target).ShouldBe(Tree.Describe(folder));
        (await _repository.VerifyAsync(stored.Digest, Ct).DefaultTimeout()).ShouldBeTrue();
    }

    [Theory]
    [InlineData("data")]
    [InlineData("header")]
    [InlineData("truncated")]
    public async Task Extract_CorruptedArtifact_IsRefusedNamingTheDigest(string damage)
    {
        var folder = Build("out", "index.html", new string('x', 4000));
        var stored = await _repository.StoreFolderAsync(folder, Ct).DefaultTimeout();
        var bytes = await File.ReadAllBytesAsync(stored.Path, Ct);
        switch (damage)
        {
            case "data":
                bytes[600] ^= 0x01;
                break;
            case "header":
                // The size field of the first entry: no longer octal, so the header cannot be parsed.
                bytes[124] = (byte)'z';
                break;
            case "truncated":
                bytes = bytes[..1500];
                break;
        }

        File.SetUnixFileMode(stored.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await File.WriteAllBytesAsync(stored.Path, bytes, Ct);
        var target = _temp.Combine("releases", "1");

        var error = await Should.ThrowAsync<ArtifactException>(
            () => _repository.ExtractAsync(stored.Digest, target, Ct).DefaultTimeout());

        error.Message.ShouldContain($"artifact {stored.Digest} is corrupted");
        Tree.Names(_temp.Combine("releases")).ShouldBeEmpty();
        (await _repository.VerifyAsync(stored.Digest, Ct).DefaultTimeout()).ShouldBeFalse();
    }

    [Theory]
    [InlineData("sha256:abc")]
    [InlineData("sha256:B880313EE3EC75A6611AFA82EE8F3D833BA07E6594B4207777A925DC244AF50D")]
    [InlineData("md5:b880313ee3ec75a6611afa82ee8f3d833ba07e6594b4207777a925dc244af50d")]
    [InlineData("b880313ee3ec75a6611afa82ee8f3d833ba07e6594b4207777a925dc244af50d")]
    [InlineData("sha256:../../../../etc/passwd0000000000000000000000000000000000000")]
    public void MalformedDigest_IsRefusedNamingIt(string digest)
    {
        Should.Throw<ArtifactException>(() => _repository.Exists(digest)).Message.ShouldContain($"'{digest}'");
        Should.Throw<ArtifactException>(() => _repository.PathOf(digest)).Message.ShouldContain($"'{digest}'");
        Should.Throw<ArtifactException>(() => _repository.OpenRead(digest)).Message.ShouldContain($"'{digest}'");
    }

    [Fact]
    public async Task MissingArtifact_IsNamed()
    {
        var digest = "sha256:" + new string('a', 64);

        _repository.Exists(digest).ShouldBeFalse();
        var error = await Should.ThrowAsync<ArtifactException>(
            () => _repository.ExtractAsync(digest, _temp.Combine("release"), Ct).DefaultTimeout());
        error.Message.ShouldContain($"artifact {digest} is not in the store");
        Directory.Exists(_temp.Combine("release")).ShouldBeFalse();
    }

    [Fact]
    public async Task Store_UnpackableFolder_LeavesNoTemporaryFile()
    {
        var folder = Build("out", "index.html", "hi");
        File.CreateSymbolicLink(Path.Combine(folder, "etc"), "/etc");

        var error = await Should.ThrowAsync<ArtifactException>(() => _repository.StoreFolderAsync(folder, Ct).DefaultTimeout());

        error.Message.ShouldContain("'etc'");
        Tree.Names(Path.Combine(_repository.Root, "tmp")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Store_RefusesAFolderThatHoldsTheStore()
    {
        _temp.Write(Path.Combine("project", "index.html"), "hi");

        var error = await Should.ThrowAsync<ArtifactException>(
            () => _repository.StoreFolderAsync(_temp.Combine("project"), Ct).DefaultTimeout());

        error.Message.ShouldContain("the artifact store");
    }

    private string Build(string folder, string file, string content)
    {
        _temp.Write(Path.Combine(folder, file), content);
        return _temp.Combine(folder);
    }
}
