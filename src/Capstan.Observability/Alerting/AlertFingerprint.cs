using System.Globalization;
using System.Text;

namespace Capstan.Observability.Alerting;

/// <summary>
/// The fingerprint of a label set as Prometheus computes it (<c>model.LabelSet.Fingerprint</c>): 64-bit FNV-1a over
/// each name and value in name order, each followed by the byte 0xFF, written as 16 lowercase hex digits. An alert
/// Capstan sends therefore carries the fingerprint Alertmanager would have given it.
/// </summary>
public static class AlertFingerprint
{
    private const ulong Offset = 14695981039346656037;
    private const ulong Prime = 1099511628211;
    private const byte Separator = 0xFF;

    public static string Of(LabelSet labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var hash = Offset;
        Span<byte> buffer = stackalloc byte[256];
        foreach (var (name, value) in labels)
        {
            hash = Add(hash, name, buffer);
            hash = Add(hash, Separator);
            hash = Add(hash, value, buffer);
            hash = Add(hash, Separator);
        }

        return hash.ToString("x16", CultureInfo.InvariantCulture);
    }

    private static ulong Add(ulong hash, string text, Span<byte> buffer)
    {
        var bytes = Encoding.UTF8.GetMaxByteCount(text.Length) <= buffer.Length
            ? buffer[..Encoding.UTF8.GetBytes(text, buffer)]
            : Encoding.UTF8.GetBytes(text);
        foreach (var b in bytes)
        {
            hash = Add(hash, b);
        }

        return hash;
    }

    private static ulong Add(ulong hash, byte b) => (hash ^ b) * Prime;
}
