using Capstan.Deployments.Agent;
using Capstan.Deployments.Canary;
using Capstan.Deployments.Releases;
using Capstan.Deployments.Traffic;
using Capstan.Edge;
using Capstan.Runtime;
using Capstan.Runtime.Instances;
using Capstan.State;
using Microsoft.Extensions.Logging;

namespace Capstan.Deployments.Control;

/// <summary>One deployment carried out: the steps of its strategy, each saved before the next.</summary>
internal sealed class DeploymentRun(DeploymentController controller, Deployment deployment, ReleaseSpec spec, bool resumed)
{
    private readonly ServiceKey _key = DeploymentController.Key(spec);
    private readonly string? _previous = deployment.PreviousReleaseId is { } p && p != spec.ReleaseId ? p : null;
    private Deployment _deployment = deployment;
    private DeployState _state = DeployState.Parse(deployment.State);
    private readonly SemaphoreSlim _wake = new(0);
    private string? _abortedBy;
    private string? _promotedBy;
    private DateTimeOffset? _canaryTrafficSince;
    private readonly CancellationTokenSource _rollback = new();
    private string? _rolledBackBy;
    private string? _guardedBy;

    public ServiceKey Key => _key;

    /// <summary>
    /// <c>capstan rollback</c> while this deployment is under way (never blocked by it): the deployment stops where it
    /// is and the previous release serves, as after a failure; it ends <c>rolled_back</c>.
    /// </summary>
    public void RequestRollback(string author)
    {
        Interlocked.CompareExchange(ref _rolledBackBy, author, null);
        _rollback.Cancel();
        _wake.Release();
    }

    /// <summary>
    /// A guard alert of the environment started firing: the deployment stops where it is and the previous release
    /// serves, as after a failure. Rollbacks and guards this deployment was forced past are not stopped.
    /// </summary>
    public void RequestGuardAbort(IReadOnlyList<FiringGuard> started)
    {
        var stopping = started.Where(g => !_state.GuardsOverridden.Contains(g.Alert)).ToList();
        if (_deployment.Strategy == "rollback" || stopping.Count == 0)
        {
            return;
        }

        Interlocked.CompareExchange(ref _guardedBy, string.Join("; ", stopping), null);
        _rollback.Cancel();
        _wake.Release();
    }

    private LocalAgent Agent => controller.Agent;

    public string DeploymentId => _deployment.Id;

    public string Strategy => _deployment.Strategy;

    /// <summary>True while a canary walks its steps: the time <c>capstan abort</c> and <c>capstan promote</c> act on.</summary>
    public bool InCanarySteps => _state.Phase == Phases.Canary;

    /// <summary>Wakes the run to read its deployment again (an approval or a rejection was saved).</summary>
    public void Wake() => _wake.Release();

    /// <summary>Asks a canary in its steps to abort: weight 0 at once, then drain and stop, deployment failed.</summary>
    public void RequestAbort(string author)
    {
        Interlocked.CompareExchange(ref _abortedBy, author, null);
        _wake.Release();
    }

