using System.Collections.Concurrent;
using Capstan.Deployments.Agent;
using Capstan.Deployments.Releases;
using Capstan.Deployments.Traffic;
using Capstan.Manifest.Model;
using Capstan.Pipelines.Execution;
using Capstan.Runtime;
using Capstan.Runtime.Instances;
using Capstan.Secrets.Audit;
using Capstan.Secrets.Masking;
using Capstan.Secrets.Vault;
using Capstan.State;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Capstan.Deployments.Control;

/// <summary>
/// Carries out deployments step by step (recreate, rolling, blue-green, canary, rollback), saving each step, so that a
/// server killed in the middle resumes a deployment whose traffic already switched and cleanly fails one that had
/// not (the previous release kept serving throughout). One deployment per service and environment at a time.
/// </summary>
public sealed class DeploymentController : IAsyncDisposable
{
    /// <summary>How long a release stays in standby after a rollback, when its environment's strategy sets no retention.</summary>
    public static readonly TimeSpan DefaultRetention = TimeSpan.FromHours(1);

    private readonly IStateStore _store;
    private readonly LocalAgent _agent;
    private readonly SecretVault _vault;
    private readonly string _capstanDirectory;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<ServiceKey, Task> _running = new();
    private readonly ConcurrentDictionary<string, DeploymentRun> _runs = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _dequeue = new(1, 1);
    private readonly ConcurrentDictionary<(ServiceKey Key, string ReleaseId), DateTimeOffset> _retainUntil = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task _janitor = Task.CompletedTask;

    public DeploymentController(IStateStore store, LocalAgent agent, SecretVault vault, string capstanDirectory, TimeProvider clock, ILogger? logger = null)
    {
        _store = store;
        _agent = agent;
        _vault = vault;
        _capstanDirectory = capstanDirectory;
        _clock = clock;
        _logger = logger ?? NullLogger.Instance;
        Planner = new ReleasePlanner(store, agent.Specs, clock);
        Guards.Fired += AbortGuarded;
    }

    public ReleasePlanner Planner { get; }

    /// <summary>Firing <c>guard: true</c> alerts: they block deployments of their environment and abort those under way.</summary>
    public DeploymentGuards Guards { get; } = new();

    /// <summary>
    /// Rebuilds the traffic table of <paramref name="app"/> from its deployments, resumes or fails the unfinished ones,
    /// and starts the janitor that stops standby releases whose retention ended and instances nobody owns.
    /// </summary>
    public async Task StartAsync(string app, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        var recent = await _store.Deployments.ListAsync(app, null, 500, cancellationToken).ConfigureAwait(false);
        var seen = new HashSet<ServiceKey>();
        foreach (var deployment in recent.Where(d => d.Status == DeploymentStatus.Succeeded))
        {
            var spec = _agent.Specs.Find(deployment.ReleaseId);
            if (spec is null || !seen.Add(Key(spec)))
            {
                continue;
            }

            var key = Key(spec);
            _agent.Traffic.Set(key, (spec.ReleaseId, TrafficRole.Serving));
            var state = TryParse(deployment.State);
            if (deployment.PreviousReleaseId is { } previous && previous != spec.ReleaseId && state?.RetainUntil is { } until && until > now)
            {
                _agent.Traffic.Set(key, (previous, TrafficRole.Standby));
                _retainUntil[(key, previous)] = until;
            }
        }

        var unfinished = await _store.Deployments.ListUnfinishedAsync(app, cancellationToken).ConfigureAwait(false);
        foreach (var deployment in unfinished.Where(d => d.Step != Phases.Queued))
        {
            Launch(deployment, resumed: true);
        }

        // Queued deployments wait on: the first of each free environment starts now.
        foreach (var environment in unfinished.Where(d => d.Step == Phases.Queued).Select(d => d.Environment).Distinct(StringComparer.Ordinal))
        {
            await DequeueAsync(app, environment, cancellationToken).ConfigureAwait(false);
        }

        await _agent.ApplyAsync(cancellationToken).ConfigureAwait(false);
        if (_janitor.IsCompleted)
        {
            _janitor = Task.Run(() => JanitorAsync(_stopping.Token), CancellationToken.None);
        }
    }

