using Capstan.Deployments.Releases;
using Capstan.Deployments.Traffic;
using Capstan.Edge;
using Capstan.Manifest.Values;
using Capstan.Pipelines.Artifacts;
using Capstan.Pipelines.Execution;
using Capstan.Runtime;
using Capstan.Secrets.Vault;

namespace Capstan.Deployments.Agent;

/// <summary>Where the local agent keeps its files and how it reaches its parts.</summary>
public sealed record AgentOptions
{
    /// <summary>The project's <c>.capstan</c> folder.</summary>
    public required string CapstanDirectory { get; init; }

    /// <summary>How to start the instance shim (<c>capstan agent shim</c>): executable and leading arguments.</summary>
    public required IReadOnlyList<string> ShimCommand { get; init; }

    public string EdgeAddress { get; init; } = "127.0.0.1";

    public int EdgePort { get; init; } = 8080;

    public string? HaproxyPath { get; init; }

    public TimeProvider Clock { get; init; } = TimeProvider.System;
}

/// <summary>
/// The data plane on this host: releases run as supervised processes (<see cref="Supervisor"/>) behind HAProxy
/// (<see cref="HaproxyEdge"/>), with the edge configuration kept level with the <see cref="TrafficTable"/> and the
/// readiness of every instance. Both HAProxy and the instances outlive this object: a restarted agent adopts them.
/// </summary>
public sealed class LocalAgent : IAsyncDisposable
{
    private readonly AgentOptions _options;
    private readonly Supervisor _supervisor;
    private readonly HaproxyEdge _edge;
    private readonly ReleaseFolders _folders;
    private readonly ReleaseSpecs _specs;
    private readonly SemaphoreSlim _applying = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private int _applyRequested;

    private LocalAgent(AgentOptions options, Supervisor supervisor, HaproxyEdge edge, ReleaseSpecs specs)
    {
        _options = options;
        _supervisor = supervisor;
        _edge = edge;
        _specs = specs;
        _folders = new ReleaseFolders(
            new ArtifactRepository(Path.Combine(options.CapstanDirectory, "artifacts")),
            Path.Combine(options.CapstanDirectory, "releases"));
        Traffic.Changed += RequestApply;
        _supervisor.InstanceChanged += _ => RequestApply();
    }

    public TrafficTable Traffic { get; } = new();

    public Supervisor Supervisor => _supervisor;

    public HaproxyEdge Edge => _edge;

    public ReleaseSpecs Specs => _specs;

    /// <summary>The edge's base URL for a host: <c>http://staging.hello.localhost:8080</c>.</summary>
    public string UrlOf(string host, string pathPrefix = "/") =>
        $"http://{host}{(_options.EdgePort == 80 ? "" : ":" + _options.EdgePort)}{(pathPrefix == "/" ? "" : pathPrefix)}";

    public string EdgeUrl => $"http://{_options.EdgeAddress}:{_options.EdgePort}";