    /// <summary>Asks a canary in its steps to skip the rest and take all traffic.</summary>
    public void RequestPromote(string author)
    {
        Interlocked.CompareExchange(ref _promotedBy, author, null);
        _wake.Release();
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, _rollback.Token);
        var cancellationToken = linked.Token;
        try
        {
            if (_state.Phase == Phases.AwaitingApproval)
            {
                // Also after a restart: the approvals are saved with the deployment, so the wait goes on.
                if (!await AwaitApprovalAsync(cancellationToken).ConfigureAwait(false))
                {
                    return;
                }
            }
            else if (resumed && !_state.Switched)
            {
                // Traffic never left the previous release: undo what was started and say why.
                await FailAsync(_state.Phase == Phases.Canary
                    ? $"the server stopped during canary step {Percent(_state.Canary!.Steps[_state.CanaryStep])}; the canary was aborted and the stable release takes all traffic again. Deploy again."
                    : $"the server stopped during step '{_deployment.Step}' before traffic switched; the previous release kept serving. Deploy again.", cancellationToken).ConfigureAwait(false);
                return;
            }

            // A guard that fires while the deployment waited (queued, or for approval) stops it before it starts.
            if (!_state.Switched && _deployment.Strategy != "rollback"
                && controller.Guards.Firing(_key.App, _key.Environment).Where(g => !_state.GuardsOverridden.Contains(g.Alert)).ToList() is { Count: > 0 } firing)
            {
                await FailAsync($"blocked: guard alert {string.Join("; ", firing)} fires in '{_key.Environment}'; deploy again once it resolves", cancellationToken).ConfigureAwait(false);
                return;
            }

            if (_state.Switched)
            {
                await FinishSwitchAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                switch (_deployment.Strategy)
                {
                    case "recreate":
                        await RecreateAsync(cancellationToken).ConfigureAwait(false);
                        break;
                    case "rolling":
                        await RollingAsync(cancellationToken).ConfigureAwait(false);
                        break;
                    case "canary":
                        await CanaryAsync(cancellationToken).ConfigureAwait(false);
                        break;
                    default: // blue-green and rollback
                        await BlueGreenAsync(cancellationToken).ConfigureAwait(false);
                        break;
                }
            }

            await controller.FinishAsync(_deployment, DeploymentStatus.Succeeded, Summary(), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (_rolledBackBy is { } by && !stopping.IsCancellationRequested && ex is OperationCanceledException or DeploymentFailedException)
        {
            await FailAsync($"rolled back by {by} during step '{_deployment.Step}'; the previous release serves", stopping, DeploymentStatus.RolledBack).ConfigureAwait(false);
        }
        catch (Exception ex) when (_guardedBy is { } guard && !stopping.IsCancellationRequested && ex is OperationCanceledException or DeploymentFailedException)
        {
            await FailAsync($"aborted during step '{_deployment.Step}': guard alert {guard} fired; the previous release serves", stopping).ConfigureAwait(false);
        }
        catch (DeploymentFailedException ex)
        {
            await FailAsync(ex.Message, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The server is stopping: the deployment stays unfinished and is resumed or failed at the next start.
        }
        catch (Exception ex) when (ex is RuntimeException or EdgeException or DeploymentException or Secrets.SecretsException)
        {
            await FailAsync(ex.Message, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            controller.Logger.LogError(ex, "deployment {Deployment} failed unexpectedly", _deployment.Id);
            await FailAsync($"unexpected error: {ex.GetType().Name}: {ex.Message}", cancellationToken).ConfigureAwait(false);
        }
    }

    private string Summary() => _deployment.Strategy switch
    {
        "rollback" => $"{_key} rolled back to {spec.VersionLabel}",
        "canary" when _state.PromotedBy is { } by => $"{spec.VersionLabel} serves {_key}: promoted by {by} at canary step {Percent(_state.Canary!.Steps[_state.CanaryStep])}; {_state.Analysis}",
        "canary" when _state.Analysis is { } analysis => $"{spec.VersionLabel} serves {_key}: every canary step passed; last step: {analysis}",
        _ => $"{spec.VersionLabel} serves {_key}",
    };

    // ---- strategies ------------------------------------------------------------------------------

    /// <summary>Start a full new set, wait until every instance is ready, smoke-test, switch all traffic at once, drain the old set, keep it in standby.</summary>
    private async Task BlueGreenAsync(CancellationToken cancellationToken)
    {
        // A rollback to a release still in standby switches at once; it only starts what is missing afterwards.
        var standbyReady = Agent.InstancesOf(_key, spec.ReleaseId).Where(i => i.Phase == InstancePhase.Ready).ToList();
        if (_deployment.Strategy == "rollback" && standbyReady.Count > 0)
        {
            await SwitchAsync(cancellationToken).ConfigureAwait(false);
            await TopUpAsync(cancellationToken).ConfigureAwait(false);
            await FinishSwitchAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        Agent.Traffic.Set(_key, (spec.ReleaseId, TrafficRole.Standby));
        await StartAndWaitAsync(spec.Replicas - Agent.InstancesOf(_key, spec.ReleaseId).Count, cancellationToken).ConfigureAwait(false);
        await SmokeAsync(cancellationToken).ConfigureAwait(false);
        await SwitchAsync(cancellationToken).ConfigureAwait(false);
        await FinishSwitchAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Start a full new set and wait until it is ready (and smoke-tested), then walk the traffic steps: at each, the
    /// new release takes that share of new requests and is compared with the stable release every second
    /// (<see cref="CanaryJudge"/>) until the step passes, fails, or runs out of time. A failure aborts (weight 0 at
    /// once, then drain and stop); the last step, or <c>capstan promote</c>, switches all traffic and retires the
    /// stable release.
    /// </summary>
    private async Task CanaryAsync(CancellationToken cancellationToken)
    {
        var settings = _state.Canary ?? throw new DeploymentException($"deployment {_deployment.Id} is a canary without canary settings");
        Agent.Traffic.Set(_key, (spec.ReleaseId, TrafficRole.Standby));
        await StartAndWaitAsync(spec.Replicas - Agent.InstancesOf(_key, spec.ReleaseId).Count, cancellationToken).ConfigureAwait(false);
        await SmokeAsync(cancellationToken).ConfigureAwait(false);
        if (_previous is null)
        {
            // Nothing to compare with: the first release of a service takes all traffic, as with blue-green.
            _state = _state with { Analysis = "first release of the service: no stable release to compare with, all traffic switched at once" };
            await SwitchAsync(cancellationToken).ConfigureAwait(false);
            await FinishSwitchAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        for (var step = 0; step < settings.Steps.Count && settings.Steps[step] < 100; step++)
        {
            var percent = settings.Steps[step];
            // Shares first, then roles: with both releases serving and no shares yet, each instance would weigh the
            // same, and one canary beside one stable instance would get half the requests for a moment.
            Agent.Traffic.SetShares(_key, (spec.ReleaseId, percent), (_previous, 100 - percent));
            Agent.Traffic.Set(_key, (spec.ReleaseId, TrafficRole.Serving), (_previous, TrafficRole.Serving));
            await Agent.ApplyAsync(cancellationToken).ConfigureAwait(false);
            _state = _state with { CanaryStep = step, Analysis = null };
            await Step(Phases.Canary, cancellationToken).ConfigureAwait(false);
            if (!await AnalyseStepAsync(settings, percent, cancellationToken).ConfigureAwait(false))
            {
                break; // promoted by a person
            }
        }

        // All new requests to the canary, the stable release draining; then the shares no longer matter.
        await SwitchAsync(cancellationToken).ConfigureAwait(false);
        Agent.Traffic.ClearShares(_key);
        await FinishSwitchAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Looks at the step's figures every second until it passes (true), or a person promotes (false); throws when it
    /// fails, is aborted, or has no verdict by the end of the pause plus the progress deadline ("inconclusive", never
    /// a pass).
    /// </summary>
    private async Task<bool> AnalyseStepAsync(CanarySettings settings, double percent, CancellationToken cancellationToken)
    {
        var started = controller.Clock.GetUtcNow();
        _canaryTrafficSince ??= started;
        var deadline = started + settings.Pause + _state.ProgressDeadline;
        var lastSaved = started;
        var label = $"canary step {Percent(percent)}";
        while (true)
        {
            // A second between looks, cut short by abort or promote.
            await _wake.WaitAsync(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            if (Volatile.Read(ref _abortedBy) is { } abortedBy)
            {
                throw new DeploymentFailedException($"{label}: aborted by {abortedBy}{(_state.Analysis is { } a ? $"; figures then: {a}" : "")}");
            }

            if (Volatile.Read(ref _promotedBy) is { } promotedBy)
            {
                _state = _state with { PromotedBy = promotedBy };
                return false;
            }

            var now = controller.Clock.GetUtcNow();
            var window = now - started;
            string[] canaryIds = [.. Agent.InstancesOf(_key, spec.ReleaseId).Select(i => i.Id)];
            string[] stableIds = [.. Agent.InstancesOf(_key, _previous!).Select(i => i.Id)];
            var canary = Agent.Edge.Metrics.SnapshotOf(_key.BackendName, canaryIds, window);
            var stable = Agent.Edge.Metrics.SnapshotOf(_key.BackendName, stableIds, window);
            // Latency is compared over the part of the step after the canary's warm-up.
            var warmWindow = now - (_canaryTrafficSince!.Value + CanaryJudge.WarmUp > started ? _canaryTrafficSince.Value + CanaryJudge.WarmUp : started);
            var warm = warmWindow >= TimeSpan.FromSeconds(1);
            var verdict = CanaryJudge.Judge(
                canary,
                stable,
                settings,
                pauseOver: window >= settings.Pause,
                canaryWarm: warm ? Agent.Edge.Metrics.SnapshotOf(_key.BackendName, canaryIds, warmWindow) : null,
                stableWarm: warm ? Agent.Edge.Metrics.SnapshotOf(_key.BackendName, stableIds, warmWindow) : null);
            _state = _state with { Analysis = $"{label}, {window.TotalSeconds:0}s: {verdict.Figures}" };
            switch (verdict.Outcome)
            {
                case CanaryOutcome.Fail:
                    throw new DeploymentFailedException($"{label} failed the analysis after {window.TotalSeconds:0}s: {verdict.Figures}");
                case CanaryOutcome.Pass:
                    await Step(Phases.Canary, cancellationToken).ConfigureAwait(false);
                    return true;
                case CanaryOutcome.Wait when now >= deadline:
                    throw new DeploymentFailedException(
                        $"{label} reached no verdict within its pause ({Format(settings.Pause)}) and the progress deadline ({Format(_state.ProgressDeadline)}): {verdict.Figures}");
            }

            if (now - lastSaved >= TimeSpan.FromSeconds(5))
            {
                // The latest figures, for 'capstan status' and 'capstan deployments' while the step waits.
                await Step(Phases.Canary, cancellationToken).ConfigureAwait(false);
                lastSaved = now;
            }
        }
    }

    private static string Percent(double percent) => $"{percent:0.##}%";

    /// <summary>
    /// Waits, reading the deployment every second or when woken, until it has its approvals (true: go on), is
    /// rejected or its approval expires (false: it ended cancelled; nothing was started).
    /// </summary>
    private async Task<bool> AwaitApprovalAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var stored = await controller.Store.Deployments.GetAsync(_deployment.Id, cancellationToken).ConfigureAwait(false)
                ?? throw new DeploymentException($"deployment {_deployment.Id} is gone");
            _deployment = stored;
            _state = DeployState.Parse(stored.State);
            var approval = _state.Approval!;
            if (approval.RejectedBy is { } by)
            {
                await controller.FinishAsync(_deployment, DeploymentStatus.Cancelled, $"rejected by {by}: {approval.RejectReason}", CancellationToken.None).ConfigureAwait(false);
                return false;
            }

            if (approval.Approvals.Count >= approval.Reviewers)
            {
                _deployment = _deployment with { Status = DeploymentStatus.InProgress };
                _state = _state with { Analysis = null };
                await Step(Phases.Created, cancellationToken).ConfigureAwait(false);
                return true;
            }

            if (controller.Clock.GetUtcNow() >= approval.ExpiresAt)
            {
                await controller.FinishAsync(
                    _deployment,
                    DeploymentStatus.Cancelled,
                    $"approval expired: {approval.Approvals.Count} of {approval.Reviewers} approval(s) by {approval.ExpiresAt:yyyy-MM-dd HH:mm:ss} UTC",
                    CancellationToken.None).ConfigureAwait(false);
                return false;
            }

            await _wake.WaitAsync(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Replace instances a few at a time: at most max_surge above and max_unavailable below the desired count.</summary>
    private async Task RollingAsync(CancellationToken cancellationToken)
    {
        var desired = spec.Replicas;
        // New instances serve as soon as they are ready, next to the old ones.
        Agent.Traffic.Set(_key, (spec.ReleaseId, TrafficRole.Serving));
        await Step(Phases.Starting, cancellationToken).ConfigureAwait(false);
        var smoked = _state.Smoke is null;
        while (true)
        {
            var old = _previous is null ? [] : Agent.InstancesOf(_key, _previous).Where(i => !Agent.Traffic.IsDraining(i.Id)).ToList();
            var fresh = Agent.InstancesOf(_key, spec.ReleaseId);
            var freshReady = fresh.Count(i => i.Phase == InstancePhase.Ready);
            if (old.Count == 0 && freshReady >= desired)
            {
                break;
            }

            var room = desired + _state.MaxSurge - (old.Count + fresh.Count);
            var toStart = Math.Min(room, desired - fresh.Count);
            if (toStart > 0)
            {
                await StartAndWaitAsync(toStart, cancellationToken).ConfigureAwait(false);
                if (!smoked)
                {
                    await SmokeAsync(cancellationToken).ConfigureAwait(false);
                    smoked = true;
                }

                continue;
            }

            var available = old.Count(i => i.Phase == InstancePhase.Ready) + freshReady;
            var toStop = Math.Min(old.Count, available - (desired - _state.MaxUnavailable));
            if (toStop <= 0)
            {
                throw new DeploymentFailedException(
                    $"the rolling update cannot go on: {freshReady} new and {old.Count} old instance(s), max_surge {_state.MaxSurge}, max_unavailable {_state.MaxUnavailable}");
            }

            await RetireAsync(old.Take(toStop).Select(i => i.Id).ToList(), cancellationToken).ConfigureAwait(false);
        }

        if (_previous is not null)
        {
            Agent.Traffic.Remove(_key, _previous);
        }

        await Agent.ApplyAsync(cancellationToken).ConfigureAwait(false);
        await Step(Phases.Done, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stop the old instances, then start the new ones: downtime, for services that cannot run twice.</summary>
    private async Task RecreateAsync(CancellationToken cancellationToken)
    {
        if (_previous is not null)
        {
            var old = Agent.InstancesOf(_key, _previous).Select(i => i.Id).ToList();
            await RetireAsync(old, cancellationToken).ConfigureAwait(false);
        }

        Agent.Traffic.Set(_key, (spec.ReleaseId, TrafficRole.Serving));
        await StartAndWaitAsync(spec.Replicas - Agent.InstancesOf(_key, spec.ReleaseId).Count, cancellationToken).ConfigureAwait(false);
        await SmokeAsync(cancellationToken).ConfigureAwait(false);
        if (_previous is not null)
        {
            Agent.Traffic.Remove(_key, _previous);
        }

        await Agent.ApplyAsync(cancellationToken).ConfigureAwait(false);
        await Step(Phases.Done, cancellationToken).ConfigureAwait(false);
    }

    // ---- steps -----------------------------------------------------------------------------------

    private async Task StartAndWaitAsync(int count, CancellationToken cancellationToken)
    {
        await Step(Phases.Starting, cancellationToken).ConfigureAwait(false);
        var started = new List<InstanceStatus>();
        for (var i = 0; i < count; i++)
        {
            var instance = await Agent.StartInstanceAsync(spec, cancellationToken).ConfigureAwait(false);
            started.Add(instance);
            _state = _state with { NewInstances = [.. _state.NewInstances, instance.Id] };
            await Step(Phases.Starting, cancellationToken).ConfigureAwait(false);
        }

        var ready = await Task.WhenAll(started.Select(i => WaitUntilReadyAsync(i.Id, cancellationToken))).ConfigureAwait(false);
        if (ready.All(r => r))
        {
            return;
        }

        var failed = started.Where((_, i) => !ready[i]).Select(i => Agent.Supervisor.Get(i.Id) ?? i).ToList();
        // A crash loop ends the wait early (WaitUntilReadyAsync): then the deadline did not pass, and saying it did would mislead.
        var crashLoop = controller.Clock.GetUtcNow() < _deployment.CreatedAt + _state.ProgressDeadline
            && failed.Any(i => i is { Phase: InstancePhase.BackingOff, Restarts: >= ExitsBeforeReadyTolerated });
        var why = crashLoop
            ? $": it exited at each of its first {ExitsBeforeReadyTolerated + 1} starts (a crash loop; the progress deadline of {Format(_state.ProgressDeadline)} was not waited out)"
            : $" within the progress deadline of {Format(_state.ProgressDeadline)}";
        throw new DeploymentFailedException(
            $"{spec.VersionLabel} did not become ready{why}: {string.Join("; ", failed.Select(Describe))}. " +
            $"See 'capstan logs {spec.Service} --env {spec.Environment}'");
    }

    /// <summary>
    /// How many restarts a new instance may need before its first readiness and still be waited for (it restarts with
    /// backoff, 1 s then 2 s): a one-off failure such as a port taken between the check and the bind must not fail the
    /// deployment; a release that crashes at every start fails at its third exit, without waiting out the progress
    /// deadline.
    /// </summary>
    internal const int ExitsBeforeReadyTolerated = 2;

    private async Task<bool> WaitUntilReadyAsync(string instanceId, CancellationToken cancellationToken)
    {
        while (true)
        {
            var left = _deployment.CreatedAt + _state.ProgressDeadline - controller.Clock.GetUtcNow();
            if (await Agent.WaitUntilReadyAsync(instanceId, left > TimeSpan.Zero ? left : TimeSpan.Zero, cancellationToken).ConfigureAwait(false))
            {
                return true;
            }

            if (left <= TimeSpan.Zero || Agent.Supervisor.Get(instanceId) is not { Phase: InstancePhase.BackingOff } status || status.Restarts >= ExitsBeforeReadyTolerated)
            {
                return false;
            }

            // Backing off after an early exit: wait for the restart, then for readiness again.
            await Task.Delay(TimeSpan.FromMilliseconds(200), controller.Clock, cancellationToken).ConfigureAwait(false);
            while (Agent.Supervisor.Get(instanceId) is { Phase: InstancePhase.BackingOff } && controller.Clock.GetUtcNow() < _deployment.CreatedAt + _state.ProgressDeadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), controller.Clock, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static string Describe(InstanceStatus instance)
    {
        var why = instance.LastExit is { } exit ? $"it exited ({exit})" : instance.LastError ?? $"it is {instance.Phase.ToString().ToLowerInvariant()}";
        return $"instance {instance.Id} {why}{(instance.Restarts > 0 ? $", restarted {instance.Restarts} time(s)" : "")}";
    }

    private async Task SmokeAsync(CancellationToken cancellationToken)
    {
        if (_state.Smoke is not { } script)
        {
            return;
        }

        await Step(Phases.Smoke, cancellationToken).ConfigureAwait(false);
        var target = Agent.InstancesOf(_key, spec.ReleaseId).First(i => i.Phase == InstancePhase.Ready);
        var left = _deployment.CreatedAt + _state.ProgressDeadline - controller.Clock.GetUtcNow();
        if (await controller.SmokeAsync(_deployment, script, target, left > TimeSpan.FromSeconds(5) ? left : TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false) is { } failure)
        {
            throw new DeploymentFailedException(failure + "; traffic did not switch");
        }
    }

    /// <summary>New requests go to the new release, requests under way on the old one finish.</summary>
    private async Task SwitchAsync(CancellationToken cancellationToken)
    {
        var changes = new List<(string, TrafficRole)> { (spec.ReleaseId, TrafficRole.Serving) };
        if (_previous is not null)
        {
            changes.Add((_previous, TrafficRole.Draining));
        }

        Agent.Traffic.Set(_key, changes);
        await Agent.ApplyAsync(cancellationToken).ConfigureAwait(false);
        controller.Unretain(_key, spec.ReleaseId);
        await Step(Phases.Switched, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>After the switch: drain the old release, then keep it in standby for the retention window (or stop it).</summary>
    private async Task FinishSwitchAsync(CancellationToken cancellationToken)
    {
        // Idempotent: a resumed deployment re-applies the switch before draining.
        var changes = new List<(string, TrafficRole)> { (spec.ReleaseId, TrafficRole.Serving) };
        if (_previous is not null)
        {
            changes.Add((_previous, TrafficRole.Draining));
        }

        Agent.Traffic.Set(_key, changes);
        await Agent.ApplyAsync(cancellationToken).ConfigureAwait(false);
        await Step(Phases.Draining, cancellationToken).ConfigureAwait(false);
        if (_previous is not null)
        {
            var old = Agent.InstancesOf(_key, _previous).Select(i => i.Id).ToList();
            await Agent.DrainAsync(_key, old, spec.DrainTimeout, cancellationToken).ConfigureAwait(false);
            if (_state.Retention > TimeSpan.Zero)
            {
                var until = controller.Clock.GetUtcNow() + _state.Retention;
                Agent.Traffic.Set(_key, (_previous, TrafficRole.Standby));
                controller.Retain(_key, _previous, until);
                _state = _state with { RetainUntil = until };
            }
            else
            {
                Agent.Traffic.Remove(_key, _previous);
                foreach (var id in old)
                {
                    await Agent.StopInstanceAsync(id, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        await Step(Phases.Done, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A rollback switched to a release in standby that had fewer instances than it needs: start the rest.</summary>
    private async Task TopUpAsync(CancellationToken cancellationToken)
    {
        var missing = spec.Replicas - Agent.InstancesOf(_key, spec.ReleaseId).Count;
        if (missing > 0)
        {
            await StartAndWaitAsync(missing, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Drains instances on their own, then stops them.</summary>
    private async Task RetireAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken)
    {
        Agent.Traffic.DrainInstances(instanceIds);
        await Agent.ApplyAsync(cancellationToken).ConfigureAwait(false);
        await Agent.DrainAsync(_key, instanceIds, spec.DrainTimeout, cancellationToken).ConfigureAwait(false);
        foreach (var id in instanceIds)
        {
            await Agent.StopInstanceAsync(id, cancellationToken).ConfigureAwait(false);
        }

        Agent.Traffic.ForgetInstances(instanceIds);
    }

    // ---- failure ---------------------------------------------------------------------------------

    /// <summary>
    /// Puts the previous release back as it was (serving, at its full count) and stops what this deployment started,
    /// then records the failure. The previous release served throughout, except under recreate.
    /// </summary>
    private async Task FailAsync(string reason, CancellationToken cancellationToken, DeploymentStatus status = DeploymentStatus.Failed)
    {
        try
        {
            var current = Agent.Traffic.RoleOf(_key, spec.ReleaseId);
            var keepsServing = current == TrafficRole.Serving && _previous is null && _deployment.Strategy == "rollback";
            if (_previous is not null)
            {
                // The previous release takes every new request at once, in one change (a canary's weight drops to 0
                // here); requests the new release is serving finish before its instances stop.
                // A resumed canary may have been taking its share when the server stopped: HAProxy still sends it.
                var draining = (current == TrafficRole.Serving && _deployment.Strategy is "canary" or "rolling")
                    || (resumed && _state.Phase == Phases.Canary);
                Agent.Traffic.Set(_key, draining
                    ? [(_previous, TrafficRole.Serving), (spec.ReleaseId, TrafficRole.Draining)]
                    : [(_previous, TrafficRole.Serving)]);
                Agent.Traffic.ClearShares(_key);
                Agent.Traffic.ForgetInstances(Agent.InstancesOf(_key, _previous).Select(i => i.Id));
                if (draining)
                {
                    await Agent.ApplyAsync(cancellationToken).ConfigureAwait(false);
                    await Agent.DrainAsync(_key, _state.NewInstances, spec.DrainTimeout, cancellationToken).ConfigureAwait(false);
                }
            }

            Agent.Traffic.ClearShares(_key);

            if (!keepsServing)
            {
                // A rollback target that was in standby goes back to standby; a new release goes away.
                if (_deployment.Strategy == "rollback" && _state.NewInstances.Count == 0)
                {
                    Agent.Traffic.Set(_key, (spec.ReleaseId, TrafficRole.Standby));
                }
                else
                {
                    Agent.Traffic.Remove(_key, spec.ReleaseId);
                }
            }

            await Agent.ApplyAsync(cancellationToken).ConfigureAwait(false);
            foreach (var id in _state.NewInstances)
            {
                if (Agent.Supervisor.Get(id) is not null)
                {
                    await Agent.StopInstanceAsync(id, cancellationToken).ConfigureAwait(false);
                }
            }

            if (_previous is not null && controller.Agent.Specs.Find(_previous) is { } previous)
            {
                var missing = previous.Replicas - Agent.InstancesOf(_key, _previous).Count;
                for (var i = 0; i < missing; i++)
                {
                    await Agent.StartInstanceAsync(previous, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is RuntimeException or EdgeException or DeploymentException)
        {
            reason += $" (and restoring the previous release hit: {ex.Message})";
        }

        await controller.FinishAsync(_deployment, status, reason, CancellationToken.None).ConfigureAwait(false);
    }

    private async Task Step(string phase, CancellationToken cancellationToken)
    {
        _state = _state with { Phase = phase };
        var step = phase == Phases.Canary ? $"canary {Percent(_state.Canary!.Steps[_state.CanaryStep])}" : phase;
        var saved = await controller.SaveAsync(_deployment, step, _state, cancellationToken).ConfigureAwait(false);
        _deployment = saved ?? throw new OperationCanceledException($"deployment {_deployment.Id} was changed by someone else");
    }

    private static string Format(TimeSpan span) =>
        span.TotalMinutes >= 1 && span.Seconds == 0 ? $"{span.TotalMinutes:0}m" : $"{span.TotalSeconds:0.#}s";
}

/// <summary>A deployment step failed for a reason the user should read.</summary>
internal sealed class DeploymentFailedException(string message) : Exception(message);
