using System.Text.Json;

namespace Capstan.Server;

/// <summary>
/// <c>.capstan/server.json</c>: where the running server of a project listens, so that the CLI finds it without flags.
/// The token is not in it: it is in <c>.capstan/admin.token</c> (0600) or <c>CAPSTAN_TOKEN</c>.
/// </summary>
public static class ServerFile
{
    public const string FileName = "server.json";

    public sealed record Contents(string Url, int Pid);

    public static async Task WriteAsync(string capstanDirectory, string url, CancellationToken cancellationToken)
    {
        var path = Path.Combine(capstanDirectory, FileName);
        var temporary = path + ".tmp";
        await File.WriteAllTextAsync(temporary, JsonSerializer.Serialize(new Contents(url, Environment.ProcessId)), cancellationToken).ConfigureAwait(false);
        File.Move(temporary, path, overwrite: true);
    }

    public static Contents? Read(string capstanDirectory)
    {
        var path = Path.Combine(capstanDirectory, FileName);
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<Contents>(File.ReadAllText(path)) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Removes the file if it still names this server (another may have started since).</summary>
    public static void Remove(string capstanDirectory, string url)
    {
        if (Read(capstanDirectory) is { } contents && contents.Url == url && contents.Pid == Environment.ProcessId)
        {
            File.Delete(Path.Combine(capstanDirectory, FileName));
        }
    }
}