    /// <summary>Starts (or adopts) the edge and the instances. HAProxy is started before the supervisor so that adopted instances are routed at once.</summary>
    public static async Task<LocalAgent> StartAsync(AgentOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var edge = await HaproxyEdge.StartAsync(
            new EdgeOptions
            {
                Directory = Path.Combine(options.CapstanDirectory, "edge"),
                ListenAddress = options.EdgeAddress,
                Port = options.EdgePort,
                HaproxyPath = options.HaproxyPath,
            },
            cancellationToken).ConfigureAwait(false);
        try
        {
            var supervisor = await Supervisor.StartAsync(
                new SupervisorOptions
                {
                    Root = Path.Combine(options.CapstanDirectory, "instances"),
                    ShimCommand = options.ShimCommand,
                    TimeProvider = options.Clock,
                },
                cancellationToken).ConfigureAwait(false);
            return new LocalAgent(options, supervisor, edge, new ReleaseSpecs(options.CapstanDirectory));
        }
        catch
        {
            await edge.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The instances of a service (or of everything when <paramref name="key"/> is null).</summary>
    public IReadOnlyList<InstanceStatus> Instances(ServiceKey? key = null) =>
        [.. _supervisor.List().Where(i => key is not { } k || (i.App == k.App && i.Environment == k.Environment && i.Service == k.Service))];

    public IReadOnlyList<InstanceStatus> InstancesOf(ServiceKey key, string releaseId) =>
        [.. Instances(key).Where(i => i.ReleaseId == releaseId)];

    /// <summary>Starts one instance of a release: its folder unpacked once per digest, its variables rendered with the release's secret versions.</summary>
    public async Task<InstanceStatus> StartInstanceAsync(ReleaseSpec spec, SecretVault? vault, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var root = spec.ArtifactDigest is { } digest
            ? await _folders.EnsureAsync(digest, cancellationToken).ConfigureAwait(false)
            : spec.ProjectDirectory;
        var workingDirectory = spec.WorkingDirectory is { } relative ? Path.GetFullPath(Path.Combine(root, relative)) : root;
        var dataDirectory = Path.Combine(_options.CapstanDirectory, "data", spec.Environment, spec.Service);
        Directory.CreateDirectory(dataDirectory);

        var variables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["CAPSTAN_APP"] = spec.App,
            ["CAPSTAN_ENV"] = spec.Environment,
            ["CAPSTAN_SERVICE"] = spec.Service,
            ["CAPSTAN_RELEASE"] = spec.ReleaseId,
            ["CAPSTAN_VERSION"] = spec.VersionLabel,
            ["CAPSTAN_DATA_DIR"] = dataDirectory,
        };
        var secrets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, version) in spec.SecretVersions)
        {
            if (vault is null)
            {
                throw new DeploymentException($"release {spec.VersionLabel} of {spec.Service} reads secret {name}, but the master key is not available to the server");
            }

            secrets[name] = (await vault.GetAsync(spec.Environment, name, version, grace: null, cancellationToken).ConfigureAwait(false)).Value;
        }

        string Render(string text, TemplateKind kind, string where, bool keepPort)
        {
            var template = Template.Parse(text, kind, out var error) ?? throw new DeploymentException($"{where} of release {spec.VersionLabel}: {error}");
            return template.Render(reference => reference.IsSecret ? secrets[reference.Name]
                : reference.Name == "PORT" && keepPort ? "${PORT}"
                : variables.TryGetValue(reference.Name, out var value) ? value
                : throw new DeploymentException($"${{{reference.Name}}} in {where} is not a variable Capstan sets"));
        }

        // The host's basics (PATH, HOME, LANG, DOTNET_ROOT…) as for pipeline jobs, minus the CI markers; then Capstan's variables.
        var env = JobEnvironment.Create(System.Environment.GetEnvironmentVariable, [], variables);
        env.Remove("CI");
        env.Remove("TERM");
        var secretNames = new List<string>();
        foreach (var (name, text) in spec.Env)
        {
            env[name] = Render(text, TemplateKind.Value, $"env {name}", keepPort: false);
            if (Template.Parse(text, TemplateKind.Value, out _) is { } parsed && parsed.Secrets.Any())
            {
                secretNames.Add(name);
            }
        }

