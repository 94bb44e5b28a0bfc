namespace Capstan.State;

/// <summary>
/// The <c>.capstan</c> folder beside a manifest: the state database, the master key, caches. It is created private
/// (mode 0700) and ignores itself for git (a <c>.gitignore</c> of <c>*</c> inside it), so that nothing in it is ever
/// committed by accident.
/// </summary>
public static class CapstanDirectory
{
    public const string Name = ".capstan";

    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>The folder beside the manifest in <paramref name="projectDirectory"/>.</summary>
    public static string For(string projectDirectory) => Path.Combine(projectDirectory, Name);

    /// <summary>Creates <paramref name="directory"/> (and its parents) when missing; a <c>.capstan</c> folder gets its <c>.gitignore</c>.</summary>
    public static void Ensure(string directory)
    {
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, Private);
            }
        }

        if (Path.GetFileName(Path.TrimEndingDirectorySeparator(directory)) == Name)
        {
            var ignore = Path.Combine(directory, ".gitignore");
            if (!File.Exists(ignore))
            {
                try
                {
                    File.WriteAllText(ignore, "# Capstan's state and keys: never commit them.\n*\n");
                }
                catch (IOException)
                {
                    // Another process wrote it first; either way it is there.
                }
            }
        }
    }
}
