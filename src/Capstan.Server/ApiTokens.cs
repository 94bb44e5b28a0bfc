using System.Security.Cryptography;
using System.Text;
using Capstan.State;

namespace Capstan.Server;

/// <summary>
/// Bearer tokens of the API: <c>cap_</c> and 43 characters of random base64url (256 bits). Only their SHA-256 is stored;
/// the token itself is shown once, when made, and the first admin token is written to <c>.capstan/admin.token</c> (0600).
/// </summary>
public static class ApiTokens
{
    public const string Prefix = "cap_";
    public const string AdminFileName = "admin.token";

    public static string New() => Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>
    /// The admin token of this project: read from <c>.capstan/admin.token</c> and registered if the store does not know it
    /// (a new state store), or made and written there on the first start.
    /// </summary>
    public static async Task<string> EnsureAdminAsync(IStateStore store, string capstanDirectory, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var path = Path.Combine(capstanDirectory, AdminFileName);
        var token = File.Exists(path) ? (await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)).Trim() : null;
        if (token is { Length: > 0 } && await store.Tokens.FindByHashAsync(Hash(token), cancellationToken).ConfigureAwait(false) is not null)
        {
            return token;
        }

        token = token is { Length: > 0 } && token.StartsWith(Prefix, StringComparison.Ordinal) ? token : New();
        await store.Tokens.RevokeAsync("admin", clock.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        await store.Tokens.CreateAsync(
            new ApiToken
            {
                Id = StateId.New("tok", clock),
                Name = "admin",
                Hash = Hash(token),
                Role = ApiTokenRole.Admin,
                CreatedAt = clock.GetUtcNow(),
                CreatedBy = "capstan server (first start)",
            },
            cancellationToken).ConfigureAwait(false);
        WriteOwnerOnly(path, token + "\n");
        return token;
    }

    private static void WriteOwnerOnly(string path, string text)
    {
        var temporary = path + ".tmp";
        File.Delete(temporary);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        {
            stream.Write(Encoding.UTF8.GetBytes(text));
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
