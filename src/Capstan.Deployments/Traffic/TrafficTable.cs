namespace Capstan.Deployments.Traffic;

/// <summary>What the edge does with a release's instances.</summary>
public enum TrafficRole
{
    /// <summary>New requests go to its ready instances.</summary>
    Serving,

    /// <summary>No new requests; requests under way finish.</summary>
    Draining,

    /// <summary>No requests at all; its instances keep running, ready for an instant rollback.</summary>
    Standby,
}

/// <summary>One service in one environment of one app: one backend of the edge.</summary>
public readonly record struct ServiceKey(string App, string Environment, string Service)
{
    /// <summary>The edge backend's name, e.g. <c>hello-staging-web</c>.</summary>
    public string BackendName => $"{App}-{Environment}-{Service}";

    public override string ToString() => $"{Service} in {Environment}";
}

/// <summary>
/// The role of each release of each service, as the deployment controller decides it: the edge configuration is
/// computed from it and from the readiness of the instances. Thread-safe; readers get copies.
/// </summary>
public sealed class TrafficTable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ServiceKey, Dictionary<string, TrafficRole>> _roles = [];

    /// <summary>Raised after every change, outside the lock.</summary>
    public event Action? Changed;

    public IReadOnlyDictionary<string, TrafficRole> RolesOf(ServiceKey key)
    {
        lock (_lock)
        {
            return _roles.TryGetValue(key, out var roles) ? new Dictionary<string, TrafficRole>(roles) : new Dictionary<string, TrafficRole>();
        }
    }

    public IReadOnlyList<ServiceKey> Keys
    {
        get
        {
            lock (_lock)
            {
                return [.. _roles.Keys];
            }
        }
    }

    public TrafficRole? RoleOf(ServiceKey key, string releaseId)
    {
        lock (_lock)
        {
            return _roles.TryGetValue(key, out var roles) && roles.TryGetValue(releaseId, out var role) ? role : null;
        }
    }

    /// <summary>Sets the roles of several releases of a service at once (a traffic switch is one change).</summary>
    public void Set(ServiceKey key, params IEnumerable<(string ReleaseId, TrafficRole Role)> changes)
    {
        lock (_lock)
        {
            if (!_roles.TryGetValue(key, out var roles))
            {
                _roles[key] = roles = [];
            }

            foreach (var (releaseId, role) in changes)
            {
                roles[releaseId] = role;
            }
        }

        Changed?.Invoke();
    }

    private readonly HashSet<string> _drainingInstances = new(StringComparer.Ordinal);

    /// <summary>True when the instance is being drained on its own (a rolling update replaces instances one by one).</summary>
    public bool IsDraining(string instanceId)
    {
        lock (_lock)
        {
            return _drainingInstances.Contains(instanceId);
        }
    }

    /// <summary>Drains single instances, whatever their release's role.</summary>
    public void DrainInstances(IEnumerable<string> instanceIds)
    {
        lock (_lock)
        {
            _drainingInstances.UnionWith(instanceIds);
        }

        Changed?.Invoke();
    }

    /// <summary>Forgets instances drained with <see cref="DrainInstances"/> (they were stopped).</summary>
    public void ForgetInstances(IEnumerable<string> instanceIds)
    {
        lock (_lock)
        {
            _drainingInstances.ExceptWith(instanceIds);
        }
    }

    /// <summary>The release serving a service, or null (none yet, or a switch leaves several: the newest wins).</summary>
    public string? ServingRelease(ServiceKey key)
    {
        lock (_lock)
        {
            return _roles.TryGetValue(key, out var roles)
                ? roles.Where(r => r.Value == TrafficRole.Serving).Select(r => r.Key).Order(StringComparer.Ordinal).LastOrDefault()
                : null;
        }
    }

    private readonly Dictionary<ServiceKey, Dictionary<string, double>> _shares = [];

    /// <summary>
    /// Splits a service's new requests between its serving releases by percentage (a canary step: 5 to the canary,
    /// 95 to the stable release), whatever their instance counts. Without shares, every ready instance weighs the same.
    /// </summary>
    public void SetShares(ServiceKey key, params IEnumerable<(string ReleaseId, double Percent)> shares)
    {
        lock (_lock)
        {
            _shares[key] = shares.ToDictionary(s => s.ReleaseId, s => s.Percent, StringComparer.Ordinal);
        }

        Changed?.Invoke();
    }

    /// <summary>Back to equal weights per instance.</summary>
    public void ClearShares(ServiceKey key)
    {
        lock (_lock)
        {
            if (!_shares.Remove(key))
            {
                return;
            }
        }

        Changed?.Invoke();
    }

    /// <summary>The percentage of new requests set for a release, or null when the service has no shares.</summary>
    public double? ShareOf(ServiceKey key, string releaseId)
    {
        lock (_lock)
        {
            return _shares.TryGetValue(key, out var shares) ? shares.GetValueOrDefault(releaseId) : null;
        }
    }

    /// <summary>Forgets a release: its instances get no traffic and are not kept.</summary>
    public void Remove(ServiceKey key, string releaseId)
    {
        lock (_lock)
        {
            if (_roles.TryGetValue(key, out var roles))
            {
                roles.Remove(releaseId);
            }
        }

        Changed?.Invoke();
    }
}
