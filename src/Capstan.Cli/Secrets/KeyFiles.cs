using Capstan.Cli.Output;
using Capstan.Secrets.Keys;
using Capstan.Secrets.Vault;

namespace Capstan.Cli.Secrets;

/// <summary>
/// The key files around a re-key. The new key is written to <c>master.key.next</c> before the database transaction, and
/// renamed over <c>master.key</c> after it commits; <c>rekey.lock</c> is held meanwhile. A crash between the commit and
/// the rename leaves both files: the next command finds the store under the next key and finishes the rename. A crash
/// before the commit leaves the store under the current key: the next command removes the unused next key.
/// </summary>
internal static class KeyFiles
{
    public const string LockFileName = "rekey.lock";

    /// <summary>Holds the re-key lock (an exclusive file lock) until disposed; null when another process holds it.</summary>
    public static FileStream? TryLock(string capstanDirectory)
    {
        try
        {
            return new FileStream(Path.Combine(capstanDirectory, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    public static async Task<KeyRing> ReconcileAsync(string capstanDirectory, KeyRing ring, SecretVault vault, CliConsole console, CancellationToken cancellationToken)
    {
        var next = Path.Combine(capstanDirectory, MasterKeySource.NextFileName);
        if (ring.Source == MasterKeySource.EnvironmentVariable || !File.Exists(next))
        {
            return ring;
        }

        using var held = TryLock(capstanDirectory);
        if (held is null)
        {
            return ring; // a re-key is running in another process: leave its files alone
        }

        var storeKeyId = await vault.StoreKeyIdAsync(cancellationToken).ConfigureAwait(false);
        using var nextKey = MasterKeySource.ReadFile(next);
        if (storeKeyId == nextKey.Id)
        {
            MasterKeySource.PromoteNext(capstanDirectory);
            console.Error.WriteLine($"finished an interrupted re-key: {MasterKeySource.FileName} now holds {nextKey.Id}");
            ring.Dispose();
            return MasterKeySource.Load(capstanDirectory, console.Environment, create: false);
        }

        if (storeKeyId is null || storeKeyId == ring.Current.Id)
        {
            File.Delete(next); // left by a re-key that rolled back: the store never used it
        }

        return ring;
    }
}
