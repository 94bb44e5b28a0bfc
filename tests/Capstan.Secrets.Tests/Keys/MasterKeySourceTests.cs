using Capstan.Secrets.Keys;
using Capstan.Testing;

namespace Capstan.Secrets.Tests.Keys;

public class MasterKeySourceTests
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    [Fact]
    public void FirstUse_CreatesAPrivateKeyFile_InASelfIgnoringFolder_AndLaterUsesReadIt()
    {
        using var project = new TempDirectory();
        var folder = project.Combine(".capstan");

        using var created = MasterKeySource.Load(folder, NoEnvironment, create: true);
        using var loaded = MasterKeySource.Load(folder, NoEnvironment, create: false);

        var file = Path.Combine(folder, "master.key");
        File.GetUnixFileMode(file).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.GetUnixFileMode(folder).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.ReadAllText(Path.Combine(folder, ".gitignore")).ShouldContain("*");
        loaded.Current.Id.ShouldBe(created.Current.Id);
        File.ReadAllText(file).ShouldContain("# Capstan master key");
        Directory.GetFiles(folder).Select(Path.GetFileName).Order().ShouldBe([".gitignore", "master.key"]);
    }

    [Fact]
    public void AKeyFileReadableByOthers_IsRefused_AsSshDoes()
    {
        using var project = new TempDirectory();
        var folder = project.Combine(".capstan");
        MasterKeySource.Load(folder, NoEnvironment, create: true).Dispose();
        File.SetUnixFileMode(Path.Combine(folder, "master.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var error = Should.Throw<SecretsException>(() => MasterKeySource.Load(folder, NoEnvironment, create: false));

        error.Message.ShouldContain("is readable by others (mode 0644); a master key must be private: run chmod 600");
    }

    [Fact]
    public void TheEnvironmentVariable_WinsOverTheFile()
    {
        using var project = new TempDirectory();
        var folder = project.Combine(".capstan");
        MasterKeySource.Load(folder, NoEnvironment, create: true).Dispose();
        using var fromEnvironment = MasterKey.Generate();
        var base64 = fromEnvironment.ToBase64();

        using var ring = MasterKeySource.Load(folder, name => name == "CAPSTAN_MASTER_KEY" ? base64 : null, create: false);

        ring.Current.Id.ShouldBe(fromEnvironment.Id);
        ring.Source.ShouldBe("CAPSTAN_MASTER_KEY");
    }

    [Theory]
    [InlineData("not base64 at all!", "CAPSTAN_MASTER_KEY is not base64 text")]
    [InlineData("c2hvcnQ=", "CAPSTAN_MASTER_KEY decodes to 5 bytes; a master key is 32 bytes (256 bits)")]
    public void AMalformedKeyInTheEnvironment_SaysWhatIsWrong_WithoutEchoingIt(string value, string message)
    {
        using var project = new TempDirectory();

        var error = Should.Throw<SecretsException>(() => MasterKeySource.Load(project.Combine(".capstan"), _ => value, create: true));

        error.Message.ShouldContain(message);
        error.Message.ShouldNotContain(value);
    }

    [Fact]
    public void NoKeyAnywhere_WithoutCreate_SaysHowToProvideOne()
    {
        using var project = new TempDirectory();

        var error = Should.Throw<SecretsException>(() => MasterKeySource.Load(project.Combine(".capstan"), NoEnvironment, create: false));

        error.Message.ShouldContain("no master key: set CAPSTAN_MASTER_KEY");
    }

    [Fact]
    public void TwoProcessesCreatingTheKeyAtOnce_EndWithOneKey()
    {
        using var project = new TempDirectory();
        var folder = project.Combine(".capstan");

        var ids = Enumerable.Range(0, 8).AsParallel().Select(_ =>
        {
            using var ring = MasterKeySource.Load(folder, NoEnvironment, create: true);
            return ring.Current.Id;
        }).Distinct().ToList();

        ids.ShouldHaveSingleItem();
        Directory.GetFiles(folder, "*.tmp").ShouldBeEmpty();
    }

    [Fact]
    public void APendingNextKey_IsLoadedBesideTheCurrentOne_AndPromotedInOneRename()
    {
        using var project = new TempDirectory();
        var folder = project.Combine(".capstan");
        using var current = MasterKeySource.Load(folder, NoEnvironment, create: true);
        using var next = MasterKey.Generate();
        MasterKeySource.TryCreateFile(Path.Combine(folder, "master.key.next"), next).ShouldBeTrue();

        using (var ring = MasterKeySource.Load(folder, NoEnvironment, create: false))
        {
            ring.Current.Id.ShouldBe(current.Current.Id);
            ring.Find(next.Id).ShouldNotBeNull();
        }

        MasterKeySource.PromoteNext(folder);

        using var promoted = MasterKeySource.Load(folder, NoEnvironment, create: false);
        promoted.Current.Id.ShouldBe(next.Id);
        File.Exists(Path.Combine(folder, "master.key.next")).ShouldBeFalse();
    }

    [Fact]
    public void TheKeyId_NamesTheKeyStably_AndRevealsNothingOfIt()
    {
        using var key = MasterKey.Generate();
        using var same = MasterKey.FromBase64(key.ToBase64(), "test");

        same.Id.ShouldBe(key.Id);
        key.Id.ShouldMatch("^mk_[0-9a-f]{16}$");
        key.ToBase64().ShouldNotContain(key.Id[3..]);
    }
}
