using System.Security.Cryptography;

namespace Capstan.Pipelines.Artifacts;

/// <summary>The <c>sha256:</c> followed by 64 lowercase hex digits form shared by artifact digests and cache keys.</summary>
internal static class Sha256Digest
{
    public const string Prefix = "sha256:";

    public const int HexLength = 64;

    public static string Format(ReadOnlySpan<byte> hash) => Prefix + Convert.ToHexStringLower(hash);

    public static string Format(IncrementalHash hash) => Format(hash.GetHashAndReset());

    /// <summary>True for <c>sha256:</c> and exactly 64 lowercase hex digits, nothing else.</summary>
    public static bool IsValid(string? digest)
    {
        if (digest is null || digest.Length != Prefix.Length + HexLength || !digest.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in digest.AsSpan(Prefix.Length))
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The 64 hex digits of a digest already checked with <see cref="IsValid"/>.</summary>
    public static string Hex(string digest) => digest[Prefix.Length..];
}
