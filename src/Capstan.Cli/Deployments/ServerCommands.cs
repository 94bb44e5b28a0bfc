using System.CommandLine;
using Capstan.Cli.Commands;
using Capstan.Cli.Output;
using Capstan.Cli.Secrets;
using Capstan.Contracts;
using Capstan.Deployments;
using Capstan.Edge;
using Capstan.Runtime;
using Capstan.Runtime.Ports;
using Capstan.Server;
using Capstan.State;

namespace Capstan.Cli.Deployments;

/// <summary><c>capstan server</c>, <c>capstan up</c> and <c>capstan token</c>: run the control plane, and give access to it.</summary>
internal static class ServerCommands
{
    public static IEnumerable<Command> Create(CliConsole console) => [Server(console), Up(console), Token(console)];

    private static (Option<int> Port, Option<int> EdgePort) PortOptions() => (
        new Option<int>("--port") { Description = "The API's port on 127.0.0.1", DefaultValueFactory = _ => 7070, HelpName = "PORT" },
        new Option<int>("--edge-port") { Description = "The edge proxy's (HAProxy's) port on 127.0.0.1", DefaultValueFactory = _ => 8080, HelpName = "PORT" });

    private static Option<string> InstancePortsOption() =>
        new("--instance-ports") { Description = "The ports instances are given on 127.0.0.1, FIRST-LAST", DefaultValueFactory = _ => PortRange.Default.ToString(), HelpName = "FIRST-LAST" };

    /// <summary>The value of <c>--instance-ports</c>; a bad one is a usage error naming it.</summary>
    private static PortRange InstancePorts(string text)
    {
        try
        {
            return PortRange.Parse(text);
        }
        catch (RuntimeException ex)
        {
            throw new CommandException($"--instance-ports {ex.Message}", ExitCodes.Usage);
        }
    }

