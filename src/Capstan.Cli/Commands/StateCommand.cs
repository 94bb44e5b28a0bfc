using System.CommandLine;
using Capstan.Cli.Output;
using Capstan.State;

namespace Capstan.Cli.Commands;

/// <summary>
/// <c>capstan state info [PATH] [--state LOCATION] [--json]</c>: opens the state store (creating and migrating it as every
/// command that uses it does) and says which engine, where, and at which schema version.
/// </summary>
internal static class StateCommand
{
    /// <summary>The option every command that uses the state store takes.</summary>
    public static Option<string?> CreateStateOption() => new("--state")
    {
        Description = $"Where Capstan keeps its state: a SQLite file path (default .capstan/state.db beside capstan.yaml) or a postgres://user:password@host:port/database URL; also ${StateLocation.EnvironmentVariable}",
        HelpName = "LOCATION",
    };

    public static Command Create(CliConsole console)
    {
        var path = CommandLine.PathArgument("PATH", "The project folder (holding capstan.yaml), beside which the default store lives");
        var state = CreateStateOption();
        var json = new Option<bool>("--json") { Description = "Print the result as JSON" };
        var info = new Command("info", "Open the state store, apply pending migrations, and show its engine, location and schema version") { path, state, json };
        info.SetAction((parse, cancellationToken) => InfoAsync(console, parse.GetValue(path) ?? ".", parse.GetValue(state), parse.GetValue(json), cancellationToken));
        return new Command("state", "Inspect the state store (SQLite by default, PostgreSQL for teams)") { info };
    }

    /// <summary>Resolves <c>--state</c>, then <c>CAPSTAN_STATE</c>, then the default file beside the project's manifest.</summary>
    public static StateLocation Resolve(CliConsole console, string? explicitLocation, string projectFolder)
    {
        try
        {
            return StateLocation.Resolve(explicitLocation, console.Environment(StateLocation.EnvironmentVariable), console.FullPath(projectFolder));
        }
        catch (StateStoreException ex)
        {
            throw new CommandException(ex.Message, ExitCodes.Usage);
        }
    }

    private static async Task<int> InfoAsync(CliConsole console, string folder, string? explicitLocation, bool json, CancellationToken cancellationToken)
    {
        var location = Resolve(console, explicitLocation, folder);
        IStateStore store;
        try
        {
            store = await StateStore.OpenAsync(location, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
        catch (StateStoreException ex)
        {
            // Its message names the store and why; it never holds a password.
            throw new CommandException(ex.Message, ExitCodes.Failure);
        }

        await using (store.ConfigureAwait(false))
        {
            if (json)
            {
                JsonOutput.Write(console.Output, writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteString("engine", store.Engine == StateEngine.Sqlite ? "sqlite" : "postgres");
                    writer.WriteString("location", store.DisplayLocation);
                    writer.WriteNumber("schemaVersion", store.SchemaVersion);
                    writer.WriteEndObject();
                });
            }
            else
            {
                console.Output.WriteLine($"state store: {store.DisplayLocation}");
                console.Output.WriteLine($"engine:      {(store.Engine == StateEngine.Sqlite ? "SQLite" : "PostgreSQL")}");
                console.Output.WriteLine($"schema:      version {store.SchemaVersion} (up to date)");
            }
        }

        return ExitCodes.Success;
    }
}