    /// <summary>
    /// Makes the releases of <paramref name="environment"/> from capstan.yaml and starts deploying them, after the
    /// environment's rules: one deployment at a time, its freeze windows (unless forced, with a reason, audited) and
    /// its <c>requires</c> (the same artifacts deployed successfully there first). Refusals change nothing.
    /// </summary>
    /// <param name="serviceDigests">Artifacts per service (a promotion deploys what another environment runs).</param>
    public async Task<IReadOnlyList<Deployment>> DeployAsync(
        CapstanManifest manifest,
        string projectDirectory,
        string environment,
        string? artifactDigest,
        string author,
        CancellationToken cancellationToken,
        DeployOverride? overrides = null,
        IReadOnlyDictionary<string, string>? serviceDigests = null)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var versions = (await _vault.ListAsync(environment, cancellationToken).ConfigureAwait(false))
            .ToDictionary(v => v.Name, v => v.Version, StringComparer.Ordinal);
        var target = manifest.Environments.GetValueOrDefault(environment);

        // Refused before any release is made: a conflicting request leaves nothing behind.
        var queued = overrides?.Queue == true && await IsBusyAsync(manifest.App, environment, cancellationToken).ConfigureAwait(false);
        if (!queued)
        {
            await RefuseIfBusyAsync(manifest.App, environment, cancellationToken).ConfigureAwait(false);
        }

        var forced = target is null ? null : CheckFreeze(target, overrides);
        var guarded = CheckGuards(manifest.App, environment, overrides);
        var digests = await Planner.ResolveArtifactsAsync(manifest, artifactDigest, serviceDigests, cancellationToken).ConfigureAwait(false);
        if (target is not null)
        {
            await CheckRequiresAsync(manifest, target, digests, cancellationToken).ConfigureAwait(false);
        }

        var specs = await Planner.PlanAsync(manifest, projectDirectory, environment, artifactDigest, versions, author, cancellationToken, digests).ConfigureAwait(false);
        if (forced is not null)
        {
            await _vault.AppendAuditAsync(
                new AuditRecord(author, "deploy.force", manifest.App, environment, string.Join(",", specs.Select(s => s.Service)), null, $"freeze {forced}: {overrides!.Reason}"),
                cancellationToken).ConfigureAwait(false);
        }

        if (guarded.Count > 0)
        {
            await _vault.AppendAuditAsync(
                new AuditRecord(author, "deploy.force", manifest.App, environment, string.Join(",", specs.Select(s => s.Service)), null, $"guard {string.Join(", ", guarded.Select(g => g.Alert))} firing: {overrides!.Reason}"),
                cancellationToken).ConfigureAwait(false);
        }

        var created = new List<Deployment>();
        var batch = StateId.New("batch", _clock);
        foreach (var spec in specs)
        {
            var state = new DeployState
            {
                Service = spec.Service,
                MaxSurge = target!.Strategy is RollingStrategy rolling ? rolling.MaxSurge : 1,
                MaxUnavailable = target.Strategy is RollingStrategy r ? r.MaxUnavailable : 0,
                Retention = target.Strategy is BlueGreenStrategy blueGreen ? blueGreen.Retention.Value : TimeSpan.Zero,
                ProgressDeadline = target.ProgressDeadline.Value,
                Smoke = target.Smoke?.Text,
                Canary = target.Strategy is CanaryStrategy canary ? SettingsOf(canary) : null,
                Approval = target.Approval is { } approval
                    ? new ApprovalState
                    {
                        Reviewers = approval.Reviewers,
                        ExpiresAt = _clock.GetUtcNow() + approval.Timeout.Value,
                        RequestedBy = overrides?.Token ?? author,
                    }
                    : null,
                Batch = batch,
                GuardsOverridden = [.. guarded.Select(g => g.Alert)],
            };
            created.Add(await CreateAsync(spec, target.Strategy.Kind, state, author, "deploy", cancellationToken, queued).ConfigureAwait(false));
        }

