using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Capstan.Secrets.Masking;

/// <summary>
/// Replaces every known secret value in user-facing output with <see cref="Replacement"/>: pipeline and deployment
/// logs, CLI errors, <c>--json</c> output. Built once per run from the values in play; immutable and thread-safe.
/// </summary>
/// <remarks>
/// <para>What is masked, for each value of at least <see cref="MinimumLength"/> characters: the value itself; each
/// line of a multi-line value (a PEM key, a certificate) on its own, trimmed, when that line is long enough; and the
/// whole value as programs encode it: base64 (standard, padded or not, and URL-safe without padding, standalone and
/// at each of the three byte alignments inside a longer encoded text), URL-encoded (<see cref="Uri.EscapeDataString(string)"/>
/// and form encoding) and JSON-escaped.</para>
/// <para>Where occurrences overlap, the leftmost wins, and at one position the longest; the search goes on after the
/// replaced text. docs/masking.md has the rules, the limits and the measurements.</para>
/// </remarks>
public sealed class SecretMasker
{
    /// <summary>
    /// Values shorter than this are not masked: one- to five-character values (<c>1</c>, <c>true</c>, <c>admin</c>,
    /// a port, a year) occur in logs by chance, so masking them would wreck the logs, and the pattern of masks would
    /// give the value away anyway. The <c>set</c> command warns about such values (<see cref="WillBeMasked"/>).
    /// </summary>
    public const int MinimumLength = 6;

    /// <summary>What a secret is replaced with. Shorter than <see cref="MinimumLength"/>: masking never lengthens text.</summary>
    public const string Replacement = "***";

    private const int PooledLength = 64 * 1024;

    private readonly MultiPatternMatcher? _matcher;

    private SecretMasker(MultiPatternMatcher? matcher) => _matcher = matcher;

    /// <summary>A masker that knows no secret and passes text through unchanged.</summary>
    public static SecretMasker Empty { get; } = new(null);

    /// <summary>True when no value is masked (none given, or all shorter than <see cref="MinimumLength"/>).</summary>
    public bool IsEmpty => _matcher is null;

    /// <summary>Every string searched for (values, their lines and encoded forms); for tests.</summary>
    internal IReadOnlyCollection<string> Patterns => _matcher?.Patterns ?? [];

    /// <summary>The longest string searched for: how much of a line the streaming writer keeps back.</summary>
    internal int LongestPatternLength => _matcher?.LongestLength ?? 0;

    internal MultiPatternMatcher? Matcher => _matcher;

    /// <summary>Builds a masker for these values. Build it once per run: building costs far more than masking a line.</summary>
    public static SecretMasker Create(IEnumerable<string> secretValues)
    {
        ArgumentNullException.ThrowIfNull(secretValues);
        var forms = new HashSet<string>(StringComparer.Ordinal);
        foreach (var value in secretValues)
        {
            if (value is null)
            {
                throw new ArgumentException("A secret value is null.", nameof(secretValues));
            }

            SecretForms.AddTo(forms, value);
        }

        return forms.Count == 0 ? Empty : new SecretMasker(new MultiPatternMatcher(forms));
    }

    /// <summary>
    /// False when output will show some of this value: it is shorter than <see cref="MinimumLength"/> (blank
    /// around it ignored), or it has several lines and one of them is. The <c>set</c> command warns then.
    /// </summary>
    public static bool WillBeMasked(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return SecretForms.WillBeMasked(value);
    }

    /// <summary>The text with every secret replaced; the same instance when it contains none.</summary>
    public string Mask(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (_matcher is null || !_matcher.TryFind(text, 0, out var first, out _))
        {
            return text;
        }

        // Masking never lengthens text, so the input's length is enough room. A huge text gets its own buffer
        // rather than leaving one that size in the shared pool.
        var rented = text.Length <= PooledLength ? ArrayPool<char>.Shared.Rent(text.Length) : null;
        var buffer = rented ?? new char[text.Length];
        try
        {
            text.CopyTo(0, buffer, 0, first);
            var written = first + MaskPrefix(text.AsSpan(first), text.Length - first, buffer.AsSpan(first), out _);
            return new string(buffer, 0, written);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Writes the text, secrets replaced, to <paramref name="output"/> without allocating.</summary>
    public void Mask(ReadOnlySpan<char> text, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var read = 0;
        while (_matcher is not null && _matcher.TryFind(text, read, out var start, out var length))
        {
            output.Write(text[read..start]);
            output.Write(Replacement);
            read = start + length;
        }

        output.Write(text[read..]);
    }

    /// <summary>Writes the text, secrets replaced, to <paramref name="output"/> without allocating.</summary>
    public void Mask(ReadOnlySpan<char> text, IBufferWriter<char> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var read = 0;
        while (_matcher is not null && _matcher.TryFind(text, read, out var start, out var length))
        {
            output.Write(text[read..start]);
            output.Write(Replacement);
            read = start + length;
        }

        output.Write(text[read..]);
    }

    /// <summary>
    /// A writer that masks what passes through it on its way to <paramref name="inner"/>. It holds back the
    /// current line until its end, so a secret split across writes is still masked; a line longer than 64 Ki
    /// characters goes out in pieces, keeping back as much as the longest secret form could still need.
    /// <see cref="TextWriter.Flush()"/> writes out all but an unfinished secret at the very end;
    /// disposing writes out everything. Not thread-safe, like other writers.
    /// </summary>
    /// <param name="inner">Where masked text goes.</param>
    /// <param name="leaveOpen">True to leave <paramref name="inner"/> open when the writer is disposed.</param>
    public TextWriter Wrap(TextWriter inner, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(inner);
        return new MaskingTextWriter(this, inner, leaveOpen, MaskingTextWriter.DefaultLineBufferLength);
    }

    /// <summary>
    /// Masks the beginning of <paramref name="text"/> into <paramref name="destination"/>, which may be the same
    /// memory (masking never writes ahead of where it reads). Only occurrences that start before
    /// <paramref name="limit"/> are decided: the text is consumed up to <paramref name="limit"/>, or to the end of
    /// the last occurrence replaced when that is further.
    /// </summary>
    /// <returns>The number of characters written.</returns>
    internal int MaskPrefix(ReadOnlySpan<char> text, int limit, Span<char> destination, out int consumed)
    {
        int read = 0, written = 0;
        while (_matcher is not null && _matcher.TryFind(text, read, out var start, out var length) && start < limit)
        {
            text[read..start].CopyTo(destination[written..]);
            written += start - read;
            Replacement.CopyTo(destination[written..]);
            written += Replacement.Length;
            read = start + length;
        }

        consumed = Math.Max(read, limit);

        // In place and nothing replaced yet (most lines): the text is already where it belongs.
        var rest = text[read..consumed];
        if (written != read || !Unsafe.AreSame(ref MemoryMarshal.GetReference(text), ref MemoryMarshal.GetReference(destination)))
        {
            rest.CopyTo(destination[written..]);
        }

        return written + rest.Length;
    }
}
