using System.CommandLine;
using System.Globalization;
using Capstan.Cli.Commands;
using Capstan.Cli.Output;
using Capstan.Manifest.Values;
using Capstan.Secrets;
using Capstan.Secrets.Dotenv;

namespace Capstan.Cli.Secrets;

/// <summary><c>capstan secret set|get|list|history|rm|rotate|import|export|rekey</c>.</summary>
internal static class SecretCommands
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("secret", "Store, read, rotate and audit the app's secrets, encrypted per environment")
        {
            Set(console), Get(console), List(console), History(console), Remove(console), Rotate(console), Import(console), Export(console), Rekey(console),
        };
        command.Subcommands.Add(ScanCommand.Create(console));
        return command;
    }

    internal static Option<string> ProjectOption() => new("--project", "-p")
    {
        Description = "The project folder holding capstan.yaml (default: the current folder)",
        HelpName = "DIR",
        DefaultValueFactory = _ => ".",
    };

    internal static Option<string> EnvironmentOption() => new("--env", "-e")
    {
        Description = "The environment (staging, production, ...)",
        HelpName = "ENV",
        Required = true,
    };

    private static Argument<string> NameArgument() => new("NAME") { Description = "The secret's name, as declared under secrets: in capstan.yaml" };

    private static Command Set(CliConsole console)
    {
        var name = NameArgument();
        var positional = new Argument<string?>("VALUE") { Description = "Refused: a value here leaks into shell history (use stdin, --from-file or --value)", Arity = ArgumentArity.ZeroOrOne };
        var environment = EnvironmentOption();
        var fromFile = new Option<string?>("--from-file") { Description = "Read the value from this file, exactly (for PEM keys and other multi-line values)", HelpName = "FILE" };
        var value = new Option<string?>("--value") { Description = "The value itself (it stays in your shell history and shows in ps: prefer stdin)" };
        var (project, state) = (ProjectOption(), StateCommand.CreateStateOption());
        var command = new Command("set", "Store a new version of a secret; the value comes from standard input (or --from-file)") { name, positional, environment, fromFile, value, project, state };
        command.SetAction(async (parse, ct) =>
        {
            var (n, env) = (parse.GetValue(name)!, parse.GetValue(environment)!);
            var secret = SecretInput.Read(console, n, env, parse.GetValue(positional), parse.GetValue(fromFile), parse.GetValue(value), null);
            await using var session = await SecretsSession.OpenAsync(console, parse.GetValue(project)!, parse.GetValue(state), KeyUse.Create, ct).ConfigureAwait(false);
            session.WarnIfUndeclared(console, env, n);
            var stored = await Run(() => session.Vault.SetAsync(env, n, secret, ct)).ConfigureAwait(false);
            console.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"stored {n} in {env}: version {stored.Version}, encrypted with {stored.KeyId}"));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Get(CliConsole console)
    {
        var name = NameArgument();
        var environment = EnvironmentOption();
        var version = new Option<int?>("--version") { Description = "An older version, readable during its grace period after a rotation" };
        var (project, state) = (ProjectOption(), StateCommand.CreateStateOption());
        var command = new Command("get", "Print a secret's value (the read is audited)") { name, environment, version, project, state };
        command.SetAction(async (parse, ct) =>
        {
            var (n, env) = (parse.GetValue(name)!, parse.GetValue(environment)!);
            await using var session = await SecretsSession.OpenAsync(console, parse.GetValue(project)!, parse.GetValue(state), KeyUse.Existing, ct).ConfigureAwait(false);
            var grace = session.Manifest.Secrets.TryGetValue(n, out var declared) ? declared.Grace?.Value : null;
            var secret = await Run(() => session.Vault.GetAsync(env, n, parse.GetValue(version), grace, ct)).ConfigureAwait(false);
            console.Output.WriteLine(secret.Value);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command List(CliConsole console)
    {
        var environment = new Option<string?>("--env", "-e") { Description = "Only this environment", HelpName = "ENV" };
        var json = new Option<bool>("--json") { Description = "Print the list as JSON" };
        var (project, state) = (ProjectOption(), StateCommand.CreateStateOption());
        var command = new Command("list", "List secrets per environment: version, last change, rotation due date; never values") { environment, json, project, state };
        command.SetAction(async (parse, ct) =>
        {
            await using var session = await SecretsSession.OpenAsync(console, parse.GetValue(project)!, parse.GetValue(state), KeyUse.None, ct).ConfigureAwait(false);
            var rows = await SecretListing.BuildAsync(session, parse.GetValue(environment), ct).ConfigureAwait(false);
            SecretListing.Write(console, rows, parse.GetValue(json));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command History(CliConsole console)
    {
        var name = NameArgument();
        var environment = EnvironmentOption();
        var json = new Option<bool>("--json") { Description = "Print the history as JSON" };
        var (project, state) = (ProjectOption(), StateCommand.CreateStateOption());
        var command = new Command("history", "List every version of a secret: when, by whom, under which key; never values") { name, environment, json, project, state };
        command.SetAction(async (parse, ct) =>
        {
            var (n, env) = (parse.GetValue(name)!, parse.GetValue(environment)!);
            await using var session = await SecretsSession.OpenAsync(console, parse.GetValue(project)!, parse.GetValue(state), KeyUse.None, ct).ConfigureAwait(false);
            var versions = await session.Vault.HistoryAsync(env, n, ct).ConfigureAwait(false);
            if (versions.Count == 0)
            {
                throw new CommandException($"secret {n} has never had a value in environment {env}");
            }

            var grace = session.Manifest.Secrets.TryGetValue(n, out var declared) ? declared.Grace?.Value : null;
            SecretListing.WriteHistory(console, versions, grace ?? Capstan.Secrets.Vault.SecretVault.DefaultGrace, DateTimeOffset.UtcNow, parse.GetValue(json));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Remove(CliConsole console)
    {
        var name = NameArgument();
        var environment = EnvironmentOption();
        var (project, state) = (ProjectOption(), StateCommand.CreateStateOption());
        var command = new Command("rm", "Delete a secret from an environment (every version; the history stays)") { name, environment, project, state };
        command.SetAction(async (parse, ct) =>
        {
            var (n, env) = (parse.GetValue(name)!, parse.GetValue(environment)!);
            await using var session = await SecretsSession.OpenAsync(console, parse.GetValue(project)!, parse.GetValue(state), KeyUse.Existing, ct).ConfigureAwait(false);
            var removed = await Run(() => session.Vault.RemoveAsync(env, n, ct)).ConfigureAwait(false);
            console.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"removed {n} from {env} ({removed} version{(removed == 1 ? "" : "s")})"));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Rotate(CliConsole console)
    {
        var name = NameArgument();
        var environment = EnvironmentOption();
        var generate = new Option<bool>("--generate") { Description = "Generate a random value (letters and digits)" };
        var length = new Option<int>("--length") { Description = "Length of a generated value", DefaultValueFactory = _ => SecretInput.DefaultLength };
        var fromFile = new Option<string?>("--from-file") { Description = "Read the new value from this file", HelpName = "FILE" };
        var value = new Option<string?>("--value") { Description = "The new value itself (it stays in your shell history: prefer stdin)" };
        var (project, state) = (ProjectOption(), StateCommand.CreateStateOption());
        var command = new Command("rotate", "Replace a secret's value; its rotate_command (capstan.yaml) gets the new value on stdin, and the old version stays readable for the grace period")
        {
            name, environment, generate, length, fromFile, value, project, state,
        };
        command.SetAction(async (parse, ct) =>
        {
            var (n, env) = (parse.GetValue(name)!, parse.GetValue(environment)!);
            await using var session = await SecretsSession.OpenAsync(console, parse.GetValue(project)!, parse.GetValue(state), KeyUse.Existing, ct).ConfigureAwait(false);
            var declared = session.Manifest.Secrets.GetValueOrDefault(n);
            var command = declared?.RotateCommand;
            // With a rotation command and no value given, Capstan generates one: the command makes it effective.
            var mustGenerate = parse.GetValue(generate) || (command is not null && parse.GetValue(fromFile) is null && parse.GetValue(value) is null && console.InputIsTerminal);
            var secret = SecretInput.Read(console, n, env, null, parse.GetValue(fromFile), parse.GetValue(value), mustGenerate ? parse.GetValue(length) : null);
            Func<string, CancellationToken, Task>? apply = command is null
                ? null
                : (newValue, token) => RotationCommand.RunAsync(console, command, session.ProjectDirectory, n, env, newValue, token);
            var stored = await Run(() => session.Vault.RotateAsync(env, n, secret, apply, ct)).ConfigureAwait(false);
            var grace = declared?.Grace ?? new Duration(Capstan.Secrets.Vault.SecretVault.DefaultGrace);
            console.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"rotated {n} in {env}: version {stored.Version}; version {stored.Version - 1} stays readable for {grace}"));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Import(CliConsole console)
    {
        var file = new Argument<string>("FILE") { Description = "A .env file: NAME=value lines" };
        var environment = EnvironmentOption();
        var (project, state) = (ProjectOption(), StateCommand.CreateStateOption());
        var command = new Command("import", "Store every NAME=value of a .env file as secrets of an environment, all or nothing") { file, environment, project, state };
        command.SetAction(async (parse, ct) =>
        {
            var env = parse.GetValue(environment)!;
            var path = console.FullPath(parse.GetValue(file)!);
            string text;
            try
            {
                text = await File.ReadAllTextAsync(path, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new CommandException($"cannot read {console.DisplayPath(path)}: {ex.Message}");
            }

            var (values, errors) = DotenvFile.Parse(text);
            if (errors.Count > 0)
            {
                foreach (var error in errors)
                {
                    console.Error.WriteLine($"{console.DisplayPath(path)}:{error}");
                }

                throw new CommandException($"{console.DisplayPath(path)} has {errors.Count} line(s) Capstan cannot read; nothing was imported");
            }

            var empty = values.Where(v => v.Value.Length == 0).Select(v => v.Key).ToList();
            if (empty.Count > 0)
            {
                throw new CommandException($"{console.DisplayPath(path)} gives no value for {string.Join(", ", empty)}; nothing was imported");
            }

            await using var session = await SecretsSession.OpenAsync(console, parse.GetValue(project)!, parse.GetValue(state), KeyUse.Create, ct).ConfigureAwait(false);
            foreach (var (n, _) in values)
            {
                session.WarnIfUndeclared(console, env, n);
            }

            var stored = await Run(() => session.Vault.ImportAsync(env, values, ct)).ConfigureAwait(false);
            console.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"imported {stored.Count} secret{(stored.Count == 1 ? "" : "s")} into {env}: {string.Join(", ", stored.Select(s => s.Name))}"));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Export(CliConsole console)
    {
        var environment = EnvironmentOption();
        var format = new Option<string>("--format") { Description = "The output format (required, so that an export is never an accident): dotenv", Required = true };
        format.AcceptOnlyFromAmong("dotenv");
        var (project, state) = (ProjectOption(), StateCommand.CreateStateOption());
        var command = new Command("export", "Print every secret of an environment, as NAME=\"value\" lines on stdout (each read is audited)") { environment, format, project, state };
        command.SetAction(async (parse, ct) =>
        {
            var env = parse.GetValue(environment)!;
            await using var session = await SecretsSession.OpenAsync(console, parse.GetValue(project)!, parse.GetValue(state), KeyUse.Existing, ct).ConfigureAwait(false);
            var secrets = await Run(() => session.Vault.ExportAsync(env, ct)).ConfigureAwait(false);
            console.Output.Write(DotenvFile.Write(secrets.Select(s => new KeyValuePair<string, string>(s.Name, s.Value))));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Rekey(CliConsole console)
    {
        var fromStdin = new Option<bool>("--new-key-stdin") { Description = "Read the new master key (base64) from stdin; required when the key comes from CAPSTAN_MASTER_KEY" };
        var (project, state) = (ProjectOption(), StateCommand.CreateStateOption());
        var command = new Command("rekey", "Re-wrap every secret under a new master key, atomically, without changing any value") { fromStdin, project, state };
        command.SetAction(async (parse, ct) =>
        {
            await using var session = await SecretsSession.OpenAsync(console, parse.GetValue(project)!, parse.GetValue(state), KeyUse.Existing, ct).ConfigureAwait(false);
            return await RekeyCommand.RunAsync(console, session, parse.GetValue(fromStdin), ct).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Turns the vault's user-facing errors into the CLI's.</summary>
    internal static async Task<T> Run<T>(Func<Task<T>> work)
    {
        try
        {
            return await work().ConfigureAwait(false);
        }
        catch (SecretsException ex)
        {
            throw new CommandException(ex.Message);
        }
    }
}
