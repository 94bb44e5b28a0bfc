using System.Collections.Concurrent;

namespace Capstan.Deployments.Control;

/// <summary>An alert marked <c>guard: true</c> that fires in an environment, with the figures that fired it.</summary>
public sealed record FiringGuard(string Alert, string Description)
{
    public override string ToString() => $"{Alert} ({Description})";
}

/// <summary>
/// The guard alerts firing now, per app and environment. The alert evaluator replaces an environment's set at each
/// evaluation; the deployment controller refuses new deployments of a guarded environment and aborts the ones under
/// way when a guard starts firing. Rollbacks are never blocked.
/// </summary>
public sealed class DeploymentGuards
{
    private readonly ConcurrentDictionary<(string App, string Environment), IReadOnlyList<FiringGuard>> _firing = new();

    /// <summary>Raised with the guards that were not firing before, after <see cref="Set"/> saved them.</summary>
    public event Action<string, string, IReadOnlyList<FiringGuard>>? Fired;

    public IReadOnlyList<FiringGuard> Firing(string app, string environment) =>
        _firing.TryGetValue((app, environment), out var firing) ? firing : [];

    /// <summary>Replaces what fires in the environment; an empty list means nothing guards it.</summary>
    public void Set(string app, string environment, IReadOnlyList<FiringGuard> firing)
    {
        ArgumentNullException.ThrowIfNull(firing);
        var before = Firing(app, environment);
        if (firing.Count == 0)
        {
            _firing.TryRemove((app, environment), out _);
        }
        else
        {
            _firing[(app, environment)] = [.. firing];
        }

        var started = firing.Where(f => before.All(b => b.Alert != f.Alert)).ToList();
        if (started.Count > 0)
        {
            Fired?.Invoke(app, environment, started);
        }
    }
}
