using System.Collections.Concurrent;

namespace Capstan.Secrets.Vault;

/// <summary>
/// Every plaintext value a process has handled (set, read, rotated, imported), so that its output paths (errors, logs,
/// crash reports) can mask them. Thread-safe; values are only added.
/// </summary>
public sealed class SecretValues
{
    private readonly ConcurrentDictionary<string, byte> _values = new(StringComparer.Ordinal);
    private int _version;

    /// <summary>Grows by one each time a new value is added, so that a masker built earlier can tell it is stale.</summary>
    public int Version => Volatile.Read(ref _version);

    public IReadOnlyCollection<string> All => (IReadOnlyCollection<string>)_values.Keys;

    public void Add(string value)
    {
        if (!string.IsNullOrEmpty(value) && _values.TryAdd(value, 0))
        {
            Interlocked.Increment(ref _version);
        }
    }
}
