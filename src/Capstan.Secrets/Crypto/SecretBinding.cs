using System.Globalization;
using System.Text;

namespace Capstan.Secrets.Crypto;

/// <summary>
/// What a ciphertext belongs to: app, environment, name and version. It is the associated data of both encryptions,
/// so a ciphertext copied to another secret, environment or version fails to decrypt.
/// </summary>
public sealed record SecretBinding(string App, string Environment, string Name, int Version)
{
    /// <summary>Length-prefixed fields, so that no two bindings share bytes ("a|bc" against "ab|c").</summary>
    internal byte[] AssociatedData(string purpose, string? keyId = null)
    {
        var builder = new StringBuilder(purpose);
        foreach (var field in new[] { App, Environment, Name, Version.ToString(CultureInfo.InvariantCulture), keyId ?? "" })
        {
            builder.Append('\n').Append(field.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(field);
        }

        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    public override string ToString() => $"{Name} (version {Version}) in {Environment}";
}
