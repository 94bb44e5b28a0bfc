using Capstan.Pipelines.Caching;
using Capstan.Pipelines.Tests.Artifacts;
using Capstan.Testing;

namespace Capstan.Pipelines.Tests.Caching;

public sealed class DependencyCacheTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly ManualClock _clock = new();
    private readonly string _work;
    private readonly string _home;
    private readonly string _root;

    public DependencyCacheTests()
    {
        _work = _temp.Combine("checkout");
        _home = _temp.Combine("home");
        _root = _temp.Combine("checkout", ".capstan", "cache");
        _temp.Write(Path.Combine("checkout", "package-lock.json"), """{ "left-pad": "1.3.0" }""");
        _temp.Write(Path.Combine("checkout", "Hello.csproj"), "<Project />");
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void ComputeKey_SameDeclarationAndFiles_GiveTheSameKey()
    {
        var first = Key();
        var second = Key();

        second.ShouldBe(first);
        first.ShouldMatch("^sha256:[0-9a-f]{64}$");
    }

    [Fact]
    public void ComputeKey_ChangesWhenAKeyFileChanges()
    {
        var before = Key();
        File.WriteAllText(Path.Combine(_work, "package-lock.json"), """{ "left-pad": "1.3.1" }""");

        Key().ShouldNotBe(before);
    }

    [Fact]
    public void ComputeKey_IgnoresFilesThatAreNotKeyFiles()
    {
        var before = Key();
        _temp.Write(Path.Combine("checkout", "src", "index.js"), "changed");
        File.SetLastWriteTimeUtc(Path.Combine(_work, "package-lock.json"), DateTime.UtcNow.AddDays(-1));

        Key().ShouldBe(before);
    }

    [Fact]
    public void ComputeKey_ChangesWithTheJobAndThePaths()
    {
        var keys = new[]
        {
            DependencyCache.ComputeKey("build", _work, ["package-lock.json"], ["node_modules"]),
            DependencyCache.ComputeKey("test", _work, ["package-lock.json"], ["node_modules"]),
            DependencyCache.ComputeKey("build", _work, ["package-lock.json"], ["node_modules", "~/.npm"]),
            DependencyCache.ComputeKey("build", _work, ["package-lock.json"], ["ab", "c"]),
            DependencyCache.ComputeKey("build", _work, ["package-lock.json"], ["a", "bc"]),
            DependencyCache.ComputeKey("build", _work, ["package-lock.json", "Hello.csproj"], ["node_modules"]),
        };

        keys.Distinct().Count().ShouldBe(keys.Length);
    }

    [Fact]
    public void ComputeKey_MissingKeyFile_NamesTheFileAndTheWorkingDirectory()
    {
        var error = Should.Throw<CacheException>(
            () => DependencyCache.ComputeKey("build", _work, ["package-lock.json", "yarn.lock"], ["node_modules"]));

        error.Message.ShouldContain("'yarn.lock'");
        error.Message.ShouldContain(_work);
    }

    [Fact]
    public async Task Restore_WithNothingSaved_IsAMiss()
    {
        var paths = WriteDependencies();
        var before = Tree.Describe(paths[0]);

        var result = await Cache().RestoreAsync(Key(), paths, Ct).DefaultTimeout();

        result.Hit.ShouldBeFalse();
        result.Problem.ShouldBeNull();
        Tree.Describe(paths[0]).ShouldBe(before);
    }

    [Fact]
    public async Task SaveThenRestore_PutsBackEveryPathAsItWas()
    {
        var paths = WriteDependencies();
        var expected = paths.Select(Tree.Describe).ToList();
        var cache = Cache();

        var saved = await cache.SaveAsync(Key(), paths, Ct).DefaultTimeout();
        // A stale copy of one path and no copy of the other, as on a fresh checkout with an old home folder.
        Directory.Delete(paths[0], recursive: true);
        _temp.Write(Path.Combine("home", ".nuget", "packages", "stale", "1.0", "stale.dll"), "stale");
        File.Delete(Path.Combine(paths[1], "newtonsoft.json", "13.0.3", "lib.dll"));
        var restored = await cache.RestoreAsync(Key(), paths, Ct).DefaultTimeout();

        saved.Outcome.ShouldBe(CacheSaveOutcome.Saved);
        saved.SizeBytes.ShouldBeGreaterThan(0);
        saved.AbsentPaths.ShouldBeEmpty();
        restored.Hit.ShouldBeTrue();
        restored.SizeBytes.ShouldBe(saved.SizeBytes);
        restored.RestoredPaths.ShouldBe(paths);
        paths.Select(Tree.Describe).ShouldBe(expected);
        Tree.Names(_work).ShouldBe([".capstan", "Hello.csproj", "node_modules", "package-lock.json"]);
        Tree.Names(Path.Combine(_home, ".nuget")).ShouldBe(["packages"]);
        Tree.Names(Path.Combine(_root, "tmp")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Save_RecordsAMissingPathAsAbsent_AndRestoreLeavesItAlone()
    {
        var paths = WriteDependencies();
        var missing = Path.Combine(_work, ".turbo");
        IReadOnlyList<string> all = [paths[0], missing];
        var cache = Cache();

        var saved = await cache.SaveAsync(Key(), all, Ct).DefaultTimeout();
        _temp.Write(Path.Combine("checkout", ".turbo", "made-later.txt"), "later");
        var restored = await cache.RestoreAsync(Key(), all, Ct).DefaultTimeout();

        saved.AbsentPaths.ShouldBe([missing]);
        restored.Hit.ShouldBeTrue();
        restored.RestoredPaths.ShouldBe([paths[0]]);
        restored.AbsentPaths.ShouldBe([missing]);
        File.ReadAllText(Path.Combine(missing, "made-later.txt")).ShouldBe("later");
    }

    [Fact]
    public async Task Save_WhenTheKeyIsCached_DoesNothing()
    {
        var paths = WriteDependencies();
        var expected = Tree.Describe(paths[0]);
        var cache = Cache();
        await cache.SaveAsync(Key(), paths, Ct).DefaultTimeout();
        _temp.Write(Path.Combine("checkout", "node_modules", "added-later.js"), "later");

        var second = await cache.SaveAsync(Key(), paths, Ct).DefaultTimeout();
        Directory.Delete(paths[0], recursive: true);
        await cache.RestoreAsync(Key(), paths, Ct).DefaultTimeout();

        second.Outcome.ShouldBe(CacheSaveOutcome.AlreadyCached);
        Tree.Describe(paths[0]).ShouldBe(expected);
    }

    [Fact]
    public async Task Save_WithEveryPathMissing_HasNothingToSave()
    {
        IReadOnlyList<string> paths = [Path.Combine(_work, "node_modules")];

        var result = await Cache().SaveAsync(Key(), paths, Ct).DefaultTimeout();

        result.Outcome.ShouldBe(CacheSaveOutcome.NothingToSave);
        Cache().Contains(Key()).ShouldBeFalse();
    }

    [Fact]
    public async Task Eviction_RemovesTheLeastRecentlyUsedEntry()
    {
        var (a, b, c) = (Declare("a"), Declare("b"), Declare("c"));
        var size = (await Cache().SaveAsync(a.Key, a.Paths, Ct).DefaultTimeout()).SizeBytes;
        // Room for two entries, not three.
        var cache = Cache(sizeLimit: (2 * size) + (size / 2));
        _clock.Advance(TimeSpan.FromMinutes(1));
        await cache.SaveAsync(b.Key, b.Paths, Ct).DefaultTimeout();
        _clock.Advance(TimeSpan.FromMinutes(1));
        // 'a' is older than 'b', but used since.
        (await cache.RestoreAsync(a.Key, a.Paths, Ct).DefaultTimeout()).Hit.ShouldBeTrue();
        _clock.Advance(TimeSpan.FromMinutes(1));

        var saved = await cache.SaveAsync(c.Key, c.Paths, Ct).DefaultTimeout();

        saved.Outcome.ShouldBe(CacheSaveOutcome.Saved);
        saved.Evicted.Select(e => e.Key).ShouldBe([b.Key]);
        saved.Evicted[0].SizeBytes.ShouldBe(size);
        saved.Evicted[0].LastUsed.ShouldBe(_clock.GetUtcNow() - TimeSpan.FromMinutes(2));
        saved.TotalSizeBytes.ShouldBe(2 * size);
        cache.Contains(a.Key).ShouldBeTrue();
        cache.Contains(b.Key).ShouldBeFalse();
        cache.Contains(c.Key).ShouldBeTrue();
    }

    [Fact]
    public async Task Eviction_WithoutUse_RemovesTheOldestFirst()
    {
        var entries = new[] { Declare("a"), Declare("b"), Declare("c"), Declare("d") };
        var size = (await Cache().SaveAsync(entries[0].Key, entries[0].Paths, Ct).DefaultTimeout()).SizeBytes;
        var cache = Cache(sizeLimit: 2 * size);
        CacheSaveResult? last = null;
        foreach (var entry in entries[1..])
        {
            _clock.Advance(TimeSpan.FromMinutes(1));
            last = await cache.SaveAsync(entry.Key, entry.Paths, Ct).DefaultTimeout();
        }

        last!.Evicted.Select(e => e.Key).ShouldBe([entries[1].Key]);
        entries.Select(e => cache.Contains(e.Key)).ShouldBe([false, false, true, true]);
    }

    [Fact]
    public async Task Save_EntryLargerThanTheWholeLimit_IsNotKept()
    {
        var small = Declare("small");
        var cache = Cache(sizeLimit: 20_000);
        await cache.SaveAsync(small.Key, small.Paths, Ct).DefaultTimeout();
        var big = Declare("big", bytes: 50_000);

        var result = await cache.SaveAsync(big.Key, big.Paths, Ct).DefaultTimeout();

        result.Outcome.ShouldBe(CacheSaveOutcome.TooLarge);
        result.SizeBytes.ShouldBeGreaterThan(20_000);
        result.Evicted.ShouldBeEmpty();
        cache.Contains(big.Key).ShouldBeFalse();
        cache.Contains(small.Key).ShouldBeTrue();
        Tree.Names(Path.Combine(_root, "tmp")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Save_ConcurrentlyForDifferentKeys_StoresEveryOne()
    {
        var declarations = Enumerable.Range(0, 8).Select(i => Declare($"job{i}")).ToList();
        var cache = Cache();

        var results = await Task.WhenAll(
            declarations.Select(d => Task.Run(() => cache.SaveAsync(d.Key, d.Paths, Ct)))).DefaultTimeout();

        results.ShouldAllBe(r => r.Outcome == CacheSaveOutcome.Saved);
        declarations.ShouldAllBe(d => cache.Contains(d.Key));
        Tree.Names(Path.Combine(_root, "tmp")).ShouldBeEmpty();
        var restores = await Task.WhenAll(
            declarations.Select(d => Task.Run(() => cache.RestoreAsync(d.Key, d.Paths, Ct)))).DefaultTimeout();
        restores.ShouldAllBe(r => r.Hit);
    }

    [Fact]
    public async Task Save_ConcurrentlyForDifferentKeysOverTheLimit_EndsWithinIt()
    {
        var declarations = Enumerable.Range(0, 8).Select(i => Declare($"job{i}")).ToList();
        var size = (await Cache().SaveAsync(declarations[0].Key, declarations[0].Paths, Ct).DefaultTimeout()).SizeBytes;
        var cache = Cache(sizeLimit: 3 * size);

        await Task.WhenAll(declarations[1..].Select(d => Task.Run(() => cache.SaveAsync(d.Key, d.Paths, Ct)))).DefaultTimeout();

        var files = Directory.GetFiles(Path.Combine(_root, "entries"));
        files.Sum(f => new FileInfo(f).Length).ShouldBeLessThanOrEqualTo(3 * size);
        files.Length.ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task Save_ConcurrentlyForTheSameKey_EndsWithOneEntry()
    {
        var paths = WriteDependencies();
        var expected = Tree.Describe(paths[0]);
        var cache = Cache();

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => cache.SaveAsync(Key(), paths, Ct)))).DefaultTimeout();

        results.ShouldContain(r => r.Outcome == CacheSaveOutcome.Saved);
        results.ShouldAllBe(r => r.Outcome == CacheSaveOutcome.Saved || r.Outcome == CacheSaveOutcome.AlreadyCached);
        Directory.GetFiles(Path.Combine(_root, "entries")).Length.ShouldBe(1);
        Tree.Names(Path.Combine(_root, "tmp")).ShouldBeEmpty();
        Directory.Delete(paths[0], recursive: true);
        (await cache.RestoreAsync(Key(), paths, Ct).DefaultTimeout()).Hit.ShouldBeTrue();
        Tree.Describe(paths[0]).ShouldBe(expected);
    }

    [Fact]
    public async Task Restore_DamagedEntry_IsAMissThatRemovesIt()
    {
        var paths = WriteDependencies();
        var cache = Cache();
        await cache.SaveAsync(Key(), paths, Ct).DefaultTimeout();
        var entry = Directory.GetFiles(Path.Combine(_root, "entries")).Single();
        await File.WriteAllBytesAsync(entry, (await File.ReadAllBytesAsync(entry, Ct))[..700], Ct);
        _temp.Write(Path.Combine("checkout", "node_modules", "local.js"), "mine");
        var before = Tree.Describe(paths[0]);

        var result = await cache.RestoreAsync(Key(), paths, Ct).DefaultTimeout();

        result.Hit.ShouldBeFalse();
        result.Problem.ShouldNotBeNull().ShouldContain(Key());
        cache.Contains(Key()).ShouldBeFalse();
        Tree.Describe(paths[0]).ShouldBe(before);
    }

    [Fact]
    public async Task Save_LinkLeavingACachePath_IsRefusedNamingIt()
    {
        var paths = WriteDependencies();
        File.CreateSymbolicLink(Path.Combine(paths[0], "escape"), "../../elsewhere");

        var error = await Should.ThrowAsync<CacheException>(() => Cache().SaveAsync(Key(), paths, Ct).DefaultTimeout());

        error.Message.ShouldContain("'escape'");
        Tree.Names(Path.Combine(_root, "tmp")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Save_RefusesAFileAsACachePath()
    {
        IReadOnlyList<string> paths = [Path.Combine(_work, "package-lock.json")];

        var error = await Should.ThrowAsync<CacheException>(() => Cache().SaveAsync(Key(), paths, Ct).DefaultTimeout());

        error.Message.ShouldContain("package-lock.json");
    }

    [Fact]
    public async Task SaveAndRestore_RefuseOverlappingPaths()
    {
        IReadOnlyList<string> paths = [Path.Combine(_work, "node_modules"), Path.Combine(_work, "node_modules", ".cache")];

        (await Should.ThrowAsync<CacheException>(() => Cache().SaveAsync(Key(), paths, Ct).DefaultTimeout())).Message.ShouldContain("overlap");
        (await Should.ThrowAsync<CacheException>(() => Cache().RestoreAsync(Key(), paths, Ct).DefaultTimeout())).Message.ShouldContain("overlap");
    }

    [Theory]
    [InlineData(".capstan")]
    [InlineData(".capstan/cache/entries")]
    public async Task Save_RefusesAPathOverlappingTheCache(string path)
    {
        IReadOnlyList<string> paths = [CachePaths.Resolve(path, _work, _home)];

        var error = await Should.ThrowAsync<CacheException>(() => Cache().SaveAsync(Key(), paths, Ct).DefaultTimeout());

        error.Message.ShouldContain("overlaps the cache itself");
    }

    private DependencyCache Cache(long sizeLimit = long.MaxValue) => new(_root, sizeLimit, _clock);

    private string Key() => DependencyCache.ComputeKey("build", _work, ["Hello.csproj", "package-lock.json"], ["node_modules", "~/.nuget/packages"]);

    /// <summary>node_modules (with an executable and a relative link) in the checkout, and a NuGet package folder in home.</summary>
    private IReadOnlyList<string> WriteDependencies()
    {
        _temp.Write(Path.Combine("checkout", "node_modules", "left-pad", "index.js"), "module.exports = pad;");
        var bin = _temp.Write(Path.Combine("checkout", "node_modules", "left-pad", "bin", "cli.js"), "#!/usr/bin/env node");
        File.SetUnixFileMode(bin, ReproducibleTarTests.Mode("755"));
        Directory.CreateDirectory(Path.Combine(_work, "node_modules", ".bin"));
        File.CreateSymbolicLink(Path.Combine(_work, "node_modules", ".bin", "left-pad"), "../left-pad/bin/cli.js");
        Directory.CreateDirectory(Path.Combine(_work, "node_modules", "empty-package"));
        _temp.Write(Path.Combine("home", ".nuget", "packages", "newtonsoft.json", "13.0.3", "lib.dll"), "dll");
        return [.. new[] { "node_modules", "~/.nuget/packages" }.Select(p => CachePaths.Resolve(p, _work, _home))];
    }

    /// <summary>A job with its own key and one cache folder holding a file of <paramref name="bytes"/> bytes.</summary>
    private (string Key, IReadOnlyList<string> Paths) Declare(string job, int bytes = 3000)
    {
        _temp.Write(Path.Combine(job, "deps", "lib.js"), new string((char)('a' + (job.Length % 26)), bytes) + job);
        IReadOnlyList<string> paths = [_temp.Combine(job, "deps")];
        return (DependencyCache.ComputeKey(job, _temp.Combine(job), [], ["deps"]), paths);
    }
}
