using System.CommandLine;
using System.CommandLine.Help;
using Capstan.Cli.Commands;
using Capstan.Cli.Init;
using Capstan.Cli.Output;
using Capstan.Manifest.Diagnostics;

namespace Capstan.Cli;

/// <summary>The command tree of <c>capstan</c> and how a run turns outcomes into exit codes.</summary>
public static class CapstanCli
{
    /// <summary>
    /// Runs one command line. <paramref name="handleSignals"/> makes Ctrl+C and SIGTERM cancel the command
    /// (the real process); tests cancel through <paramref name="cancellationToken"/> instead.
    /// </summary>
    public static Task<int> RunAsync(IReadOnlyList<string> args, CliConsole console, bool handleSignals, CancellationToken cancellationToken) =>
        RunAsync(args, console, handleSignals, CreateRoot(console), cancellationToken);

    internal static async Task<int> RunAsync(IReadOnlyList<string> args, CliConsole console, bool handleSignals, RootCommand root, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(console);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            ReportUsageErrors(console, parse);
            return ExitCodes.Usage;
        }

        var configuration = new InvocationConfiguration
        {
            Output = console.Output,
            Error = console.Error,
            EnableDefaultExceptionHandler = false,
            // On Ctrl+C the command's token is cancelled; it gets this long to clean up before the process ends.
            ProcessTerminationTimeout = handleSignals ? TimeSpan.FromSeconds(10) : null,
        };

        try
        {
            return await parse.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        }
        catch (CommandException ex)
        {
            console.WriteError(ex.Message);
            return ex.ExitCode;
        }
        catch (OperationCanceledException)
        {
            console.Error.WriteLine("cancelled");
            return ExitCodes.Cancelled;
        }
        catch (Exception ex)
        {
            // Not a user error: a bug. One line on the terminal, the trace in a file.
            var log = CrashLog.Write(ex, args, console.Mask, console.Environment);
            console.WriteError($"unexpected error: {ex.GetType().Name}: {ex.Message}" +
                (log is null ? "" : $"\nthe full trace is in {log}; please attach it to a bug report"));
            return ExitCodes.Unexpected;
        }
    }

    internal static RootCommand CreateRoot(CliConsole console)
    {
        var root = new RootCommand("Capstan: build, deploy, watch and recover an application, from one capstan.yaml.")
        {
            ValidateCommand.Create(console),
            SchemaCommand.Create(console),
            InitCommand.Create(console),
            StateCommand.Create(console),
            Secrets.SecretCommands.Create(console),
            Secrets.AuditCommands.Create(console),
            Pipelines.PipelineCommands.Create(console),
            Pipelines.ArtifactCommands.Create(console),
            Agent.ShimCommand.Create(),
        };

        foreach (var command in Deployments.DeployCommands.Create(console).Concat(Deployments.ServerCommands.Create(console)).Concat(Observability.ObservabilityCommands.Create(console)))
        {
            root.Add(command);
        }

        root.HelpName = "capstan"; // not the name of the host process (tests run in a test host)

        // `capstan` alone shows the help, as a usage error.
        root.SetAction(parse =>
        {
            new HelpAction().Invoke(parse);
            return ExitCodes.Usage;
        });
        return root;
    }

    private static void ReportUsageErrors(CliConsole console, ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        foreach (var error in parse.Errors)
        {
            console.WriteError(error.Message);
        }

        if (parse.UnmatchedTokens.Count > 0 && command.Subcommands.Count > 0
            && Suggestions.Closest(parse.UnmatchedTokens[0], command.Subcommands.Select(c => c.Name)) is { } suggestion)
        {
            console.Error.WriteLine($"did you mean 'capstan {suggestion}'?");
        }

        var path = string.Join(' ', Ancestors(command).Reverse().Skip(1).Select(c => c.Name).Prepend("capstan"));
        console.Error.WriteLine($"run '{path} --help' for usage");
    }

    private static IEnumerable<Command> Ancestors(Command command)
    {
        for (Command? c = command; c is not null; c = c.Parents.OfType<Command>().FirstOrDefault())
        {
            yield return c;
        }
    }
}
