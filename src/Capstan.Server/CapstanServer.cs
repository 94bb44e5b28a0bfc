using Capstan.Deployments.Agent;
using Capstan.Deployments.Control;
using Capstan.Edge.Locating;
using Capstan.Manifest;
using Capstan.Runtime.Ports;
using Capstan.Server.Observability;
using Capstan.Secrets.Keys;
using Capstan.Secrets.Vault;
using Capstan.State;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Capstan.Server;

/// <summary>What <c>capstan server</c> and <c>capstan up</c> start.</summary>
public sealed record ServerOptions
{
    /// <summary>The folder of capstan.yaml; the server keeps its files in <c>.capstan/</c> beside it.</summary>
    public required string ProjectDirectory { get; init; }

    /// <summary>The state store: a SQLite path or a PostgreSQL URL; null is <c>.capstan/state.db</c>.</summary>
    public required StateLocation State { get; init; }

    /// <summary>The API's address; port 0 picks a free one.</summary>
    public string ListenAddress { get; init; } = "127.0.0.1";

    public int Port { get; init; } = 7070;

    public int EdgePort { get; init; } = 8080;

    public string? HaproxyPath { get; init; }

    /// <summary>The ports instances are given, on 127.0.0.1 (<c>--instance-ports</c>); 20000–29999 by default.</summary>
    public PortRange InstancePorts { get; init; } = PortRange.Default;

    /// <summary>How to start <c>capstan agent shim</c>.</summary>
    public required IReadOnlyList<string> ShimCommand { get; init; }

    /// <summary>Reads environment variables (the master key may come from <c>CAPSTAN_MASTER_KEY</c>).</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Where the server's own diagnostics go; the CLI passes a console logger.</summary>
    public ILoggerProvider? LoggerProvider { get; init; }
}

/// <summary>
/// The control plane, started: the API on Kestrel, the deployment controller and the local agent (HAProxy and the
/// instances). <see cref="DisposeAsync"/> stops the control plane only; the data plane keeps serving and is adopted
/// by the next start. <see cref="StopEverythingAsync"/> stops it all (the end of <c>capstan up</c>).
/// </summary>
public sealed class CapstanServer : IAsyncDisposable
{
    private readonly WebApplication _web;
    private readonly IStateStore _store;
    private readonly KeyRing? _keys;
    private readonly string _capstanDirectory;

    private CapstanServer(WebApplication web, IStateStore store, KeyRing? keys, LocalAgent agent, DeploymentController controller, ObservabilityService watch, string url, string adminToken, string app, string capstanDirectory)
    {
        Watch = watch;
        _capstanDirectory = capstanDirectory;
        _web = web;
        _store = store;
        _keys = keys;
        Agent = agent;
        Controller = controller;
        Url = url;
        AdminToken = adminToken;
        App = app;
    }

    /// <summary>The API's base URL, e.g. <c>http://127.0.0.1:7070</c>.</summary>
    public string Url { get; }

    /// <summary>The admin token (also in <c>.capstan/admin.token</c>).</summary>
    public string AdminToken { get; }

    public string App { get; }

    public LocalAgent Agent { get; }

    public DeploymentController Controller { get; }

    /// <summary>Metrics, alerts, notifications and incidents.</summary>
    public ObservabilityService Watch { get; }

    public IStateStore Store => _store;

