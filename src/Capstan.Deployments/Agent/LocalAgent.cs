using Capstan.Deployments.Releases;
using Capstan.Deployments.Traffic;
using Capstan.Edge;
using Capstan.Edge.Routing;
using Capstan.Manifest.Values;
using Capstan.Pipelines.Artifacts;
using Capstan.Runtime.Instances;
using Capstan.Runtime.Ports;
using Capstan.Runtime.Releases;
using Capstan.Runtime.Supervision;
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

    /// <summary>The ports the supervisor gives instances.</summary>
    public PortRange InstancePorts { get; init; } = PortRange.Default;

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>The vault that gives instances their secrets; null when no master key is available (then no release may read a secret).</summary>
    public SecretVault? Vault { get; init; }
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
    private bool _routing;

    private LocalAgent(AgentOptions options, Supervisor supervisor, HaproxyEdge edge, ReleaseSpecs specs)
    {
        _options = options;
        _supervisor = supervisor;
        _edge = edge;
        _specs = specs;
        _folders = new ReleaseFolders(
            Path.Combine(options.CapstanDirectory, "releases"),
            new ArtifactRepository(Path.Combine(options.CapstanDirectory, "artifacts")));
        Traffic.Changed += RequestApply;
        _supervisor.InstanceChanged += (_, _) => RequestApply();
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
            var specs = new ReleaseSpecs(options.CapstanDirectory);
            var supervisor = await Supervisor.StartAsync(
                new SupervisorOptions
                {
                    Root = Path.Combine(options.CapstanDirectory, "instances"),
                    ShimCommand = options.ShimCommand,
                    Ports = options.InstancePorts,
                    TimeProvider = options.Clock,
                    // An adopted instance whose shim is gone is started again with its secrets read anew, at its release's versions.
                    ResolveSecrets = async (instance, ct) =>
                    {
                        var (_, env, _) = await RenderAsync(specs.Get(instance.ReleaseId), options, ct).ConfigureAwait(false);
                        return instance.SecretEnvNames.ToDictionary(n => n, n => env[n], StringComparer.Ordinal);
                    },
                },
                cancellationToken).ConfigureAwait(false);
            return new LocalAgent(options, supervisor, edge, specs);
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
    public async Task<InstanceStatus> StartInstanceAsync(ReleaseSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var root = spec.ArtifactDigest is { } digest
            ? await _folders.EnsureAsync(digest, cancellationToken).ConfigureAwait(false)
            : spec.ProjectDirectory;
        var workingDirectory = spec.WorkingDirectory is { } relative ? Path.GetFullPath(Path.Combine(root, relative)) : root;
        var (command, env, secretNames) = await RenderAsync(spec, _options, cancellationToken).ConfigureAwait(false);
        var instance = new InstanceSpec
        {
            Id = InstanceSpec.NewId(),
            App = spec.App,
            Service = spec.Service,
            Environment = spec.Environment,
            ReleaseId = spec.ReleaseId,
            Version = spec.VersionLabel,
            WorkingDirectory = workingDirectory,
            Command = command,
            Env = env,
            SecretEnvNames = secretNames,
            Health = new HealthCheck
            {
                ReadinessPath = spec.Readiness,
                LivenessPath = spec.Liveness,
                Interval = spec.ProbeInterval,
                Timeout = spec.ProbeTimeout,
                StartPeriod = spec.StartPeriod,
                FailureThreshold = spec.FailureThreshold,
            },
            GracePeriod = spec.GracePeriod,
        };
        return await _supervisor.StartInstanceAsync(instance, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Capstan's variables of an instance (<c>docs/manifest.md</c>); <c>PORT</c> is the supervisor's.</summary>
    private static Dictionary<string, string> Variables(ReleaseSpec spec, AgentOptions options)
    {
        var dataDirectory = Path.Combine(options.CapstanDirectory, "data", spec.Environment, spec.Service);
        Directory.CreateDirectory(dataDirectory);
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["CAPSTAN_APP"] = spec.App,
            ["CAPSTAN_ENV"] = spec.Environment,
            ["CAPSTAN_SERVICE"] = spec.Service,
            ["CAPSTAN_RELEASE"] = spec.ReleaseId,
            ["CAPSTAN_VERSION"] = spec.VersionLabel,
            ["CAPSTAN_DATA_DIR"] = dataDirectory,
        };
    }

    /// <summary>The secrets the release reads, at the versions it pinned; each read is audited.</summary>
    private static async Task<Dictionary<string, string>> SecretsAsync(ReleaseSpec spec, AgentOptions options, CancellationToken cancellationToken)
    {
        var secrets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, version) in spec.SecretVersions)
        {
            var vault = options.Vault ?? throw new DeploymentException(
                $"release {spec.VersionLabel} of {spec.Service} reads secret {name}, but the server has no master key (.capstan/master.key or CAPSTAN_MASTER_KEY)");
            secrets[name] = (await vault.GetAsync(spec.Environment, name, version, grace: null, cancellationToken).ConfigureAwait(false)).Value;
        }

        return secrets;
    }

    /// <summary>Prefix of the variables that carry the secrets a release's <c>run</c> command reads.</summary>
    internal const string RunSecretPrefix = "CAPSTAN_SECRET_";

    /// <summary>
    /// The instance's command and variables (Capstan's, then the release's <c>env</c> rendered), and which variables
    /// hold secrets (masked in logs, never written to the instance's record). Secrets are read once per start.
    /// A <c>${secret:NAME}</c> in <c>run</c> becomes <c>${CAPSTAN_SECRET_NAME}</c>, a variable bash expands when it
    /// starts the service: the command text, which the supervisor stores, never holds a value.
    /// </summary>
    private static async Task<(string Command, Dictionary<string, string> Env, List<string> SecretNames)> RenderAsync(
        ReleaseSpec spec, AgentOptions options, CancellationToken cancellationToken)
    {
        var variables = Variables(spec, options);
        var secrets = await SecretsAsync(spec, options, cancellationToken).ConfigureAwait(false);
        var env = new Dictionary<string, string>(variables, StringComparer.Ordinal);
        var secretNames = new List<string>();
        foreach (var (name, text) in spec.Env)
        {
            var template = Parse(spec, text, TemplateKind.Value, $"env {name}");
            env[name] = Render(spec, template, $"env {name}", reference => reference.IsSecret ? secrets[reference.Name] : null, variables);
            if (template.Secrets.Any())
            {
                secretNames.Add(name);
            }
        }

        var run = Parse(spec, spec.Run, TemplateKind.Script, "run");
        foreach (var name in run.Secrets.Select(r => r.Name).Distinct(StringComparer.Ordinal))
        {
            env[RunSecretPrefix + name] = secrets[name];
            secretNames.Add(RunSecretPrefix + name);
        }

        // ${PORT} stays for bash to expand too: the supervisor picks the port and sets PORT.
        var command = Render(spec, run, "run", reference =>
            reference.IsSecret ? $"${{{RunSecretPrefix}{reference.Name}}}" : reference.Name == "PORT" ? "${PORT}" : null, variables);
        return (command, env, secretNames);
    }

    private static Template Parse(ReleaseSpec spec, string text, TemplateKind kind, string where) =>
        Template.Parse(text, kind, out var error) ?? throw new DeploymentException($"{where} of release {spec.VersionLabel}: {error}");

    private static string Render(ReleaseSpec spec, Template template, string where, Func<TemplateReference, string?> special, Dictionary<string, string> variables) =>
        template.Render(reference => special(reference)
            ?? (variables.TryGetValue(reference.Name, out var value) ? value
            : throw new DeploymentException($"${{{reference.Name}}} in {where} of release {spec.VersionLabel} is not a variable Capstan sets")));

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

    /// <summary>
    /// Brings the edge level with the traffic table and the instances now; returns once HAProxy has it. Until the
    /// first call, changes are not applied on their own: after a restart the traffic table is empty until the
    /// controller has rebuilt it, and applying it then would take every route away from the adopted HAProxy.
    /// </summary>
    public async Task ApplyAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _routing, true);
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
    public EdgeRoutes DesiredRoutes()
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
            var mine = instances.Where(i => i.App == key.App && i.Environment == key.Environment && i.Service == key.Service).ToList();
            foreach (var instance in mine)
            {
                var role = roles.TryGetValue(instance.ReleaseId, out var r) ? r : TrafficRole.Standby;
                var state = Traffic.IsDraining(instance.Id) ? EdgeServerState.Drain : role switch
                {
                    TrafficRole.Serving when instance.Phase == InstancePhase.Ready => EdgeServerState.Ready,
                    TrafficRole.Draining => EdgeServerState.Drain,
                    _ => EdgeServerState.Maint,
                };
                var weight = 100;
                if (Traffic.ShareOf(key, instance.ReleaseId) is { } share)
                {
                    // A release's share spread over its instances that take traffic, on HAProxy's 0-256 scale.
                    var serving = mine.Count(i => i.ReleaseId == instance.ReleaseId && i.Phase == InstancePhase.Ready && !Traffic.IsDraining(i.Id));
                    weight = WeightOf(share, serving);
                }

                servers.Add(new EdgeServer { Name = instance.Id, Address = instance.Address, Weight = weight, State = state });
            }

            backends.Add(new EdgeBackend { Name = key.BackendName, Host = host.Host!, PathPrefix = host.PathPrefix, Servers = servers });
        }

        return new EdgeRoutes { Backends = backends };
    }

    /// <summary>
    /// The weight of each of <paramref name="instances"/> instances that together take <paramref name="percent"/> of a
    /// service's requests: HAProxy splits by weight, 256 at most, so 100% is 256 in all; a share above 0 keeps at least
    /// weight 1 per instance (1% over two instances is 2/256, 0.8%).
    /// </summary>
    internal static int WeightOf(double percent, int instances)
    {
        if (percent <= 0)
        {
            return 0;
        }

        return Math.Clamp((int)Math.Round(percent / 100 * 256 / Math.Max(1, instances), MidpointRounding.AwayFromZero), 1, 256);
    }

    // Readiness changes and traffic switches arrive from many threads; coalesce them into one apply at a time.
    private void RequestApply()
    {
        if (!Volatile.Read(ref _routing) || Interlocked.Exchange(ref _applyRequested, 1) == 1 || _stopping.IsCancellationRequested)
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
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        await _supervisor.StopAllAsync(null, cancellationToken).ConfigureAwait(false);
        await _edge.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lets go of the instances and HAProxy without stopping them: a restarted agent adopts them.</summary>
    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        await _supervisor.DisposeAsync().ConfigureAwait(false);
        await _edge.DisposeAsync().ConfigureAwait(false);
        _applying.Dispose();
        _stopping.Dispose();
    }
}
