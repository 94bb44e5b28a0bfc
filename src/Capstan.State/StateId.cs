using System.Security.Cryptography;

namespace Capstan.State;

/// <summary>
/// Makes record ids: a short lowercase prefix naming the kind, an underscore, then 26 characters of
/// lowercase Crockford base32 holding a 48-bit Unix-millisecond time and 80 random bits (a ULID).
/// Example: <c>run_01jdx3k8q5e6v7w8x9y0z1a2b3</c>. Ids of one kind sort by creation time
/// (to the millisecond; ids made in the same millisecond sort randomly).
/// </summary>
public static class StateId
{
    private const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    /// <summary>Makes a new id with <paramref name="prefix"/> (lowercase letters and digits, starting with a letter).</summary>
    public static string New(string prefix, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        if (!IsValidPrefix(prefix))
        {
            throw new ArgumentException(
                $"Id prefix '{prefix}' is not valid: use 1 to 20 lowercase letters and digits, starting with a letter.",
                nameof(prefix));
        }

        var milliseconds = (timeProvider ?? TimeProvider.System).GetUtcNow().ToUnixTimeMilliseconds();
        if (milliseconds < 0 || milliseconds >= 1L << 48)
        {
            throw new ArgumentOutOfRangeException(nameof(timeProvider), "The clock is outside the range an id can hold.");
        }

        Span<byte> random = stackalloc byte[10];
        RandomNumberGenerator.Fill(random);
        UInt128 value = (ulong)milliseconds;
        foreach (var b in random)
        {
            value = (value << 8) | b;
        }

        Span<char> text = stackalloc char[prefix.Length + 1 + 26];
        prefix.AsSpan().CopyTo(text);
        text[prefix.Length] = '_';
        for (var i = text.Length - 1; i > prefix.Length; i--)
        {
            text[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }

        return new string(text);
    }

    private static bool IsValidPrefix(string prefix) =>
        prefix.Length <= 20
        && char.IsAsciiLetterLower(prefix[0])
        && prefix.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c));
}
