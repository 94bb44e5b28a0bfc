using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Capstan.Secrets.Masking;

/// <summary>
/// Finds the leftmost, then longest, occurrence of any of a set of strings (Wu–Manber: a window as long as the
/// shortest string slides over the text, skipping ahead by what a hash of its last three characters allows).
/// </summary>
/// <remarks>
/// Not <c>SearchValues.Create(values, StringComparison.Ordinal)</c>: with the hundreds of strings that a hundred
/// secrets and their encoded forms make, it falls back to Aho–Corasick, which measured 80–90 MB/s on the benchmark
/// log against about 1 GB/s here (docs/masking.md). Its vectorized Teddy path only holds a few dozen strings.
/// </remarks>
internal sealed class MultiPatternMatcher
{
    private const int BlockLength = 3;

    // Longer windows skip further but make the shift table larger; 64 is past the point where that pays.
    private const int MaxWindow = 64;

    private readonly int _window;
    private readonly int _hashShift;
    private readonly byte[] _shifts;
    private readonly Dictionary<int, string[]> _byLastBlock;
    private readonly Dictionary<char, string[]> _byFirstChar;

    public MultiPatternMatcher(IReadOnlyCollection<string> patterns)
    {
        if (patterns.Count == 0 || patterns.Any(p => p.Length < BlockLength))
        {
            throw new ArgumentException($"Patterns must be at least {BlockLength} characters long, and there must be one.", nameof(patterns));
        }

        Patterns = patterns;
        LongestLength = patterns.Max(p => p.Length);
        _window = Math.Min(MaxWindow, patterns.Min(p => p.Length));

        var blocks = patterns.Count * (_window - BlockLength + 1);
        var bits = Math.Clamp(BitOperations.Log2((uint)blocks * 16) + 1, 8, 16);
        _hashShift = 32 - bits;
        _shifts = new byte[1 << bits];
        Array.Fill(_shifts, (byte)Math.Min(byte.MaxValue, _window - BlockLength + 1));

        var byLastBlock = new Dictionary<int, List<string>>();
        foreach (var pattern in patterns)
        {
            // Block ending at j may sit at the end of the window once the window moves _window - 1 - j further.
            for (var j = BlockLength - 1; j < _window; j++)
            {
                var hash = Hash(pattern[j - 2], pattern[j - 1], pattern[j]);
                _shifts[hash] = (byte)Math.Min(_shifts[hash], _window - 1 - j);
            }

            var last = Hash(pattern[_window - 3], pattern[_window - 2], pattern[_window - 1]);
            if (!byLastBlock.TryGetValue(last, out var list))
            {
                byLastBlock[last] = list = [];
            }

            list.Add(pattern);
        }

        _byLastBlock = byLastBlock.ToDictionary(e => e.Key, e => LongestFirst(e.Value));
        _byFirstChar = patterns.GroupBy(p => p[0]).ToDictionary(g => g.Key, g => LongestFirst(g));
    }

    public IReadOnlyCollection<string> Patterns { get; }

    public int LongestLength { get; }

    /// <summary>
    /// The leftmost occurrence of a pattern starting at or after <paramref name="from"/>, the longest one there.
    /// </summary>
    public bool TryFind(ReadOnlySpan<char> text, int from, out int start, out int length)
    {
        var shifts = _shifts;
        var hashShift = _hashShift;
        var position = from + _window - 1;

        // The loop keeps 2 <= position < text.Length, so the reads need no bounds checks.
        ref var first = ref MemoryMarshal.GetReference(text);
        while (position < text.Length)
        {
            var hash = Hash(Unsafe.Add(ref first, position - 2), Unsafe.Add(ref first, position - 1), Unsafe.Add(ref first, position), hashShift);
            int shift = shifts[hash];
            if (shift != 0)
            {
                position += shift;
                continue;
            }

            var candidate = position - _window + 1;
            if (_byLastBlock.TryGetValue(hash, out var patterns))
            {
                var rest = text[candidate..];
                foreach (var pattern in patterns)
                {
                    if (rest.StartsWith(pattern.AsSpan()))
                    {
                        start = candidate;
                        length = pattern.Length;
                        return true;
                    }
                }
            }

            position++;
        }

        start = -1;
        length = 0;
        return false;
    }

    /// <summary>
    /// The length of the longest end of <paramref name="text"/> that is the beginning of a pattern (shorter than
    /// it): what more text could still turn into a match.
    /// </summary>
    public int PartialMatchLength(ReadOnlySpan<char> text)
    {
        for (var length = Math.Min(text.Length, LongestLength - 1); length > 0; length--)
        {
            var end = text[^length..];
            if (_byFirstChar.TryGetValue(end[0], out var patterns))
            {
                foreach (var pattern in patterns)
                {
                    if (pattern.Length > length && pattern.AsSpan().StartsWith(end))
                    {
                        return length;
                    }
                }
            }
        }

        return 0;
    }

    private static string[] LongestFirst(IEnumerable<string> patterns) =>
        [.. patterns.OrderByDescending(p => p.Length).ThenBy(p => p, StringComparer.Ordinal)];

    private int Hash(char a, char b, char c) => Hash(a, b, c, _hashShift);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Hash(char a, char b, char c, int hashShift) =>
        (int)(((a * 0x9E3779B1u) ^ (b * 0x85EBCA77u) ^ (c * 0xC2B2AE3Du)) >> hashShift);
}