    public static async Task<CapstanServer> StartAsync(ServerOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var manifestPath = Path.Combine(options.ProjectDirectory, ManifestLoader.FileName);
        var loaded = ManifestLoader.Load(manifestPath);
        var manifest = loaded.Manifest ?? throw new ServerException(
            $"{manifestPath} has {loaded.Errors.Count()} error(s), the first: {loaded.Errors.FirstOrDefault()}; run 'capstan validate'");
        // The edge is checked before anything is written: a host without HAProxy gets the install hint and an
        // untouched project, not a state file, a master key and an admin token for a server that never ran.
        await HaproxyBinary.LocateAsync(options.HaproxyPath, cancellationToken).ConfigureAwait(false);
        var capstanDirectory = CapstanDirectory.For(options.ProjectDirectory);
        CapstanDirectory.Ensure(capstanDirectory);
        var store = await StateStore.OpenAsync(options.State, options.Clock, cancellationToken).ConfigureAwait(false);
        KeyRing? keys = null;
        LocalAgent? agent = null;
        DeploymentController? controller = null;
        ObservabilityService? watch = null;
        try
        {
            // The master key encrypts the secrets and keys the audit chain that records every deployment: made on the first start.
            keys = MasterKeySource.Load(capstanDirectory, options.Environment, create: true);
            var vault = new SecretVault(store, keys, manifest.App, "capstan server", options.Clock);
            var adminToken = await ApiTokens.EnsureAdminAsync(store, capstanDirectory, options.Clock, cancellationToken).ConfigureAwait(false);

            agent = await LocalAgent.StartAsync(
                new AgentOptions
                {
                    CapstanDirectory = capstanDirectory,
                    ShimCommand = options.ShimCommand,
                    EdgePort = options.EdgePort,
                    HaproxyPath = options.HaproxyPath,
                    InstancePorts = options.InstancePorts,
                    Clock = options.Clock,
                    Vault = vault,
                },
                cancellationToken).ConfigureAwait(false);

            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            if (options.LoggerProvider is { } provider)
            {
                builder.Logging.AddProvider(provider);
            }

            builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
            builder.WebHost.UseUrls($"http://{options.ListenAddress}:{options.Port}");
            controller = new DeploymentController(store, agent, vault, capstanDirectory, options.Clock, options.LoggerProvider?.CreateLogger("Capstan.Deployments"));
            await controller.StartAsync(manifest.App, cancellationToken).ConfigureAwait(false);

            watch = await ObservabilityService.StartAsync(
                manifest, store, agent, controller, vault, capstanDirectory, options.Clock, options.LoggerProvider?.CreateLogger("Capstan.Observability"), cancellationToken).ConfigureAwait(false);
            var context = new ApiContext(store, agent, controller, options.ProjectDirectory, options.Clock, watch);
            builder.Services.AddSingleton(context);
            ApiEndpoints.AddServices(builder.Services);
            var web = builder.Build();
            ApiEndpoints.Map(web);
            try
            {
                await web.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                throw new ServerException($"cannot listen on {options.ListenAddress}:{options.Port}: {ex.Message} (is another capstan server running? pass --port)", ex);
            }

            var url = web.Urls.First();
            await ServerFile.WriteAsync(capstanDirectory, url, cancellationToken).ConfigureAwait(false);
            return new CapstanServer(web, store, keys, agent, controller, watch, url, adminToken, manifest.App, capstanDirectory);
        }
        catch
        {
            if (watch is not null)
            {
                await watch.DisposeAsync().ConfigureAwait(false);
            }

            if (controller is not null)
            {
                await controller.DisposeAsync().ConfigureAwait(false);
            }

            if (agent is not null)
            {
                await agent.DisposeAsync().ConfigureAwait(false);
            }

            keys?.Dispose();
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops the control plane and the data plane: every instance and HAProxy.</summary>
    public async Task StopEverythingAsync(CancellationToken cancellationToken)
    {
        ServerFile.Remove(_capstanDirectory, Url);
        await _web.StopAsync(cancellationToken).ConfigureAwait(false);
        await Watch.DisposeAsync().ConfigureAwait(false);
        await Controller.DisposeAsync().ConfigureAwait(false);
        await Agent.StopEverythingAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the API and the controller; HAProxy and the instances keep serving.</summary>
    public async ValueTask DisposeAsync()
    {
        ServerFile.Remove(_capstanDirectory, Url);
        await _web.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _web.DisposeAsync().ConfigureAwait(false);
        await Watch.DisposeAsync().ConfigureAwait(false);
        await Controller.DisposeAsync().ConfigureAwait(false);
        await Agent.DisposeAsync().ConfigureAwait(false);
        _keys?.Dispose();
        await _store.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>The server cannot start, with a message for the person starting it.</summary>
public sealed class ServerException : Exception
{
    public ServerException()
    {
    }

    public ServerException(string message)
        : base(message)
    {
    }

    public ServerException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
