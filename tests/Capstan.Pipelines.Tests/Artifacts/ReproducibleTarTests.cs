using System.Formats.Tar;
using System.Net.Sockets;
using System.Security.Cryptography;
using Capstan.Pipelines.Artifacts;
using Capstan.Testing;

namespace Capstan.Pipelines.Tests.Artifacts;

public sealed class ReproducibleTarTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Write_SameFolderTwice_GivesIdenticalBytesDespiteTimesAndModes()
    {
        var folder = SampleFolder("app");
        var first = await PackAsync(folder);

        // What the content does not include: times, read/write bits, the order files were made in.
        foreach (var path in Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories))
        {
            if (new FileInfo(path).LinkTarget is null)
            {
                File.SetLastWriteTimeUtc(path, new DateTime(2031, 5, 6, 7, 8, 9, DateTimeKind.Utc));
            }
        }

        File.SetUnixFileMode(Path.Combine(folder, "readme.txt"), Mode("600"));
        File.SetUnixFileMode(Path.Combine(folder, "bin", "run.sh"), Mode("700"));
        var second = await PackAsync(folder);
        var copy = SampleFolder("copy", reverse: true);
        var third = await PackAsync(copy);

        second.ShouldBe(first);
        third.ShouldBe(first);
    }

    [Theory]
    [InlineData("content")]
    [InlineData("name")]
    [InlineData("execute bit")]
    [InlineData("empty folder")]
    [InlineData("link target")]
    public async Task Write_DifferentContent_GivesDifferentBytes(string change)
    {
        var folder = SampleFolder("app");
        var before = await PackAsync(folder);
        switch (change)
        {
            case "content":
                File.AppendAllText(Path.Combine(folder, "readme.txt"), "!");
                break;
            case "name":
                File.Move(Path.Combine(folder, "readme.txt"), Path.Combine(folder, "README.txt"));
                break;
            case "execute bit":
                File.SetUnixFileMode(Path.Combine(folder, "readme.txt"), Mode("744"));
                break;
            case "empty folder":
                Directory.CreateDirectory(Path.Combine(folder, "logs"));
                break;
            case "link target":
                File.Delete(Path.Combine(folder, "bin", "current"));
                File.CreateSymbolicLink(Path.Combine(folder, "bin", "current"), "../lib/other.dll");
                break;
        }

        (await PackAsync(folder)).ShouldNotBe(before);
    }

    [Fact]
    public async Task Write_SortsEntriesAndNormalisesEveryHeader()
    {
        var folder = SampleFolder("app");
        File.SetUnixFileMode(Path.Combine(folder, "readme.txt"), Mode("664"));

        var entries = await ReadEntriesAsync(await PackAsync(folder));

        entries.Select(e => e.Name).ShouldBe(
            ["a-b.txt", "bin/", "bin/current", "bin/run.sh", "empty.txt", "lib/", "lib/app.dll", "readme.txt"]);
        foreach (var entry in entries)
        {
            entry.Format.ShouldBe(TarEntryFormat.Gnu);
            entry.ModificationTime.ShouldBe(ReproducibleTar.ModificationTime);
            entry.Uid.ShouldBe(0);
            entry.Gid.ShouldBe(0);
            ((GnuTarEntry)entry).UserName.ShouldBeEmpty();
            ((GnuTarEntry)entry).GroupName.ShouldBeEmpty();
        }

        var modes = entries.ToDictionary(e => e.Name, e => Convert.ToString((int)e.Mode, 8));
        modes["bin/"].ShouldBe("755");
        modes["bin/run.sh"].ShouldBe("755");
        modes["readme.txt"].ShouldBe("644");
        modes["bin/current"].ShouldBe("777");
        entries.Single(e => e.Name == "bin/current").LinkName.ShouldBe("../lib/app.dll");
    }

    [Fact]
    public async Task Write_KnownFolder_GivesThePinnedDigest()
    {
        // Pinned across processes, machines and .NET updates: a change here changes every artifact digest, so it must
        // be deliberate. It also catches a process id or clock leaking into the bytes, which two packs in one test
        // process would not.
        var folder = SampleFolder("app");
        Directory.CreateDirectory(Path.Combine(folder, new string('n', 90), new string('m', 60)));
        File.WriteAllText(Path.Combine(folder, new string('n', 90), new string('m', 60), "données-日本.txt"), "long");

        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(await PackAsync(folder)));

        digest.ShouldBe(PinnedDigest);
    }

    [Fact]
    public async Task WriteThenExtract_LongAndNonAsciiNames_RoundTrip()
    {
        var folder = _temp.Combine("long");
        var deep = Path.Combine(folder, new string('d', 120), "sous-répertoire", new string('e', 80));
        Directory.CreateDirectory(deep);
        var longName = new string('f', 200) + ".txt";
        File.WriteAllText(Path.Combine(deep, longName), "deep");
        File.WriteAllText(Path.Combine(folder, "ünïcödé-名前-📦.txt"), "unicode");
        File.CreateSymbolicLink(Path.Combine(folder, "shortcut"), Path.GetRelativePath(folder, Path.Combine(deep, longName)));

        var tar = await PackAsync(folder);
        var target = _temp.Combine("out");
        await ReproducibleTar.ExtractAsync(new MemoryStream(tar), target, Ct).DefaultTimeout();

        var names = (await ReadEntriesAsync(tar)).Select(e => e.Name).ToList();
        names.ShouldContain(e => e.Length > 300);
        names.ShouldContain("ünïcödé-名前-📦.txt");
        Tree.Describe(target).ShouldBe(Tree.Describe(folder));
        File.ReadAllText(Path.Combine(target, "shortcut")).ShouldBe("deep");
    }

    [Fact]
    public async Task WriteThenExtract_KeepsLinksInsideTheFolderAndTheExecuteBit()
    {
        var folder = SampleFolder("app");

        var target = _temp.Combine("out");
        await ReproducibleTar.ExtractAsync(new MemoryStream(await PackAsync(folder)), target, Ct).DefaultTimeout();

        new FileInfo(Path.Combine(target, "bin", "current")).LinkTarget.ShouldBe("../lib/app.dll");
        File.ReadAllText(Path.Combine(target, "bin", "current")).ShouldBe("dll");
        Convert.ToString((int)File.GetUnixFileMode(Path.Combine(target, "bin", "run.sh")), 8).ShouldBe("755");
        Convert.ToString((int)File.GetUnixFileMode(Path.Combine(target, "readme.txt")), 8).ShouldBe("644");
        new FileInfo(Path.Combine(target, "empty.txt")).Length.ShouldBe(0);
    }

    [Theory]
    [InlineData("../outside.txt")]
    [InlineData("/etc/passwd")]
    [InlineData("sub/../../outside.txt")]
    public async Task Write_RefusesLinkThatLeavesTheFolder(string linkTarget)
    {
        var folder = SampleFolder("app");
        Directory.CreateDirectory(Path.Combine(folder, "sub"));
        File.CreateSymbolicLink(Path.Combine(folder, "escape"), linkTarget);

        var error = await Should.ThrowAsync<ArtifactException>(() => PackAsync(folder));

        error.Message.ShouldContain("symbolic link 'escape'");
        error.Message.ShouldContain(linkTarget);
    }

    [Fact]
    public async Task Write_RefusesFifo()
    {
        var folder = SampleFolder("app");
        (await ProcessRunner.RunAsync("mkfifo", [Path.Combine(folder, "bin", "pipe")], TimeSpan.FromSeconds(30), Ct)).EnsureSuccess();

        var error = await Should.ThrowAsync<ArtifactException>(() => PackAsync(folder));

        error.Message.ShouldContain("'bin/pipe'");
        error.Message.ShouldContain("FIFO");
    }

    [Fact]
    public async Task Write_RefusesSocket()
    {
        var folder = SampleFolder("app");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(Path.Combine(folder, "agent.sock")));

        var error = await Should.ThrowAsync<ArtifactException>(() => PackAsync(folder));

        error.Message.ShouldContain("'agent.sock'");
    }

    [Fact]
    public async Task Write_RefusesMissingFolder()
    {
        var error = await Should.ThrowAsync<ArtifactException>(() => PackAsync(_temp.Combine("nope")));

        error.Message.ShouldContain("nope");
    }

    public static TheoryData<string> SlipCases() =>
    [
        "absolute path",
        "dot-dot path",
        "dot-dot inside path",
        "symlink to absolute path",
        "symlink up out of the folder",
        "symlink down then up",
        "hard link up out of the folder",
        "hard link to absolute path",
        "hard link to a symlink",
        "hard link to a later file",
        "file written through extracted symlink",
        "folder written through extracted symlink",
        "symlink over an extracted file",
        "character device",
        "block device",
        "fifo",
    ];

    [Theory]
    [MemberData(nameof(SlipCases))]
    public async Task Extract_RefusesUnsafeEntry_AndLeavesNothing(string slip)
    {
        var parent = _temp.Combine("deploy");
        var outside = _temp.Combine("outside");
        Directory.CreateDirectory(parent);
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "secret.txt"), "secret");
        var target = Path.Combine(parent, "release");
        // Benign entries first, so the refusal comes after some were written to the staging folder.
        var tar = new TarBuilder().Directory("app/").File("app/ok.txt").Directory("sub/");
        var (evil, why) = slip switch
        {
            "absolute path" => Add(tar.File(Path.Combine(outside, "evil.txt")), Path.Combine(outside, "evil.txt"), "absolute"),
            "dot-dot path" => Add(tar.File("../outside/evil.txt"), "../outside/evil.txt", "'..'"),
            "dot-dot inside path" => Add(tar.File("app/../../evil.txt"), "app/../../evil.txt", "'..'"),
            "symlink to absolute path" => Add(tar.Symlink("app/link", outside), "app/link", "absolute"),
            "symlink up out of the folder" => Add(tar.Symlink("app/link", "../../outside"), "app/link", "leaves the folder"),
            "symlink down then up" => Add(tar.Symlink("app/link", "../sub/../../outside"), "app/link", "goes up ('..') after going down"),
            "hard link up out of the folder" => Add(tar.HardLink("app/h", "../outside/secret.txt"), "app/h", "hard link"),
            "hard link to absolute path" => Add(tar.HardLink("app/h", Path.Combine(outside, "secret.txt")), "app/h", "hard link"),
            "hard link to a symlink" => Add(tar.Symlink("app/l", "ok.txt").HardLink("app/h", "app/l"), "app/h", "hard link"),
            "hard link to a later file" => Add(tar.HardLink("app/h", "app/later.txt").File("app/later.txt"), "app/h", "hard link"),
            "file written through extracted symlink" =>
                Add(tar.Symlink("app/link", "../sub").File("app/link/evil.txt"), "app/link/evil.txt", "through the symbolic link 'app/link'"),
            "folder written through extracted symlink" =>
                Add(tar.Symlink("app/link", "../sub").Directory("app/link/inner/"), "app/link/inner/", "through the symbolic link 'app/link'"),
            "symlink over an extracted file" => Add(tar.Symlink("app/ok.txt", "../sub"), "app/ok.txt", "twice"),
            "character device" => Add(tar.Special(TarEntryType.CharacterDevice, "app/null"), "app/null", "character device"),
            "block device" => Add(tar.Special(TarEntryType.BlockDevice, "app/disk"), "app/disk", "block device"),
            "fifo" => Add(tar.Special(TarEntryType.Fifo, "app/pipe"), "app/pipe", "FIFO"),
            _ => throw new ArgumentOutOfRangeException(nameof(slip)),
        };

        var error = await Should.ThrowAsync<ArtifactException>(
            () => ReproducibleTar.ExtractAsync(evil.Build(), target, Ct).DefaultTimeout());

        error.Message.ShouldContain($"'{why.Name}'");
        error.Message.ShouldContain(why.Reason);
        Tree.Names(parent).ShouldBeEmpty();
        Tree.Names(outside).ShouldBe(["secret.txt"]);
        File.ReadAllText(Path.Combine(outside, "secret.txt")).ShouldBe("secret");

        static (TarBuilder, (string Name, string Reason)) Add(TarBuilder tar, string name, string reason) => (tar, (name, reason));
    }

    [Fact]
    public async Task Extract_RefusesUnsafeEntry_LeavesExistingTargetAsItWas()
    {
        var target = _temp.Combine("release");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "old.txt"), "old");
        var tar = new TarBuilder().File("new.txt").File("../evil.txt").Build();

        await Should.ThrowAsync<ArtifactException>(
            () => ReproducibleTar.ExtractAsync(tar, target, ExistingTarget.Replace, Ct).DefaultTimeout());

        Tree.Names(_temp.Path).ShouldBe(["release"]);
        Tree.Names(target).ShouldBe(["old.txt"]);
    }

    [Fact]
    public async Task Extract_TruncatedArchive_IsMalformedAndLeavesNothing()
    {
        var full = new TarBuilder().File("a.txt", new string('a', 5000)).File("b.txt").Build().ToArray();
        var target = _temp.Combine("release");

        var error = await Should.ThrowAsync<ArtifactException>(
            () => ReproducibleTar.ExtractAsync(new MemoryStream(full[..3000]), target, Ct).DefaultTimeout());

        error.Message.ShouldContain("malformed or truncated");
        Tree.Names(_temp.Path).ShouldBeEmpty();
    }

    [Fact]
    public async Task Extract_RefusesNonEmptyTarget_BeforeReadingAnything()
    {
        var target = _temp.Combine("release");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "old.txt"), "old");

        var error = await Should.ThrowAsync<ArtifactException>(
            () => ReproducibleTar.ExtractAsync(new TarBuilder().File("a.txt").Build(), target, Ct).DefaultTimeout());

        error.Message.ShouldContain(target);
        error.Message.ShouldContain("not empty");
        Tree.Names(target).ShouldBe(["old.txt"]);
    }

    [Fact]
    public async Task Extract_IntoEmptyExistingFolder_Works()
    {
        var target = _temp.Combine("release");
        Directory.CreateDirectory(target);

        await ReproducibleTar.ExtractAsync(new TarBuilder().File("a.txt", "A").Build(), target, Ct).DefaultTimeout();

        File.ReadAllText(Path.Combine(target, "a.txt")).ShouldBe("A");
        Tree.Names(_temp.Path).ShouldBe(["release"]);
    }

    [Fact]
    public async Task Extract_WithReplace_SwapsOutWhatWasThere()
    {
        var target = _temp.Combine("node_modules");
        Directory.CreateDirectory(Path.Combine(target, "stale"));
        File.WriteAllText(Path.Combine(target, "stale", "old.js"), "old");

        await ReproducibleTar.ExtractAsync(
            new TarBuilder().File("left-pad/index.js", "new").Build(), target, ExistingTarget.Replace, Ct).DefaultTimeout();

        Tree.Names(target).ShouldBe(["left-pad"]);
        File.ReadAllText(Path.Combine(target, "left-pad", "index.js")).ShouldBe("new");
        Tree.Names(_temp.Path).ShouldBe(["node_modules"]);
    }

    [Fact]
    public async Task Extract_EmptyArchive_MakesAnEmptyFolder()
    {
        var target = _temp.Combine("release");

        await ReproducibleTar.ExtractAsync(new TarBuilder().Build(), target, Ct).DefaultTimeout();

        Directory.Exists(target).ShouldBeTrue();
        Tree.Names(target).ShouldBeEmpty();
    }

    [Fact]
    public async Task Extract_HardLinkToEarlierFile_BecomesACopy()
    {
        var target = _temp.Combine("release");
        var tar = new TarBuilder().File("./a.txt", "same", Mode("755")).HardLink("b.txt", "a.txt").Build();

        await ReproducibleTar.ExtractAsync(tar, target, Ct).DefaultTimeout();

        File.ReadAllText(Path.Combine(target, "b.txt")).ShouldBe("same");
        Convert.ToString((int)File.GetUnixFileMode(Path.Combine(target, "a.txt")), 8).ShouldBe("755");
    }

    [Fact]
    public async Task Extract_IgnoresUmaskAndSpecialBits_GivingNormalisedModes()
    {
        var target = _temp.Combine("release");
        var tar = new TarBuilder()
            .File("setuid", "x", Mode("4750"))
            .File("private", "x", Mode("600"))
            .File("world-writable", "x", Mode("666"))
            .Build();

        await ReproducibleTar.ExtractAsync(tar, target, Ct).DefaultTimeout();

        Tree.Describe(target).Select(l => l.Split(' ')[2]).ShouldAllBe(m => m == "755" || m == "644");
        Convert.ToString((int)File.GetUnixFileMode(Path.Combine(target, "setuid")), 8).ShouldBe("755");
        Convert.ToString((int)File.GetUnixFileMode(Path.Combine(target, "world-writable")), 8).ShouldBe("644");
    }

    private const string PinnedDigest = "sha256:b880313ee3ec75a6611afa82ee8f3d833ba07e6594b4207777a925dc244af50d";

    internal static UnixFileMode Mode(string octal) => (UnixFileMode)Convert.ToInt32(octal, 8);

    private static async Task<byte[]> PackAsync(string folder)
    {
        using var buffer = new MemoryStream();
        await ReproducibleTar.WriteAsync(folder, buffer, Ct).DefaultTimeout();
        return buffer.ToArray();
    }

    private static async Task<List<TarEntry>> ReadEntriesAsync(byte[] tar)
    {
        var entries = new List<TarEntry>();
        await using var reader = new TarReader(new MemoryStream(tar));
        while (await reader.GetNextEntryAsync(copyData: true, Ct) is { } entry)
        {
            entries.Add(entry);
        }

        return entries;
    }

    /// <summary>A small app folder: files, an executable, an empty file, a folder and a link inside.</summary>
    private string SampleFolder(string name, bool reverse = false)
    {
        var folder = _temp.Combine(name);
        var steps = new List<Action>
        {
            () => _temp.Write(Path.Combine(name, "readme.txt"), "hello"),
            () => _temp.Write(Path.Combine(name, "a-b.txt"), "sorted before a/"),
            () => _temp.Write(Path.Combine(name, "empty.txt"), string.Empty),
            () => _temp.Write(Path.Combine(name, "lib", "app.dll"), "dll"),
            () =>
            {
                var script = _temp.Write(Path.Combine(name, "bin", "run.sh"), "#!/bin/sh\necho hi\n");
                File.SetUnixFileMode(script, Mode("755"));
            },
            () => File.CreateSymbolicLink(Path.Combine(folder, "bin", "current"), "../lib/app.dll"),
        };
        if (reverse)
        {
            // Same content, made in another order, with other times and read/write bits.
            Directory.CreateDirectory(Path.Combine(folder, "bin"));
            Directory.CreateDirectory(Path.Combine(folder, "lib"));
            steps.Reverse();
        }

        foreach (var step in steps)
        {
            step();
        }

        if (reverse)
        {
            File.SetUnixFileMode(Path.Combine(folder, "readme.txt"), Mode("640"));
        }

        return folder;
    }
}