        return created;
    }

    /// <summary>
    /// <c>capstan promote ENV --from SOURCE</c>: deploys to <paramref name="environment"/> exactly the artifacts
    /// <paramref name="source"/> serves now, service by service, with <paramref name="environment"/>'s configuration.
    /// </summary>
    public async Task<IReadOnlyList<Deployment>> PromoteFromAsync(
        CapstanManifest manifest, string projectDirectory, string environment, string source, string author, CancellationToken cancellationToken, DeployOverride? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (!manifest.Environments.ContainsKey(source))
        {
            throw new DeploymentException($"environment '{source}' is not declared in capstan.yaml; there is nothing to promote from") { Kind = DeploymentErrorKind.NotFound };
        }

        if (source == environment)
        {
            throw new DeploymentException($"promoting '{environment}' from itself changes nothing; name another environment with --from");
        }

        var digests = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var service in manifest.Services.Values.Where(s => s.Artifact is not null))
        {
            var serving = _agent.Traffic.ServingRelease(new ServiceKey(manifest.App, source, service.Name));
            var release = serving is null ? null : await _store.Releases.GetAsync(serving, cancellationToken).ConfigureAwait(false);
            if (release is null || string.IsNullOrEmpty(release.ArtifactDigest))
            {
                throw new DeploymentException($"service '{service.Name}' does not run in '{source}'; deploy it there first") { Kind = DeploymentErrorKind.NotFound };
            }

            digests[service.Name] = release.ArtifactDigest;
        }

        return await DeployAsync(manifest, projectDirectory, environment, null, author, cancellationToken, overrides, digests).ConfigureAwait(false);
    }

    /// <summary>Whether a deployment runs in the environment, or others wait in its queue.</summary>
    private async Task<bool> IsBusyAsync(string app, string environment, CancellationToken cancellationToken) =>
        _running.Keys.Any(k => k.App == app && k.Environment == environment)
        || (await _store.Deployments.ListUnfinishedAsync(app, cancellationToken).ConfigureAwait(false))
            .Any(d => d.Environment == environment && d.Step == Phases.Queued);

    /// <summary>Starts the oldest queued request of the environment (all its services) when nothing runs there.</summary>
    private async Task DequeueAsync(string app, string environment, CancellationToken cancellationToken)
    {
        await _dequeue.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_running.Keys.Any(k => k.App == app && k.Environment == environment))
            {
                return;
            }

            var queued = (await _store.Deployments.ListUnfinishedAsync(app, cancellationToken).ConfigureAwait(false))
                .Where(d => d.Environment == environment && d.Step == Phases.Queued)
                .ToList();
            if (queued.Count == 0)
            {
                return;
            }

            var batch = TryParse(queued[0].State)?.Batch;
            foreach (var deployment in queued.Where(d => TryParse(d.State)?.Batch == batch))
            {
                var state = DeployState.Parse(deployment.State);
                var awaiting = state.Approval is not null;
                var started = deployment with
                {
                    // What it replaces is what serves now, not what served when it was queued.
                    PreviousReleaseId = _agent.Specs.Find(deployment.ReleaseId) is { } spec ? _agent.Traffic.ServingRelease(Key(spec)) : deployment.PreviousReleaseId,
                    Status = awaiting ? DeploymentStatus.Paused : DeploymentStatus.InProgress,
                    Step = awaiting ? Phases.AwaitingApproval : Phases.Created,
                    State = (state with { Phase = awaiting ? Phases.AwaitingApproval : Phases.Created }).ToJson(),
                    UpdatedAt = _clock.GetUtcNow(),
                };
                if (await _store.Deployments.TryUpdateAsync(started, deployment.Revision, cancellationToken).ConfigureAwait(false) is { } stored)
                {
                    Launch(stored, resumed: false);
                }
            }
        }
        finally
        {
            _dequeue.Release();
        }
    }

    /// <summary>One deployment per environment at a time: a second request names the one under way.</summary>
    private async Task RefuseIfBusyAsync(string app, string environment, CancellationToken cancellationToken)
    {
        if (!await IsBusyAsync(app, environment, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var underWay = (await _store.Deployments.ListUnfinishedAsync(app, cancellationToken).ConfigureAwait(false))
            .Where(d => d.Environment == environment)
            .Select(d => $"{d.Id} ({d.Strategy}, step '{d.Step}')")
            .ToList();
        throw new DeploymentException(
            $"deployment {(underWay.Count == 0 ? "(finishing)" : string.Join(", ", underWay))} is under way in '{environment}'; one deployment at a time per environment: wait for it ('capstan status {environment}'), queue behind it with --queue, or abort it")
        { Kind = DeploymentErrorKind.Conflict };
    }

    /// <summary>Refuses a deployment in a freeze window unless forced with a reason; returns the window overridden, if any.</summary>
    private string? CheckFreeze(DeploymentEnvironment target, DeployOverride? overrides)
    {
        if (overrides is { Force: true } && string.IsNullOrWhiteSpace(overrides.Reason))
        {
            throw new DeploymentException("--force needs --reason \"why\": an override of a freeze is audited with its reason");
        }

        var now = _clock.GetUtcNow();
        if (target.DescribeFreeze(now) is not { } freeze)
        {
            return null;
        }

        return overrides is { Force: true }
            ? freeze
            : throw new DeploymentException(
                $"environment '{target.Name}' is frozen: {freeze}. Deploy with --force --reason \"…\" to override (audited); rollbacks are always allowed")
            { Kind = DeploymentErrorKind.Conflict };
    }

    /// <summary>
    /// Refuses a deployment while a guard alert of the environment fires, unless forced with a reason; returns the
    /// guards overridden, which then do not abort the forced deployment (alerts that start firing later still do).
    /// </summary>
    private IReadOnlyList<FiringGuard> CheckGuards(string app, string environment, DeployOverride? overrides)
    {
        var firing = Guards.Firing(app, environment);
        if (firing.Count == 0)
        {
            return [];
        }

        return overrides is { Force: true }
            ? firing
            : throw new DeploymentException(
                $"environment '{environment}' is guarded: alert {string.Join("; ", firing)} fires. Deployments wait until it resolves; 'capstan rollback {environment}' is allowed, or deploy with --force --reason \"…\" (audited)")
            { Kind = DeploymentErrorKind.Conflict };
    }

    /// <summary>A guard started firing: every deployment under way in its environment stops, and the previous release serves.</summary>
    private void AbortGuarded(string app, string environment, IReadOnlyList<FiringGuard> started)
    {
        foreach (var run in _runs.Values.Where(r => r.Key.App == app && r.Key.Environment == environment))
        {
            run.RequestGuardAbort(started);
        }
    }

    /// <summary>
    /// <c>requires: [staging]</c>: each service's artifact must have a successful deployment in each required
    /// environment. A service without an artifact runs from the project folder, which has no digest: it needs a
    /// successful deployment of the service there.
    /// </summary>
    private async Task CheckRequiresAsync(CapstanManifest manifest, DeploymentEnvironment target, IReadOnlyDictionary<string, string?> digests, CancellationToken cancellationToken)
    {
        var missing = new List<string>();
        foreach (var required in target.Requires)
        {
            var deployments = await _store.Deployments.ListAsync(manifest.App, required, 500, cancellationToken).ConfigureAwait(false);
            var passed = new List<Release>();
            foreach (var deployment in deployments.Where(d => d.Status == DeploymentStatus.Succeeded && d.Strategy != "rollback"))
            {
                if (await _store.Releases.GetAsync(deployment.ReleaseId, cancellationToken).ConfigureAwait(false) is { } release)
                {
                    passed.Add(release);
                }
            }

            foreach (var (service, digest) in digests)
            {
                if (!passed.Any(r => r.Service == service && r.ArtifactDigest == (digest ?? "")))
                {
                    var what = digest is null ? $"service '{service}' (from the project folder)" : $"service '{service}' artifact {digest[..Math.Min(digest.Length, 19)]}";
                    missing.Add($"{what} has no successful deployment in '{required}'");
                }
            }
        }

        if (missing.Count > 0)
        {
            throw new DeploymentException(
                $"environment '{target.Name}' requires [{string.Join(", ", target.Requires)}] first: {string.Join("; ", missing)}. " +
                $"Deploy it there first, or 'capstan promote {target.Name} --from {target.Requires[0]}' to deploy what {target.Requires[0]} runs")
            { Kind = DeploymentErrorKind.Conflict };
        }
    }

    /// <summary>Moves traffic back to an earlier release: instantly while it is in standby, otherwise after starting it.</summary>
    /// <param name="to">A release id, or a version (<c>v3</c> or <c>3</c>); null is the release before the current one.</param>
    public async Task<IReadOnlyList<Deployment>> RollbackAsync(string app, string environment, string? service, string? to, string author, CancellationToken cancellationToken)
    {
        var keys = _agent.Traffic.Keys.Where(k => k.App == app && k.Environment == environment && (service is null || k.Service == service)).ToList();
        if (keys.Count == 0)
        {
            throw new DeploymentException($"nothing of {app} is deployed to environment '{environment}'{(service is null ? "" : $" for service '{service}'")}; there is nothing to roll back")
            { Kind = DeploymentErrorKind.NotFound };
        }

        var created = new List<Deployment>();
        foreach (var key in keys)
        {
            // Never blocked by a deployment under way: that deployment is what is rolled back. It stops where it is
            // and the release it was replacing serves, as after a failure.
            if (to is null && _runs.Values.FirstOrDefault(r => r.Key == key) is { } run && _running.TryGetValue(key, out var task))
            {
                run.RequestRollback(author);
                await task.WaitAsync(TimeSpan.FromMinutes(2), cancellationToken).ConfigureAwait(false);
                created.Add((await _store.Deployments.GetAsync(run.DeploymentId, cancellationToken).ConfigureAwait(false))!);
                continue;
            }

            if (_running.ContainsKey(key))
            {
                throw new DeploymentException($"a deployment of {key} is under way; 'capstan rollback {environment}' without --to stops it and goes back to what served before") { Kind = DeploymentErrorKind.Conflict };
            }

            var current = _agent.Traffic.ServingRelease(key);
            var target = await TargetOfRollbackAsync(key, current, to, cancellationToken).ConfigureAwait(false);
            var spec = _agent.Specs.Get(target.Id);
            var state = new DeployState
            {
                Service = key.Service,
                Retention = DefaultRetention,
                ProgressDeadline = TimeSpan.FromMinutes(2),
            };
            created.Add(await CreateAsync(spec, "rollback", state, author, "rollback", cancellationToken).ConfigureAwait(false));
        }

        return created;
    }

    private async Task<Release> TargetOfRollbackAsync(ServiceKey key, string? current, string? to, CancellationToken cancellationToken)
    {
        if (to is not null)
        {
            var byVersion = long.TryParse(to.TrimStart('v'), out var version)
                ? await _store.Releases.GetByVersionAsync(key.App, key.Environment, key.Service, version, cancellationToken).ConfigureAwait(false)
                : await _store.Releases.GetAsync(to, cancellationToken).ConfigureAwait(false);
            return byVersion is { } found && found.Service == key.Service && found.Environment == key.Environment
                ? found
                : throw new DeploymentException($"{key} has no release {to}; 'capstan releases {key.Environment}' lists them") { Kind = DeploymentErrorKind.NotFound };
        }

        // The release that served before the current one: the previous release of the deployment that made it current.
        var deployments = await _store.Deployments.ListAsync(key.App, key.Environment, 200, cancellationToken).ConfigureAwait(false);
        var making = deployments.FirstOrDefault(d => d.Status == DeploymentStatus.Succeeded && d.ReleaseId == current && d.PreviousReleaseId is not null);
        var previous = making?.PreviousReleaseId is { } id ? await _store.Releases.GetAsync(id, cancellationToken).ConfigureAwait(false) : null;
        return previous ?? throw new DeploymentException($"{key} has no earlier release to roll back to") { Kind = DeploymentErrorKind.NotFound };
    }

    private async Task<Deployment> CreateAsync(ReleaseSpec spec, string strategy, DeployState state, string author, string action, CancellationToken cancellationToken, bool queued = false)
    {
        var key = Key(spec);
        var now = _clock.GetUtcNow();
        var current = _agent.Traffic.ServingRelease(key);
        var alreadyServing = current == spec.ReleaseId && strategy != "rollback"
            && _agent.InstancesOf(key, spec.ReleaseId).Count(i => i.Phase == InstancePhase.Ready) >= spec.Replicas;
        alreadyServing &= !queued;
        var awaiting = !alreadyServing && !queued && state.Approval is not null;
        var deployment = new Deployment
        {
            Id = StateId.New("dep", _clock),
            App = spec.App,
            Environment = spec.Environment,
            ReleaseId = spec.ReleaseId,
            PreviousReleaseId = current,
            Strategy = strategy,
            Status = alreadyServing ? DeploymentStatus.Succeeded : queued ? DeploymentStatus.Pending : awaiting ? DeploymentStatus.Paused : DeploymentStatus.InProgress,
            Step = alreadyServing ? "done" : queued ? Phases.Queued : awaiting ? Phases.AwaitingApproval : "created",
            State = (queued ? state with { Phase = Phases.Queued } : awaiting ? state with { Phase = Phases.AwaitingApproval } : state).ToJson(),
            Revision = 1,
            CreatedBy = author,
            CreatedAt = now,
            UpdatedAt = now,
            FinishedAt = alreadyServing ? now : null,
            Reason = alreadyServing ? $"release {spec.VersionLabel} already serves {key}; nothing changed" : null,
        };
        await _store.Deployments.CreateAsync(deployment, cancellationToken).ConfigureAwait(false);
        await _vault.AppendAuditAsync(
            new AuditRecord(author, $"{action}.start", spec.App, spec.Environment, spec.Service, (int)spec.Version, $"{deployment.Id} {strategy} {spec.ArtifactDigest ?? "(project folder)"}"),
            cancellationToken).ConfigureAwait(false);
        if (!alreadyServing && !queued)
        {
            Launch(deployment, resumed: false);
        }

        return deployment;
    }

    private void Launch(Deployment deployment, bool resumed)
    {
        var spec = _agent.Specs.Find(deployment.ReleaseId);
        if (spec is null)
        {
            _ = FinishAsync(deployment, DeploymentStatus.Failed, $"release {deployment.ReleaseId} has no spec on this server", CancellationToken.None);
            return;
        }

        var key = Key(spec);
        var run = new DeploymentRun(this, deployment, spec, resumed);
        _runs[deployment.Id] = run;
        var task = Task.Run(() => run.RunAsync(_stopping.Token), CancellationToken.None);
        _running[key] = task;
        _ = task.ContinueWith(
            async _ =>
            {
                _running.TryRemove(new KeyValuePair<ServiceKey, Task>(key, task));
                _runs.TryRemove(new KeyValuePair<string, DeploymentRun>(deployment.Id, run));
                if (!_stopping.IsCancellationRequested)
                {
                    try
                    {
                        await DequeueAsync(key.App, key.Environment, _stopping.Token).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is OperationCanceledException or StateStoreException)
                    {
                        _logger.LogWarning("could not start the next queued deployment of {Environment}: {Error}", key.Environment, ex.Message);
                    }
                }
            },
            TaskScheduler.Default);
    }

    /// <summary>
    /// <c>capstan abort</c>: a canary in its steps drops to weight 0 at once, its instances drain and stop, and the
    /// deployment fails naming who aborted it and the figures then. Returns the deployment as it was when asked.
    /// </summary>
    public Task<Deployment> AbortAsync(string app, string deploymentId, string author, CancellationToken cancellationToken) =>
        SignalAsync(app, deploymentId, "abort", author, run => run.RequestAbort(author), cancellationToken);

    /// <summary><c>capstan promote DEPLOYMENT</c>: a canary in its steps skips the rest and takes all traffic.</summary>
    public Task<Deployment> PromoteAsync(string app, string deploymentId, string author, CancellationToken cancellationToken) =>
        SignalAsync(app, deploymentId, "promote", author, run => run.RequestPromote(author), cancellationToken);

    private async Task<Deployment> SignalAsync(string app, string deploymentId, string verb, string author, Action<DeploymentRun> signal, CancellationToken cancellationToken)
    {
        var deployment = await _store.Deployments.GetAsync(deploymentId, cancellationToken).ConfigureAwait(false);
        if (deployment is null || deployment.App != app)
        {
            throw new DeploymentException($"app {app} has no deployment {deploymentId}; 'capstan status' shows the ones under way") { Kind = DeploymentErrorKind.NotFound };
        }

        if (deployment.FinishedAt is not null)
        {
            throw new DeploymentException($"deployment {deploymentId} already ended ({deployment.Status.ToString().ToLowerInvariant()}); there is nothing to {verb}") { Kind = DeploymentErrorKind.Conflict };
        }

        if (verb == "abort" && deployment.Step == Phases.Queued)
        {
            // A queued deployment never started: aborting it takes it out of the queue.
            var cancelled = await FinishAsync(deployment, DeploymentStatus.Cancelled, $"taken out of the queue by {author}", cancellationToken).ConfigureAwait(false);
            return cancelled ?? deployment;
        }

        if (!_runs.TryGetValue(deploymentId, out var run) || run.Strategy != "canary" || !run.InCanarySteps)
        {
            throw new DeploymentException(deployment.Strategy == "canary"
                ? $"deployment {deploymentId} is not in its canary steps yet (step '{deployment.Step}'); {verb} acts on the traffic steps"
                : $"deployment {deploymentId} uses {deployment.Strategy}, not canary; {verb} acts on a canary's traffic steps ('capstan rollback' undoes a finished deployment)")
            { Kind = DeploymentErrorKind.Conflict };
        }

        signal(run);
        await _vault.AppendAuditAsync(
            new AuditRecord(author, $"deploy.{verb}", deployment.App, deployment.Environment, TryParse(deployment.State)?.Service ?? "?", null, deployment.Id),
            cancellationToken).ConfigureAwait(false);
        return deployment;
    }

    /// <summary>
    /// <c>capstan approve DEPLOYMENT</c>: one approval of a deployment awaiting approval (and of the deployments of
    /// the other services the same request started). The token that started it, and a token that already approved,
    /// are refused. The deployment starts once it has its environment's number of reviewers.
    /// </summary>
    public Task<Deployment> ApproveAsync(string app, string deploymentId, string author, string token, CancellationToken cancellationToken) =>
        VoteAsync(app, deploymentId, author, token, reject: null, cancellationToken);

    /// <summary><c>capstan reject DEPLOYMENT --reason</c>: the deployment awaiting approval is cancelled, with the reason.</summary>
    public Task<Deployment> RejectAsync(string app, string deploymentId, string author, string token, string reason, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new DeploymentException("a rejection needs a reason (--reason \"why\"); it is kept with the deployment and in the audit log");
        }

        return VoteAsync(app, deploymentId, author, token, reason, cancellationToken);
    }

    private async Task<Deployment> VoteAsync(string app, string deploymentId, string author, string token, string? reject, CancellationToken cancellationToken)
    {
        var deployment = await _store.Deployments.GetAsync(deploymentId, cancellationToken).ConfigureAwait(false);
        if (deployment is null || deployment.App != app)
        {
            throw new DeploymentException($"app {app} has no deployment {deploymentId}") { Kind = DeploymentErrorKind.NotFound };
        }

        var requested = TryParse(deployment.State);
        var approval = requested?.Approval;
        if (deployment.FinishedAt is not null || approval is null || requested!.Phase != Phases.AwaitingApproval)
        {
            throw new DeploymentException(
                $"deployment {deploymentId} is not awaiting approval ({(deployment.FinishedAt is null ? $"step '{deployment.Step}'" : deployment.Status.ToString().ToLowerInvariant())})")
            { Kind = DeploymentErrorKind.Conflict };
        }

        if (reject is null && approval.RequestedBy == token)
        {
            throw new DeploymentException(
                $"token {token} started deployment {deploymentId}, so it cannot approve it: {approval.Reviewers} other person(s) must ('capstan token create NAME' gives each their own token)")
            { Kind = DeploymentErrorKind.Forbidden };
        }

        if (reject is null && approval.Approvals.Any(a => a.Token == token))
        {
            throw new DeploymentException($"token {token} already approved deployment {deploymentId}; approvals must come from {approval.Reviewers} distinct people") { Kind = DeploymentErrorKind.Conflict };
        }

        // The same vote on every deployment of the request, each saved with its revision (the run only reads them).
        var unfinished = await _store.Deployments.ListUnfinishedAsync(app, cancellationToken).ConfigureAwait(false);
        foreach (var member in unfinished.Where(d => d.Step == Phases.AwaitingApproval && TryParse(d.State)?.Batch == requested.Batch))
        {
            var current = member;
            while (current is not null)
            {
                var state = DeployState.Parse(current.State);
                var vote = state.Approval! with
                {
                    Approvals = reject is null ? [.. state.Approval!.Approvals, new ApprovalVote(author, token, _clock.GetUtcNow())] : state.Approval!.Approvals,
                    RejectedBy = reject is null ? null : author,
                    RejectReason = reject,
                };
                if (await _store.Deployments.TryUpdateAsync(current with { State = (state with { Approval = vote }).ToJson(), UpdatedAt = _clock.GetUtcNow() }, current.Revision, cancellationToken).ConfigureAwait(false) is not null)
                {
                    break;
                }

                current = await _store.Deployments.GetAsync(member.Id, cancellationToken).ConfigureAwait(false);
            }

            if (_runs.TryGetValue(member.Id, out var run))
            {
                run.Wake();
            }
        }

        await _vault.AppendAuditAsync(
            new AuditRecord(author, reject is null ? "deploy.approve" : "deploy.reject", deployment.App, deployment.Environment, requested.Service, null, reject is null ? deployment.Id : $"{deployment.Id}: {reject}"),
            cancellationToken).ConfigureAwait(false);
        return (await _store.Deployments.GetAsync(deploymentId, cancellationToken).ConfigureAwait(false))!;
    }

    internal IStateStore Store => _store;

    internal static Canary.CanarySettings SettingsOf(CanaryStrategy canary) => new()
    {
        Steps = [.. canary.Steps.Select(p => p.Percent)],
        Pause = canary.Pause.Value,
        MinRequests = canary.MinRequests,
        ErrorRateIncrease = canary.AbortIf.ErrorRateIncrease.Fraction,
        P95Increase = canary.AbortIf.P95Increase.Fraction,
        ErrorRateCeiling = canary.AbortIf.ErrorRate.Fraction,
    };

    /// <summary>Waits until no deployment is running (tests, <c>capstan up</c>).</summary>
    public Task WhenIdleAsync() => Task.WhenAll(_running.Values);

    internal LocalAgent Agent => _agent;

    internal SecretVault Vault => _vault;

    internal TimeProvider Clock => _clock;

    internal ILogger Logger => _logger;

    internal string CapstanDirectory => _capstanDirectory;

    internal void Retain(ServiceKey key, string releaseId, DateTimeOffset until) => _retainUntil[(key, releaseId)] = until;

    internal void Unretain(ServiceKey key, string releaseId) => _retainUntil.TryRemove((key, releaseId), out _);

    /// <summary>Saves progress; null when the deployment was changed by someone else (cancelled), which ends the run.</summary>
    internal async Task<Deployment?> SaveAsync(Deployment deployment, string step, DeployState state, CancellationToken cancellationToken)
    {
        var updated = deployment with { Step = step, State = state.ToJson(), UpdatedAt = _clock.GetUtcNow() };
        return await _store.Deployments.TryUpdateAsync(updated, deployment.Revision, cancellationToken).ConfigureAwait(false);
    }

    internal async Task<Deployment?> FinishAsync(Deployment deployment, DeploymentStatus status, string? reason, CancellationToken cancellationToken)
    {
        // The service is free for the next deployment before anyone can read this one as finished: a rollback
        // posted the moment a deploy reports its end must not meet "a deployment is under way".
        if (_runs.ContainsKey(deployment.Id) && _agent.Specs.Find(deployment.ReleaseId) is { } finishing)
        {
            _running.TryRemove(Key(finishing), out _);
        }

        var now = _clock.GetUtcNow();
        var updated = deployment with { Status = status, Step = status == DeploymentStatus.Succeeded ? "done" : deployment.Step, Reason = reason, UpdatedAt = now, FinishedAt = now };
        var stored = await _store.Deployments.TryUpdateAsync(updated, deployment.Revision, cancellationToken).ConfigureAwait(false);
        var spec = _agent.Specs.Find(deployment.ReleaseId);
        var action = deployment.Strategy == "rollback" ? "rollback" : "deploy";
        var outcome = status switch
        {
            DeploymentStatus.Succeeded => "succeeded",
            DeploymentStatus.Cancelled => "cancelled",
            DeploymentStatus.RolledBack => "rolled_back",
            _ => "failed",
        };
        await _vault.AppendAuditAsync(
            new AuditRecord(deployment.CreatedBy, $"{action}.{outcome}", deployment.App, deployment.Environment, spec?.Service ?? "?", (int?)spec?.Version, reason is null ? deployment.Id : $"{deployment.Id}: {reason}"),
            cancellationToken).ConfigureAwait(false);
        return stored;
    }

    /// <summary>Runs a smoke script against one new instance; returns null when it passed, else why it failed.</summary>
    internal async Task<string?> SmokeAsync(Deployment deployment, string script, InstanceStatus target, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(_capstanDirectory, "deployments", deployment.Id);
        Directory.CreateDirectory(folder);
        var environment = JobEnvironment.Create(System.Environment.GetEnvironmentVariable, [], new Dictionary<string, string>
        {
            ["CAPSTAN_TARGET_URL"] = $"http://{target.Address}",
            ["CAPSTAN_ENV"] = deployment.Environment,
            ["CAPSTAN_APP"] = deployment.App,
        });
        var log = new JobLog(Path.Combine(folder, "smoke.log"), SecretMasker.Empty);
        await using var logScope = log.ConfigureAwait(false);
        var result = await ScriptProcess.RunAsync(
            new ScriptStart { Script = script, WorkingDirectory = folder, Environment = environment, Timeout = timeout },
            log,
            _clock,
            cancellationToken).ConfigureAwait(false);
        if (result.Succeeded)
        {
            return null;
        }

        var tail = string.Join(" | ", log.Tail.TakeLast(3));
        return result.End == ScriptEnd.TimedOut
            ? $"the smoke test timed out after {timeout.TotalSeconds:0}s"
            : $"the smoke test failed (exit code {result.ExitCode}){(tail.Length > 0 ? ": " + tail : "")}";
    }

    private async Task JanitorAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), _clock);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                await SweepAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Stops standby releases past their retention and instances no release role claims (left by a crash).</summary>
    internal async Task SweepAsync(CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        foreach (var ((key, releaseId), until) in _retainUntil)
        {
            if (until <= now && _agent.Traffic.RoleOf(key, releaseId) == TrafficRole.Standby && !_running.ContainsKey(key))
            {
                _agent.Traffic.Remove(key, releaseId);
                _retainUntil.TryRemove((key, releaseId), out _);
            }
        }

        foreach (var instance in _agent.Instances())
        {
            var key = new ServiceKey(instance.App, instance.Environment, instance.Service);
            if (instance.Phase != InstancePhase.Stopping && _agent.Traffic.RoleOf(key, instance.ReleaseId) is null && !_running.ContainsKey(key))
            {
                try
                {
                    await _agent.StopInstanceAsync(instance.Id, cancellationToken).ConfigureAwait(false);
                }
                catch (RuntimeException ex)
                {
                    _logger.LogWarning("could not stop instance {Instance} of a release that no longer serves: {Error}", instance.Id, ex.Message);
                }
            }
        }
    }

    internal static ServiceKey Key(ReleaseSpec spec) => new(spec.App, spec.Environment, spec.Service);

    private static DeployState? TryParse(string json)
    {
        try
        {
            return DeployState.Parse(json);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_running.Values.Append(_janitor)).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stopping.Dispose();
    }
}
