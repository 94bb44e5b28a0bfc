using System.Security.Cryptography;
using System.Text;

namespace Capstan.Secrets.Keys;

/// <summary>
/// The 256-bit key at the top of the hierarchy. It is never used directly: HKDF derives one sub-key to wrap data keys
/// and one to name the key (<see cref="Id"/>), so that the id reveals nothing usable about the key.
/// </summary>
public sealed class MasterKey : IDisposable
{
    public const int Size = 32;

    private static readonly byte[] WrapInfo = Encoding.ASCII.GetBytes("capstan/wrap-data-keys/v1");
    private static readonly byte[] IdInfo = Encoding.ASCII.GetBytes("capstan/master-key-id/v1");

    private readonly byte[] _key;
    private readonly byte[] _wrappingKey;

    private MasterKey(byte[] key)
    {
        _key = key;
        _wrappingKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, key, Size, salt: null, info: WrapInfo);
        var idKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, key, Size, salt: null, info: IdInfo);
        Id = "mk_" + Convert.ToHexStringLower(SHA256.HashData(idKey))[..16];
        CryptographicOperations.ZeroMemory(idKey);
    }

    /// <summary>A name for the key, safe to print and to store beside what it encrypted: <c>mk_3f9a…</c>.</summary>
    public string Id { get; }

    /// <summary>The key that wraps data keys (AES-256-GCM).</summary>
    internal ReadOnlySpan<byte> WrappingKey => _wrappingKey;

    public static MasterKey Generate() => new(RandomNumberGenerator.GetBytes(Size));

    /// <exception cref="SecretsException">The text is not base64 of exactly 32 bytes; <paramref name="source"/> says where it came from.</exception>
    public static MasterKey FromBase64(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        var buffer = new byte[(trimmed.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(trimmed, buffer, out var length))
        {
            throw new SecretsException($"{source} is not base64 text; it must hold a base64-encoded 256-bit key (44 characters)");
        }

        if (length != Size)
        {
            CryptographicOperations.ZeroMemory(buffer);
            throw new SecretsException($"{source} decodes to {length} bytes; a master key is 32 bytes (256 bits), 44 base64 characters");
        }

        return new MasterKey(buffer[..Size]);
    }

    /// <summary>The key as base64 text, to write to a key file or to hand to the operator once.</summary>
    public string ToBase64() => Convert.ToBase64String(_key);

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_key);
        CryptographicOperations.ZeroMemory(_wrappingKey);
    }

    public override string ToString() => Id;
}