        var instance = new InstanceSpec
        {
            Id = InstanceSpec.NewId(),
            App = spec.App,
            Service = spec.Service,
            Environment = spec.Environment,
            ReleaseId = spec.ReleaseId,
            Version = spec.VersionLabel,
            WorkingDirectory = workingDirectory,
            // ${PORT} stays for bash to expand: the supervisor picks the port and sets PORT.
            Command = Render(spec.Run, TemplateKind.Script, "run", keepPort: true),
            Env = env,
            SecretEnvNames = secretNames,
            Health = new HealthSpec
            {
                Readiness = spec.Readiness,
                Liveness = spec.Liveness,
                Interval = spec.ProbeInterval,
                Timeout = spec.ProbeTimeout,
                StartPeriod = spec.StartPeriod,
                FailureThreshold = spec.FailureThreshold,
            },
            GracePeriod = spec.GracePeriod,
        };
        return await _supervisor.StartInstanceAsync(instance, cancellationToken).ConfigureAwait(false);
    }

    public Task<bool> WaitUntilReadyAsync(string instanceId, TimeSpan deadline, CancellationToken cancellationToken) =>
        _supervisor.WaitUntilReadyAsync(instanceId, deadline, cancellationToken);

    public Task StopInstanceAsync(string instanceId, CancellationToken cancellationToken) =>
        _supervisor.StopInstanceAsync(instanceId, null, cancellationToken);

    /// <summary>Waits until the edge holds no connection to the instances, or <paramref name="timeout"/> passes.</summary>
    public async Task DrainAsync(ServiceKey key, IEnumerable<string> instanceIds, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = _options.Clock.GetUtcNow() + timeout;
        var pending = instanceIds.ToList();
        while (pending.Count > 0 && _options.Clock.GetUtcNow() < deadline)
        {
            var busy = new List<string>();
            foreach (var id in pending)
            {
                if (await _edge.GetCurrentConnectionsAsync(key.BackendName, id, cancellationToken).ConfigureAwait(false) > 0)
                {
                    busy.Add(id);
                }
            }

            pending = busy;
            if (pending.Count > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), _options.Clock, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Brings the edge level with the traffic table and the instances now; returns once HAProxy has it.</summary>
    public async Task ApplyAsync(CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _applyRequested, 0);
        await _applying.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _edge.ApplyAsync(DesiredRoutes(), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _applying.Release();
        }
    }

    /// <summary>The edge configuration the traffic table and the instances call for.</summary>
    internal EdgeRoutes DesiredRoutes()
    {
        var backends = new List<EdgeBackend>();
        var instances = _supervisor.List();
        foreach (var key in Traffic.Keys.OrderBy(k => k.BackendName, StringComparer.Ordinal))
        {
            var roles = Traffic.RolesOf(key);
            var host = roles.Keys.Select(_specs.Find).FirstOrDefault(s => s?.Host is not null);
            if (host is null)
            {
                continue;
            }

            var servers = new List<EdgeServer>();
            foreach (var instance in instances.Where(i => i.App == key.App && i.Environment == key.Environment && i.Service == key.Service))
            {
                var role = roles.TryGetValue(instance.ReleaseId, out var r) ? r : TrafficRole.Standby;
                var state = Traffic.IsDraining(instance.Id) ? EdgeServerState.Drain : role switch
                {
                    TrafficRole.Serving when instance.Phase == InstancePhase.Ready => EdgeServerState.Ready,
                    TrafficRole.Draining => EdgeServerState.Drain,
                    _ => EdgeServerState.Maint,
                };
                servers.Add(new EdgeServer { Name = instance.Id, Address = instance.Address, Weight = 100, State = state });
            }

            backends.Add(new EdgeBackend { Name = key.BackendName, Host = host.Host!, PathPrefix = host.PathPrefix, Servers = servers });
        }

        return new EdgeRoutes { Backends = backends };
    }

    // Readiness changes and traffic switches arrive from many threads; coalesce them into one apply at a time.
    private void RequestApply()
    {
        if (Interlocked.Exchange(ref _applyRequested, 1) == 1 || _stopping.IsCancellationRequested)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await ApplyAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
            }
            catch (EdgeException)
            {
                // The next change retries; the controller's own applies report errors to the deployment.
                Interlocked.Exchange(ref _applyRequested, 0);
            }
        });
    }

    /// <summary>Stops every instance and HAProxy: the end of <c>capstan up</c>.</summary>
    public async Task StopEverythingAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _supervisor.StopAllAsync(cancellationToken).ConfigureAwait(false);
        await _edge.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lets go of the instances and HAProxy without stopping them: a restarted agent adopts them.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _supervisor.DisposeAsync().ConfigureAwait(false);
        await _edge.DisposeAsync().ConfigureAwait(false);
        _applying.Dispose();
        _stopping.Dispose();
    }
}
