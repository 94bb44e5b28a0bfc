using System.Globalization;

namespace Capstan.Cli;

/// <summary>Where the full trace of an unexpected error goes, so that the terminal shows one line, not a stack.</summary>
internal static class CrashLog
{
    /// <summary>
    /// Writes the exception, passed through <paramref name="mask"/> (secret values never reach a log), and returns the
    /// file's path, or null when no file could be written.
    /// </summary>
    public static string? Write(Exception exception, IReadOnlyList<string> args, Func<string, string> mask, Func<string, string?> environment)
    {
        foreach (var folder in Folders(environment))
        {
            try
            {
                Directory.CreateDirectory(folder);
                var file = Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"crash-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}.log"));
                File.WriteAllText(file, mask(string.Create(CultureInfo.InvariantCulture,
                    $"capstan {typeof(CrashLog).Assembly.GetName().Version} at {DateTime.UtcNow:O}\ncommand: capstan {args.FirstOrDefault()}\n\n{exception}\n")));
                return file;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // try the next folder
            }
        }

        return null;
    }

    private static IEnumerable<string> Folders(Func<string, string?> environment)
    {
        var state = environment("XDG_STATE_HOME");
        if (!string.IsNullOrEmpty(state))
        {
            yield return Path.Combine(state, "capstan", "logs");
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (!string.IsNullOrEmpty(home))
        {
            yield return Path.Combine(home, ".local", "state", "capstan", "logs");
        }

        yield return Path.Combine(Path.GetTempPath(), "capstan-logs");
    }
}
