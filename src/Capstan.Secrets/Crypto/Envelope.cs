using System.Security.Cryptography;
using System.Text;
using Capstan.Secrets.Keys;

namespace Capstan.Secrets.Crypto;

/// <summary>
/// Envelope encryption: each secret version gets a fresh 256-bit data key that encrypts its value with AES-256-GCM; the
/// data key is itself encrypted ("wrapped") with AES-256-GCM under the master key's wrapping key. Both bind the
/// <see cref="SecretBinding"/> as associated data; the wrap also binds the master key's id.
/// </summary>
/// <remarks>
/// Layout (format 1): <c>[1] format | [12] wrap nonce | [16] wrap tag | [32] wrapped data key | [12] value nonce |
/// [16] value tag | [n] encrypted UTF-8 value</c>. The master key's id is stored beside the ciphertext by the store.
/// </remarks>
public static class Envelope
{
    private const byte Format = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const int KeySize = 32;
    private const int WrapOffset = 1;
    private const int ValueOffset = WrapOffset + NonceSize + TagSize + KeySize;
    private const int HeaderSize = ValueOffset + NonceSize + TagSize;
    private const string ValuePurpose = "capstan/secret-value/v1";
    private const string WrapPurpose = "capstan/data-key/v1";

    public static byte[] Seal(string value, SecretBinding binding, MasterKey key)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(binding);
        ArgumentNullException.ThrowIfNull(key);
        var plaintext = Encoding.UTF8.GetBytes(value);
        var output = new byte[HeaderSize + plaintext.Length];
        output[0] = Format;
        Span<byte> dataKey = stackalloc byte[KeySize];
        RandomNumberGenerator.Fill(dataKey);
        try
        {
            var valueNonce = output.AsSpan(ValueOffset, NonceSize);
            RandomNumberGenerator.Fill(valueNonce);
            using (var gcm = new AesGcm(dataKey, TagSize))
            {
                gcm.Encrypt(valueNonce, plaintext, output.AsSpan(HeaderSize), output.AsSpan(ValueOffset + NonceSize, TagSize), binding.AssociatedData(ValuePurpose));
            }

            Wrap(dataKey, output, binding, key);
            return output;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <exception cref="SecretsException">The ciphertext is malformed, or its GCM tag does not match (altered, or moved from another secret).</exception>
    public static string Open(ReadOnlySpan<byte> ciphertext, SecretBinding binding, MasterKey key)
    {
        ArgumentNullException.ThrowIfNull(binding);
        ArgumentNullException.ThrowIfNull(key);
        CheckShape(ciphertext, binding);
        Span<byte> dataKey = stackalloc byte[KeySize];
        var plaintext = new byte[ciphertext.Length - HeaderSize];
        try
        {
            Unwrap(ciphertext, dataKey, binding, key);
            using var gcm = new AesGcm(dataKey, TagSize);
            gcm.Decrypt(ciphertext.Slice(ValueOffset, NonceSize), ciphertext[HeaderSize..], ciphertext.Slice(ValueOffset + NonceSize, TagSize), plaintext, binding.AssociatedData(ValuePurpose));
            return Encoding.UTF8.GetString(plaintext);
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw Altered(binding, ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>The same value under another master key: only the data key is re-encrypted; the value's ciphertext is kept.</summary>
    public static byte[] Rewrap(ReadOnlySpan<byte> ciphertext, SecretBinding binding, MasterKey from, MasterKey to)
    {
        ArgumentNullException.ThrowIfNull(binding);
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        CheckShape(ciphertext, binding);
        var output = ciphertext.ToArray();
        Span<byte> dataKey = stackalloc byte[KeySize];
        try
        {
            Unwrap(ciphertext, dataKey, binding, from);
            Wrap(dataKey, output, binding, to);
            return output;
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw Altered(binding, ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    private static void Wrap(ReadOnlySpan<byte> dataKey, byte[] output, SecretBinding binding, MasterKey key)
    {
        var nonce = output.AsSpan(WrapOffset, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var gcm = new AesGcm(key.WrappingKey, TagSize);
        gcm.Encrypt(nonce, dataKey, output.AsSpan(WrapOffset + NonceSize + TagSize, KeySize), output.AsSpan(WrapOffset + NonceSize, TagSize), binding.AssociatedData(WrapPurpose, key.Id));
    }

    private static void Unwrap(ReadOnlySpan<byte> ciphertext, Span<byte> dataKey, SecretBinding binding, MasterKey key)
    {
        using var gcm = new AesGcm(key.WrappingKey, TagSize);
        gcm.Decrypt(ciphertext.Slice(WrapOffset, NonceSize), ciphertext.Slice(WrapOffset + NonceSize + TagSize, KeySize), ciphertext.Slice(WrapOffset + NonceSize, TagSize), dataKey, binding.AssociatedData(WrapPurpose, key.Id));
    }

    private static void CheckShape(ReadOnlySpan<byte> ciphertext, SecretBinding binding)
    {
        if (ciphertext.Length < HeaderSize || ciphertext[0] != Format)
        {
            throw new SecretsException($"the stored ciphertext of secret {binding} is damaged: it is not in a format this Capstan reads");
        }
    }

    private static SecretsException Altered(SecretBinding binding, Exception inner) => new(
        $"the stored ciphertext of secret {binding} does not decrypt: its authentication tag does not match, so it was altered or copied from another secret; restore the state store from a backup or set the secret again",
        inner);
}
