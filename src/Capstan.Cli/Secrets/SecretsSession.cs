using Capstan.Cli.Commands;
using Capstan.Cli.Output;
using Capstan.Manifest;
using Capstan.Manifest.Model;
using Capstan.Secrets;
using Capstan.Secrets.Keys;
using Capstan.Secrets.Vault;
using Capstan.State;

namespace Capstan.Cli.Secrets;

/// <summary>
/// What a secrets command works on: the project's manifest (its app and declared secrets), the state store, the master
/// keys when the command needs them, and the vault over them. Also finishes a re-key that was interrupted after its
/// database transaction committed.
/// </summary>
internal sealed class SecretsSession : IAsyncDisposable
{
    private SecretsSession(CapstanManifest manifest, string projectDirectory, IStateStore store, KeyRing? keys, SecretVault vault)
    {
        Manifest = manifest;
        ProjectDirectory = projectDirectory;
        Store = store;
        Keys = keys;
        Vault = vault;
    }

    public CapstanManifest Manifest { get; }

    public string ProjectDirectory { get; }

    public string CapstanDirectory => State.CapstanDirectory.For(ProjectDirectory);

    public IStateStore Store { get; }

    public KeyRing? Keys { get; }

    public SecretVault Vault { get; }

    /// <param name="keys">Whether the command needs the master key, and whether it may create it (the first write).</param>
    public static async Task<SecretsSession> OpenAsync(CliConsole console, string project, string? state, KeyUse keys, CancellationToken cancellationToken)
    {
        var directory = console.FullPath(project);
        var manifest = LoadManifest(console, directory);
        var location = StateCommand.Resolve(console, state, directory);
        IStateStore store;
        try
        {
            store = await StateStore.OpenAsync(location, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
        catch (StateStoreException ex)
        {
            throw new CommandException(ex.Message, ExitCodes.Failure);
        }

        try
        {
            var ring = keys == KeyUse.None ? null : LoadKeys(console, directory, keys == KeyUse.Create);
            var actor = console.Environment("CAPSTAN_ACTOR") is { Length: > 0 } named ? named : $"{Environment.UserName}@{Environment.MachineName}";
            var vault = new SecretVault(store, ring, manifest.App, actor, TimeProvider.System, console.SecretValues);
            if (ring is not null)
            {
                ring = await KeyFiles.ReconcileAsync(State.CapstanDirectory.For(directory), ring, vault, console, cancellationToken).ConfigureAwait(false);
                vault = new SecretVault(store, ring, manifest.App, actor, TimeProvider.System, console.SecretValues);
            }

            return new SecretsSession(manifest, directory, store, ring, vault);
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The manifest, which must be valid: secrets belong to the app it names.</summary>
    public static CapstanManifest LoadManifest(CliConsole console, string directory)
    {
        var file = Path.Combine(directory, ManifestLoader.FileName);
        var result = ManifestLoader.Load(file, console.DisplayPath(file));
        if (result.Manifest is { } manifest)
        {
            return manifest;
        }

        var first = result.Errors.FirstOrDefault();
        throw new CommandException(result.Errors.Count() == 1 && first?.Code == Capstan.Manifest.Diagnostics.ErrorCodes.FileNotReadable
            ? $"{first.Message} (secrets belong to the app a capstan.yaml names; run in the project folder or pass --project)"
            : $"{console.DisplayPath(file)} has {result.Errors.Count()} error(s), the first: {first}; run 'capstan validate'");
    }

    private static KeyRing LoadKeys(CliConsole console, string directory, bool create)
    {
        try
        {
            return MasterKeySource.Load(State.CapstanDirectory.For(directory), console.Environment, create);
        }
        catch (SecretsException ex)
        {
            throw new CommandException(ex.Message);
        }
    }

    /// <summary>Warns about names and environments capstan.yaml does not declare (a typo shows here rather than at deploy).</summary>
    public void WarnIfUndeclared(CliConsole console, string environment, string? name)
    {
        if (name is not null && !Manifest.Secrets.ContainsKey(name))
        {
            console.Error.WriteLine($"warning: secret {name} is not declared in capstan.yaml (declared: {Known(Manifest.Secrets.Keys)})");
        }

        if (!Manifest.Environments.ContainsKey(environment))
        {
            console.Error.WriteLine($"warning: environment {environment} is not declared in capstan.yaml (declared: {Known(Manifest.Environments.Keys)})");
        }
    }

    private static string Known(IEnumerable<string> names) => names.Any() ? string.Join(", ", names) : "none";

    public async ValueTask DisposeAsync()
    {
        Keys?.Dispose();
        await Store.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>What a command needs of the master key.</summary>
internal enum KeyUse
{
    None,
    Existing,
    Create,
}
