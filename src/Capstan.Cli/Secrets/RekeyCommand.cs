using System.Globalization;
using Capstan.Cli.Output;
using Capstan.Secrets;
using Capstan.Secrets.Keys;

namespace Capstan.Cli.Secrets;

/// <summary>
/// <c>capstan secret rekey</c>: a new master key for the whole store. With a key file, the new key goes to
/// <c>master.key.next</c> first, the database is re-wrapped in one transaction, then the new key replaces the old file;
/// see <see cref="KeyFiles"/> for how an interruption is finished. With <c>CAPSTAN_MASTER_KEY</c>, the new key is read
/// from stdin and the operator sets the variable afterwards.
/// </summary>
internal static class RekeyCommand
{
    public static async Task<int> RunAsync(CliConsole console, SecretsSession session, bool newKeyFromStdin, CancellationToken cancellationToken)
    {
        var keys = session.Keys!;
        var fromEnvironment = keys.Source == MasterKeySource.EnvironmentVariable;
        if (fromEnvironment && !newKeyFromStdin)
        {
            throw new CommandException(
                "the master key comes from CAPSTAN_MASTER_KEY, which Capstan cannot change: generate a new key " +
                "(head -c 32 /dev/urandom | base64), pipe it to 'capstan secret rekey --new-key-stdin', then set CAPSTAN_MASTER_KEY to it",
                ExitCodes.Usage);
        }

        using var newKey = newKeyFromStdin
            ? Load(() => MasterKey.FromBase64(console.Input.ReadToEnd(), "the new key on stdin"))
            : MasterKey.Generate();
        if (newKey.Id == keys.Current.Id)
        {
            throw new CommandException("the new key is the current key; nothing to do", ExitCodes.Usage);
        }

        if (fromEnvironment)
        {
            var result = await SecretCommands.Run(() => session.Vault.RekeyAsync(newKey, cancellationToken)).ConfigureAwait(false);
            Report(console, result.VersionsRewrapped, result.FromKeyId, result.ToKeyId);
            console.Output.WriteLine("now set CAPSTAN_MASTER_KEY to the new key: processes that still use the old one can no longer read the secrets");
            return ExitCodes.Success;
        }

        var directory = session.CapstanDirectory;
        using var held = KeyFiles.TryLock(directory)
            ?? throw new CommandException("another re-key is running on this store; wait for it to finish", ExitCodes.Failure);
        var next = Path.Combine(directory, MasterKeySource.NextFileName);
        File.Delete(next);
        if (!MasterKeySource.TryCreateFile(next, newKey))
        {
            throw new CommandException($"cannot write {console.DisplayPath(next)}", ExitCodes.Failure);
        }

        try
        {
            var result = await SecretCommands.Run(() => session.Vault.RekeyAsync(newKey, cancellationToken)).ConfigureAwait(false);
            MasterKeySource.PromoteNext(directory);
            Report(console, result.VersionsRewrapped, result.FromKeyId, result.ToKeyId);
            console.Output.WriteLine($"{console.DisplayPath(Path.Combine(directory, MasterKeySource.FileName))} now holds the new key: back it up, and destroy copies of the old one");
            return ExitCodes.Success;
        }
        catch
        {
            File.Delete(next); // the transaction rolled back: the store still uses the current key
            throw;
        }
    }

    private static MasterKey Load(Func<MasterKey> read)
    {
        try
        {
            return read();
        }
        catch (SecretsException ex)
        {
            throw new CommandException(ex.Message, ExitCodes.Usage);
        }
    }

    private static void Report(CliConsole console, int versions, string from, string to) =>
        console.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"re-keyed {versions} secret version{(versions == 1 ? "" : "s")} from {from} to {to}; no value changed"));
}
