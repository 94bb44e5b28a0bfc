using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Capstan.Secrets.Masking;

/// <summary>
/// The strings searched for, for one secret value: each line of it (trimmed) and the forms the whole value takes
/// when a program encodes it (base64 in both alphabets and at every byte alignment, URL and JSON escaping).
/// </summary>
/// <remarks>
/// Every form is at least <see cref="SecretMasker.MinimumLength"/> characters long, so masked text is never longer
/// than the text it came from, and none contains a line break, so a line break always ends any match (the streaming
/// writer relies on both).
/// </remarks>
internal static class SecretForms
{
    private static readonly char[] LineBreaks = ['\r', '\n'];

    /// <summary>The value's lines, trimmed, without the blank ones. A one-line value is its own only line.</summary>
    public static string[] Lines(string value) =>
        value.Split(LineBreaks, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>True when every non-blank line of the value is long enough to be masked.</summary>
    public static bool WillBeMasked(string value)
    {
        var lines = Lines(value);
        return lines.Length > 0 && lines.All(line => line.Length >= SecretMasker.MinimumLength);
    }

    public static void AddTo(ISet<string> forms, string value)
    {
        foreach (var line in Lines(value))
        {
            Add(forms, line);
        }

        var trimmed = value.Trim();
        if (trimmed.Length < SecretMasker.MinimumLength)
        {
            return;
        }

        // A value read from a file usually ends with a line break that the program using it may or may not keep.
        AddEncodings(forms, value);
        if (trimmed.Length != value.Length)
        {
            AddEncodings(forms, trimmed);
        }
    }

    private static void AddEncodings(ISet<string> forms, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        var standard = Convert.ToBase64String(bytes);
        var unpadded = standard.TrimEnd('=');
        Add(forms, standard);
        Add(forms, unpadded);
        Add(forms, ToUrlSafe(unpadded));
        for (var offset = 0; offset < 3; offset++)
        {
            var core = AlignedBase64(bytes, offset);
            Add(forms, core);
            Add(forms, ToUrlSafe(core));
        }

        Add(forms, Uri.EscapeDataString(value));
        Add(forms, WebUtility.UrlEncode(value));
        if (IsValidUtf16(value))
        {
            // Both what System.Text.Json writes by default (non-ASCII, + < > & ' escaped) and the relaxed encoder.
            Add(forms, JsonEncodedText.Encode(value).Value);
            Add(forms, JsonEncodedText.Encode(value, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).Value);
        }
    }

    /// <summary>
    /// The base64 characters that depend on the value's bytes alone when the value starts <paramref name="offset"/>
    /// bytes into a 3-byte group of a longer encoded text (<c>user:token</c> in a Basic header, a token inside an
    /// encoded JSON document). The characters at either end that mix in neighbouring bytes are left out.
    /// </summary>
    internal static string AlignedBase64(byte[] bytes, int offset)
    {
        var shifted = new byte[offset + bytes.Length];
        bytes.CopyTo(shifted, offset);
        var encoded = Convert.ToBase64String(shifted);

        // Character i carries bits [6i, 6i + 6); the value's bits are [8 * offset, 8 * (offset + length)).
        var first = ((8 * offset) + 5) / 6;
        var end = 8 * (offset + bytes.Length) / 6;
        return encoded[first..end];
    }

    private static string ToUrlSafe(string base64) => base64.Replace('+', '-').Replace('/', '_');

    private static void Add(ISet<string> forms, string form)
    {
        if (form.Length >= SecretMasker.MinimumLength && form.AsSpan().IndexOfAny(LineBreaks) < 0)
        {
            forms.Add(form);
        }
    }

    // System.Text.Json refuses to encode a lone surrogate; such a value still has its other forms.
    private static bool IsValidUtf16(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                return false;
            }
        }

        return true;
    }
}
