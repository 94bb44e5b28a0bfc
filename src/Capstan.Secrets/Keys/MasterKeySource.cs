using Capstan.State;

namespace Capstan.Secrets.Keys;

/// <summary>
/// Where the master key comes from: <c>CAPSTAN_MASTER_KEY</c> (base64) when set, otherwise <c>.capstan/master.key</c>,
/// created on first use with mode 0600. A key file that others can read is refused, as ssh refuses such a private key.
/// While a re-key is finished, <c>master.key.next</c> holds the new key; it is loaded too, so that either state decrypts.
/// </summary>
public static class MasterKeySource
{
    public const string EnvironmentVariable = "CAPSTAN_MASTER_KEY";
    public const string FileName = "master.key";
    public const string NextFileName = "master.key.next";

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const string Header =
        "# Capstan master key: it decrypts every secret in this state store. Back it up apart from the store,\n" +
        "# never commit it, and keep this file readable by its owner only (chmod 600).\n";

    /// <summary>
    /// Loads the key ring. With <paramref name="create"/>, a missing key file is created (a new key); without it, a missing
    /// key is an error that says how to provide one.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA2000:Dispose objects before losing scope", Justification = "The keys are handed to the returned KeyRing, which disposes them.")]
    public static KeyRing Load(string capstanDirectory, Func<string, string?> environment, bool create)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var file = Path.Combine(capstanDirectory, FileName);
        var next = Path.Combine(capstanDirectory, NextFileName);
        var others = File.Exists(next) ? [ReadFile(next)] : Array.Empty<MasterKey>();

        if (environment(EnvironmentVariable) is { Length: > 0 } fromEnvironment)
        {
            return new KeyRing(MasterKey.FromBase64(fromEnvironment, EnvironmentVariable), EnvironmentVariable, others);
        }

        if (File.Exists(file))
        {
            return new KeyRing(ReadFile(file), Display(file), others);
        }

        if (!create)
        {
            throw new SecretsException(
                $"no master key: set {EnvironmentVariable} (a base64 256-bit key) or restore {Display(file)}; " +
                "it is created with the first secret stored");
        }

        // Creators take turns (an flock on master.key.lock, released by the kernel if a process dies): a rename cannot
        // be trusted to refuse an existing target on every file system (.NET falls back to a checked rename where hard
        // links are not supported), and two creators must never end with two keys.
        // The lock file is removed by each holder once the key exists; a creator that still holds the removed file's
        // lock, or one that makes a new lock file after that, finds the key and only reads it.
        var lockPath = Path.Combine(capstanDirectory, FileName + ".lock");
        using (AcquireCreationLock(lockPath))
        {
            try
            {
                if (File.Exists(file))
                {
                    return new KeyRing(ReadFile(file), Display(file), others); // another process or thread created it first
                }

                var key = MasterKey.Generate();
                if (!TryCreateFile(file, key))
                {
                    key.Dispose();
                    key = ReadFile(file);
                }

                return new KeyRing(key, Display(file), others);
            }
            finally
            {
                if (File.Exists(file))
                {
                    File.Delete(lockPath);
                }
            }
        }
    }

    private static FileStream AcquireCreationLock(string path)
    {
        CapstanDirectory.Ensure(Path.GetDirectoryName(path)!);
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }

        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(path, options);
            }
            catch (IOException) when (waited.Elapsed < TimeSpan.FromSeconds(10))
            {
                Thread.Sleep(10); // another creator holds it for the few milliseconds a key file takes
            }
        }
    }

    /// <summary>Writes a new key file that must not exist yet, with mode 0600 from the start; false when it already exists.</summary>
    public static bool TryCreateFile(string path, MasterKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        CapstanDirectory.Ensure(Path.GetDirectoryName(path)!);
        // Unique per attempt, not per process: two threads of one process (the server starting its parts) may race too.
        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = OwnerOnly;
            }

            using (var stream = new FileStream(temporary, options))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(Header);
                writer.WriteLine(key.ToBase64());
            }

            // Without overwrite, .NET renames with link + unlink, which fails when the target exists.
            File.Move(temporary, path, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Replaces the key file with the finished re-key's <c>master.key.next</c>, in one rename.</summary>
    public static void PromoteNext(string capstanDirectory) =>
        File.Move(Path.Combine(capstanDirectory, NextFileName), Path.Combine(capstanDirectory, FileName), overwrite: true);

    /// <exception cref="SecretsException">The file is readable by others, unreadable, or does not hold a key.</exception>
    public static MasterKey ReadFile(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            var open = mode & ~OwnerOnly & ~UnixFileMode.UserExecute;
            if (open != 0)
            {
                throw new SecretsException(
                    $"{Display(path)} is readable by others (mode {ModeText(mode)}); a master key must be private: run chmod 600 {Display(path)}");
            }
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SecretsException($"cannot read {Display(path)}: {ex.Message}", ex);
        }

        var line = text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith('#')) ?? "";
        return MasterKey.FromBase64(line, Display(path));
    }

    private static string ModeText(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(4, '0');

    /// <summary>A path as messages show it: relative to the current folder when inside it.</summary>
    private static string Display(string path)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative;
    }
}
