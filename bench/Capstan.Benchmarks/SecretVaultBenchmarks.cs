using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Capstan.Secrets.Keys;
using Capstan.Secrets.Vault;
using Capstan.State;

namespace Capstan.Benchmarks;

/// <summary>
/// <c>set</c> and <c>get</c> latency on a SQLite store holding 10,000 secrets (5,000 names in two environments), through the
/// vault (envelope encryption and an audit entry, in one transaction), against the baseline of the store alone writing
/// and reading a row of the same size (no encryption, no audit).
/// </summary>
[MemoryDiagnoser]
public class SecretVaultBenchmarks
{
    private const int Names = 5_000;
    private readonly Random _random = new(17);
    private string _folder = "";
    private IStateStore _store = null!;
    private KeyRing _keys = null!;
    private SecretVault _vault = null!;
    private byte[] _rawValue = [];

    [GlobalSetup]
    public async Task Setup()
    {
        _folder = Directory.CreateTempSubdirectory("capstan-bench-vault-").FullName;
        _store = await StateStore.OpenAsync(StateLocation.ForSqliteFile(Path.Combine(_folder, "state.db")), null, CancellationToken.None);
        _keys = new KeyRing(MasterKey.Generate(), "benchmark");
        _vault = new SecretVault(_store, _keys, "shop", "bench");
        var values = Enumerable.Range(0, Names).Select(i => new KeyValuePair<string, string>($"SECRET_{i}", Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)))).ToList();
        foreach (var environment in new[] { "staging", "production" })
        {
            foreach (var chunk in values.Chunk(500))
            {
                await _vault.ImportAsync(environment, chunk, CancellationToken.None);
            }
        }

        _rawValue = RandomNumberGenerator.GetBytes(32 + 89); // a 32-character value's sealed size
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await _store.DisposeAsync();
        _keys.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Description = "vault set (encrypt + audit, one transaction)")]
    public Task<SecretVersion> VaultSet() => _vault.SetAsync("production", Name(), "new-value-0123456789abcdefghij", CancellationToken.None);

    [Benchmark(Description = "vault get (decrypt + audit, one transaction)")]
    public Task<RevealedSecret> VaultGet() => _vault.GetAsync("production", Name(), null, null, CancellationToken.None);

    [Benchmark(Description = "baseline: store write of a same-size row")]
    public Task<int> StoreWrite() => _store.InTransactionAsync(async (session, ct) =>
    {
        var name = Name();
        var version = await session.Secrets.ReserveVersionAsync("raw", "production", name, ct);
        await session.Secrets.AddVersionAsync(
            new SecretVersion { App = "raw", Environment = "production", Name = name, Version = version, Ciphertext = _rawValue, KeyId = "none", CreatedAt = DateTimeOffset.UtcNow, CreatedBy = "bench" },
            ct);
        return version;
    }, CancellationToken.None);

    [Benchmark(Description = "baseline: store read of the latest row")]
    public Task<SecretVersion?> StoreRead() => _store.Secrets.GetLatestAsync("shop", "production", Name(), CancellationToken.None);

    private string Name() => $"SECRET_{_random.Next(Names)}";
}