    private static Command Server(CliConsole console)
    {
        var (port, edgePort) = PortOptions();
        var instancePorts = InstancePortsOption();
        var (project, state) = (SecretCommands.ProjectOption(), StateCommand.CreateStateOption());
        var command = new Command("server", "Run the control plane (API, deployment controller) and the local agent (HAProxy, instances) until Ctrl+C; the apps keep running after it stops") { port, edgePort, instancePorts, project, state };
        command.SetAction(async (parse, ct) =>
        {
            var directory = console.FullPath(parse.GetValue(project)!);
            var ports = InstancePorts(parse.GetValue(instancePorts)!);
            await using var server = await StartAsync(console, directory, parse.GetValue(state), parse.GetValue(port), parse.GetValue(edgePort), ports, ct).ConfigureAwait(false);
            console.Output.WriteLine($"capstan server for {server.App}: API {server.Url} (OpenAPI at {server.Url}/openapi/v1.json), edge {server.Agent.EdgeUrl}");
            console.Output.WriteLine($"admin token in {console.DisplayPath(Path.Combine(CapstanDirectory.For(directory), ApiTokens.AdminFileName))}; Ctrl+C stops the server, the apps keep serving");
            await WaitForCancellationAsync(ct).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Up(CliConsole console)
    {
        var projectArgument = new Argument<string>("PROJECT") { Description = "The project folder holding capstan.yaml", DefaultValueFactory = _ => ".", Arity = ArgumentArity.ZeroOrOne };
        var (port, edgePort) = PortOptions();
        var instancePorts = InstancePortsOption();
        var environment = new Option<string?>("--env", "-e") { Description = "The environment to deploy to (default: the first in capstan.yaml)", HelpName = "ENV" };
        var state = StateCommand.CreateStateOption();
        var command = new Command("up", "Start the server, the agent and HAProxy, run the pipeline, deploy to the first environment, and serve until Ctrl+C") { projectArgument, port, edgePort, instancePorts, environment, state };
        command.SetAction(async (parse, ct) =>
        {
            var directory = console.FullPath(parse.GetValue(projectArgument)!);
            var ports = InstancePorts(parse.GetValue(instancePorts)!);
            var manifest = SecretsSession.LoadManifest(console, directory);
            var target = parse.GetValue(environment) ?? manifest.Environments.Keys.FirstOrDefault()
                ?? throw new CommandException("capstan.yaml declares no environments: add one under environments: to deploy to", ExitCodes.InvalidInput);

            var server = await StartAsync(console, directory, parse.GetValue(state), parse.GetValue(port), parse.GetValue(edgePort), ports, ct).ConfigureAwait(false);
            try
            {
                console.Output.WriteLine($"capstan up: API {server.Url}, edge {server.Agent.EdgeUrl}");
                var pipeline = await CapstanCli.RunAsync(
                    ["pipeline", "run", "--project", directory, .. parse.GetValue(state) is { } s ? new[] { "--state", s } : []],
                    console, handleSignals: false, ct).ConfigureAwait(false);
                if (pipeline != ExitCodes.Success)
                {
                    throw new CommandException("the pipeline failed, so nothing was deployed; the server stops", pipeline);
                }

                var deployments = await Deploy(server, manifest, directory, target, console, ct).ConfigureAwait(false);
                using var client = new LocalClient(server);
                if (await DeployCommands.ReportAsync(console, client.Client, manifest.App, deployments, wait: true, ct).ConfigureAwait(false) != ExitCodes.Success)
                {
                    throw new CommandException($"the deployment to {target} failed; the server stops");
                }

                console.Output.WriteLine();
                console.Output.WriteLine($"{manifest.App} is up in {target}:");
                foreach (var url in deployments.Select(d => d.Url).OfType<string>().Distinct())
                {
                    console.Output.WriteLine($"  {url}");
                }

                console.Output.WriteLine($"API: {server.Url} (token in .capstan/{ApiTokens.AdminFileName}); try 'capstan status' in another terminal");
                console.Output.WriteLine("Ctrl+C stops everything");
                await WaitForCancellationAsync(ct).ConfigureAwait(false);
                return ExitCodes.Success;
            }
            finally
            {
                console.Error.WriteLine("capstan up: stopping the instances, HAProxy and the server");
                using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                await server.StopEverythingAsync(stopping.Token).ConfigureAwait(false);
                await server.DisposeAsync().ConfigureAwait(false);
            }
        });
        return command;
    }

    private static async Task<IReadOnlyList<DeploymentView>> Deploy(CapstanServer server, Manifest.Model.CapstanManifest manifest, string directory, string target, CliConsole console, CancellationToken ct)
    {
        try
        {
            var deployments = await server.Controller.DeployAsync(manifest, directory, target, null, DeployCommands.Actor(console), ct).ConfigureAwait(false);
            return await ApiEndpoints.ViewsAsync(new ApiContext(server.Store, server.Agent, server.Controller, directory, TimeProvider.System, server.Watch), deployments, ct).ConfigureAwait(false);
        }
        catch (DeploymentException ex)
        {
            throw new CommandException(ex.Message, ExitCodes.InvalidInput);
        }
    }

    private static Command Token(CliConsole console)
    {
        var name = new Argument<string>("NAME") { Description = "What the token is for: a person or a CI system (lowercase, digits, dashes)" };
        var project = SecretCommands.ProjectOption();
        var create = new Command("create", "Make an API token; it is printed once and stored only as a hash") { name, project };
        create.SetAction(async (parse, ct) =>
        {
            var directory = console.FullPath(parse.GetValue(project)!);
            using var client = ServerClient.Connect(console, directory);
            var created = await client.PostAsync("api/tokens", new TokenRequest { Name = parse.GetValue(name)! }, ApiJson.Default.TokenRequest, ApiJson.Default.TokenCreated, ct).ConfigureAwait(false);
            // The one place a token is shown: on stdout, for the person who asked, never in a log.
            console.Output.WriteLine(created.Token);
            console.Error.WriteLine($"token {created.Name} made; it is not shown again. Use it as CAPSTAN_TOKEN.");
            return ExitCodes.Success;
        });
        return new Command("token", "API tokens of the server") { create };
    }

    internal static async Task<CapstanServer> StartAsync(CliConsole console, string directory, string? state, int port, int edgePort, PortRange instancePorts, CancellationToken ct)
    {
        SecretsSession.LoadManifest(console, directory);
        try
        {
            return await CapstanServer.StartAsync(
                new ServerOptions
                {
                    ProjectDirectory = directory,
                    State = StateCommand.Resolve(console, state, directory),
                    Port = port,
                    EdgePort = edgePort,
                    InstancePorts = instancePorts,
                    ShimCommand = ShimCommand(),
                    Environment = console.Environment,
                    HaproxyPath = console.Environment("CAPSTAN_HAPROXY"),
                },
                ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ServerException or EdgeException or RuntimeException or StateStoreException or Capstan.Secrets.SecretsException)
        {
            throw new CommandException(ex.Message);
        }
    }

    /// <summary>How the agent starts <c>capstan agent shim</c>: this very executable, or <c>dotnet capstan.dll</c> beside this code.</summary>
    internal static IReadOnlyList<string> ShimCommand()
    {
        if (Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "capstan")
        {
            return [host];
        }

        var dll = Path.Combine(AppContext.BaseDirectory, "capstan.dll");
        return File.Exists(dll)
            ? ["dotnet", dll]
            : throw new CommandException($"cannot find capstan.dll in {AppContext.BaseDirectory} to start instances with");
    }

    private static async Task WaitForCancellationAsync(CancellationToken ct)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>A client of the server this process runs, for <c>capstan up</c>'s own progress display.</summary>
    private sealed class LocalClient(CapstanServer server) : IDisposable
    {
        public ServerClient Client { get; } = ServerClient.For(server.Url, server.AdminToken);

        public void Dispose() => Client.Dispose();
    }
}
