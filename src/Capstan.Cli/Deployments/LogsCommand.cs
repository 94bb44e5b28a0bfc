using System.CommandLine;
using Capstan.Cli.Output;
using Capstan.Cli.Secrets;
using Capstan.Runtime.Logs;

namespace Capstan.Cli.Deployments;

/// <summary><c>capstan logs SERVICE --env ENV</c>: the instances' output, merged by time, as the shims wrote it (masked).</summary>
internal static class LogsCommand
{
    public static Command Create(CliConsole console)
    {
        var service = new Argument<string>("SERVICE") { Description = "The service whose instances' output to print" };
        var environment = new Option<string>("--env", "-e") { Description = "The environment the instances run in", HelpName = "ENV", Required = true };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new lines until Ctrl+C" };
        var since = new Option<string?>("--since") { Description = "Only lines newer than this: a duration like 10m or 2h", HelpName = "DURATION" };
        var project = SecretCommands.ProjectOption();
        var command = new Command("logs", "Print the output of a service's instances in an environment, merged by time") { service, environment, follow, since, project };
        command.SetAction(async (parse, ct) =>
        {
            var directory = console.FullPath(parse.GetValue(project)!);
            var manifest = SecretsSession.LoadManifest(console, directory);
            var name = parse.GetValue(service)!;
            var env = parse.GetValue(environment)!;
            if (!manifest.Services.ContainsKey(name))
            {
                throw new CommandException($"capstan.yaml has no service '{name}' (services: {string.Join(", ", manifest.Services.Keys)})", ExitCodes.InvalidInput);
            }

            DateTimeOffset? from = null;
            if (parse.GetValue(since) is { } text)
            {
                var parsed = Manifest.Values.Duration.TryParse(text, out var duration, out _)
                    ? duration
                    : throw new CommandException($"--since '{text}' is not {Manifest.Values.Duration.Expectation}", ExitCodes.Usage);
                from = DateTimeOffset.UtcNow - parsed.Value;
            }

            var sources = InstanceLogs.SourcesOf(Path.Combine(State.CapstanDirectory.For(directory), "instances"), name, env);
            if (sources.Count == 0)
            {
                console.Error.WriteLine($"no instance of {name} runs in {env}: 'capstan status' shows what runs");
                return ExitCodes.Failure;
            }

            try
            {
                await foreach (var entry in InstanceLogs.MergeAsync(sources, new LogQuery { Since = from, Follow = parse.GetValue(follow) }, ct).ConfigureAwait(false))
                {
                    console.Output.WriteLine(entry.ToString());
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
