namespace Capstan.Secrets.Keys;

/// <summary>
/// The master keys a process holds: the current one, which encrypts everything new, and any other it may need to
/// decrypt with (the next key while a re-key is being finished). Keys are found by id, the id each ciphertext records.
/// </summary>
public sealed class KeyRing : IDisposable
{
    private readonly List<MasterKey> _keys;

    public KeyRing(MasterKey current, string source, params IEnumerable<MasterKey> others)
    {
        ArgumentNullException.ThrowIfNull(current);
        Current = current;
        Source = source;
        _keys = [current, .. others.Where(k => k.Id != current.Id)];
    }

    /// <summary>The key that encrypts.</summary>
    public MasterKey Current { get; }

    /// <summary>Where the current key came from, for messages: <c>CAPSTAN_MASTER_KEY</c> or <c>.capstan/master.key</c>.</summary>
    public string Source { get; }

    public IReadOnlyList<MasterKey> All => _keys;

    public MasterKey? Find(string keyId) => _keys.Find(k => k.Id == keyId);

    /// <summary>The key with <paramref name="keyId"/>, or an error that names the key expected and the key given.</summary>
    public MasterKey Require(string keyId, string what) =>
        Find(keyId) ?? throw new SecretsException(
            $"{what} is encrypted with master key {keyId}, but the key loaded from {Source} is {Current.Id}; " +
            "use the master key this state store was created with (CAPSTAN_MASTER_KEY or .capstan/master.key). Nothing was changed.");

    public void Dispose()
    {
        foreach (var key in _keys)
        {
            key.Dispose();
        }
    }
}
