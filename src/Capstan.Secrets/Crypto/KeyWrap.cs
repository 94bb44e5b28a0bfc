using System.Security.Cryptography;
using System.Text;
using Capstan.Secrets.Keys;

namespace Capstan.Secrets.Crypto;

/// <summary>Wraps raw key material (the audit chain key) under a master key: AES-256-GCM bound to a purpose and the key id.</summary>
internal static class KeyWrap
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public static byte[] Wrap(ReadOnlySpan<byte> material, string purpose, MasterKey key)
    {
        var output = new byte[NonceSize + TagSize + material.Length];
        RandomNumberGenerator.Fill(output.AsSpan(0, NonceSize));
        using var gcm = new AesGcm(key.WrappingKey, TagSize);
        gcm.Encrypt(output.AsSpan(0, NonceSize), material, output.AsSpan(NonceSize + TagSize), output.AsSpan(NonceSize, TagSize), AssociatedData(purpose, key));
        return output;
    }

    /// <exception cref="SecretsException">The wrapped material was altered.</exception>
    public static byte[] Unwrap(ReadOnlySpan<byte> wrapped, string purpose, MasterKey key)
    {
        if (wrapped.Length < NonceSize + TagSize)
        {
            throw new SecretsException($"the stored {purpose} key is damaged");
        }

        var material = new byte[wrapped.Length - NonceSize - TagSize];
        try
        {
            using var gcm = new AesGcm(key.WrappingKey, TagSize);
            gcm.Decrypt(wrapped[..NonceSize], wrapped[(NonceSize + TagSize)..], wrapped.Slice(NonceSize, TagSize), material, AssociatedData(purpose, key));
            return material;
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new SecretsException($"the stored {purpose} key does not decrypt with master key {key.Id}: it was altered", ex);
        }
    }

    private static byte[] AssociatedData(string purpose, MasterKey key) => Encoding.UTF8.GetBytes($"capstan/wrapped-key/v1\n{purpose}\n{key.Id}");
}
