using Capstan.Runtime.Health;
using Capstan.Runtime.Instances;
using Capstan.Runtime.Ports;
using Capstan.State;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Capstan.Runtime.Supervision;

/// <summary>
/// Runs the instances of releases as supervised processes, each under its own shim (<see cref="Shim.InstanceShim"/>)
/// that outlives Capstan: probes them, restarts them with backoff when they crash or fail liveness, and stops them.
/// On start it reads every instance's record and adopts the instances that still run, so that a restarted Capstan
/// takes up where the last one left off without starting duplicates. docs/runtime.md has the design.
/// </summary>
/// <remarks>
/// Disposing stops supervising and leaves the instances running: Capstan restarting must not drop traffic.
/// <see cref="StopAllAsync"/> stops them.
/// </remarks>
public sealed class Supervisor : IAsyncDisposable
{
    private readonly PortAllocator _ports;
    private readonly CancellationTokenSource _disposing = new();
    private readonly Lock _lock = new();
    private readonly Dictionary<string, SupervisedInstance> _instances = new(StringComparer.Ordinal);
    private int _disposed;

    private Supervisor(SupervisorOptions options)
    {
        Options = options;
        Root = Path.GetFullPath(options.Root);
        Logger = options.Logger ?? NullLogger.Instance;
        _ports = new PortAllocator(options.Ports);
        Prober = new HealthProber(options.TimeProvider);
    }

    /// <summary>
    /// An instance's status changed. Raised on the supervisor's threads, one instance's changes in order; keep handlers
    /// quick (a slow handler delays that instance's supervision), and an exception in one is logged and ignored.
    /// </summary>
    public event EventHandler<InstanceChangedEventArgs>? InstanceChanged;

    /// <summary>The instances folder, full path.</summary>
    public string Root { get; }

    internal SupervisorOptions Options { get; }

    internal ILogger Logger { get; }

    internal HealthProber Prober { get; }

    /// <summary>
    /// Starts supervising the instances folder: each recorded instance whose shim and service still run (the same
    /// processes, checked by start time) is adopted; one whose processes are gone is restarted per the backoff, unless
    /// it was being stopped, which is then finished.
    /// </summary>
    /// <exception cref="RuntimeException">The options are not valid.</exception>
    public static Task<Supervisor> StartAsync(SupervisorOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ThrowIfInvalid(options);
        var supervisor = new Supervisor(options);
        try
        {
            supervisor.TakeOverRecorded(cancellationToken);
        }
        catch
        {
            supervisor.Prober.Dispose();
            supervisor._disposing.Dispose();
            throw;
        }

        return Task.FromResult(supervisor);
    }

    /// <summary>The folder of an instance, where its record and logs are (<see cref="Logs.InstanceLogs"/> reads them).</summary>
    public string DirectoryOf(string instanceId) => Path.Combine(Root, instanceId);

    /// <summary>
    /// Starts a new instance: allocates its port, writes its record, launches its shim. It is
    /// <see cref="InstancePhase.Starting"/> until its first readiness probe passes (<see cref="WaitUntilReadyAsync"/>).
    /// </summary>
    /// <exception cref="RuntimeException">The spec is not valid (every problem is listed), the id is taken, no port is free, or the shim cannot be started.</exception>
    public async Task<InstanceStatus> StartInstanceAsync(InstanceSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var errors = spec.Validate();
        if (errors.Count > 0)
        {
            throw new RuntimeException($"instance spec '{spec.Id}' is not valid:\n" + string.Join('\n', errors.Select(e => "  - " + e)));
        }

        SupervisedInstance instance;
        var directory = DirectoryOf(spec.Id);
        lock (_lock)
        {
            if (_instances.ContainsKey(spec.Id) || Directory.Exists(directory))
            {
                throw new RuntimeException($"instance {spec.Id} exists already; give each instance a new id (InstanceSpec.NewId())");
            }

            var port = _ports.Allocate(IsHeld);
            Directory.CreateDirectory(directory);
            instance = SupervisedInstance.Create(this, spec, new InstanceFiles(directory), port);
            _instances[spec.Id] = instance;
        }

        try
        {
            await instance.LaunchAsync(restart: false, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            lock (_lock)
            {
                _instances.Remove(spec.Id);
            }

            Directory.Delete(directory, recursive: true);
            throw;
        }

        instance.StartLoop(TakeOver.Launched, _disposing.Token);
        return instance.Status;
    }

    /// <summary>Every instance, by id.</summary>
    public IReadOnlyList<InstanceStatus> List()
    {
        lock (_lock)
        {
            return [.. _instances.Values.Select(i => i.Status).OrderBy(s => s.Id, StringComparer.Ordinal)];
        }
    }

    /// <summary>The instance's status; null when there is no such instance (or it was stopped).</summary>
    public InstanceStatus? Get(string instanceId)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        return Find(instanceId)?.Status;
    }

    /// <summary>
    /// True once the instance is <see cref="InstancePhase.Ready"/>; false when <paramref name="deadline"/> (on the
    /// supervisor's clock) passes first, when the instance fails first (its process exits: it backs off) or is stopped,
    /// or when there is no such instance.
    /// </summary>
    public Task<bool> WaitUntilReadyAsync(string instanceId, TimeSpan deadline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        return Find(instanceId) is { } instance
            ? instance.WaitUntilReadyAsync(deadline, cancellationToken)
            : Task.FromResult(false);
    }

    /// <summary>
    /// Stops an instance: SIGTERM to its service's process group, SIGKILL to the group when it has not exited after
    /// <paramref name="grace"/> (its spec's <see cref="InstanceSpec.GracePeriod"/> when null), then removes its folder.
    /// Returns once it is gone; an unknown id is already stopped. Cancelling stops the wait, not the stop.
    /// </summary>
    public async Task StopInstanceAsync(string instanceId, TimeSpan? grace, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        if (Find(instanceId) is not { } instance)
        {
            return;
        }

        instance.RequestStop(grace);
        await instance.Stopped.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops every instance at once (for <c>capstan up</c> on Ctrl+C), as <see cref="StopInstanceAsync"/> does.</summary>
    public async Task StopAllAsync(TimeSpan? grace, CancellationToken cancellationToken)
    {
        List<SupervisedInstance> all;
        lock (_lock)
        {
            all = [.. _instances.Values];
        }

        foreach (var instance in all)
        {
            instance.RequestStop(grace);
        }

        await Task.WhenAll(all.Select(i => i.Stopped)).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops supervising. The instances keep running; a supervisor started later on the same folder adopts them.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _disposing.CancelAsync().ConfigureAwait(false);
        List<SupervisedInstance> all;
        lock (_lock)
        {
            all = [.. _instances.Values];
        }

        await Task.WhenAll(all.Select(i => i.Loop)).ConfigureAwait(false);
        foreach (var instance in all)
        {
            instance.ShimProcess?.Dispose();
        }

        Prober.Dispose();
        _disposing.Dispose();
    }

    /// <summary>A new port for an instance whose port was taken while it was down.</summary>
    internal int AllocatePortFor(SupervisedInstance instance)
    {
        lock (_lock)
        {
            return _ports.Allocate(port => _instances.Values.Any(i => i != instance && i.Port == port));
        }
    }

    internal void Forget(SupervisedInstance instance)
    {
        lock (_lock)
        {
            _instances.Remove(instance.Id);
        }
    }

    internal void RaiseChanged(InstanceStatus status, InstanceStatus? previous)
    {
        if (InstanceChanged is not { } handlers)
        {
            return;
        }

        var args = new InstanceChangedEventArgs(status, previous);
        foreach (var handler in handlers.GetInvocationList().Cast<EventHandler<InstanceChangedEventArgs>>())
        {
            try
            {
                handler(this, args);
            }
            catch (Exception e)
            {
                RuntimeLog.HandlerFailed(Logger, e);
            }
        }
    }

    private static void ThrowIfInvalid(SupervisorOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Root))
        {
            errors.Add("Root is empty: give the instances folder, e.g. .capstan/instances");
        }

        if (options.ShimCommand.Count == 0 || options.ShimCommand.Any(string.IsNullOrEmpty))
        {
            errors.Add("ShimCommand is empty: give how to run capstan, e.g. [\"/usr/local/bin/capstan\"] or [\"dotnet\", \"/opt/capstan/capstan.dll\"]");
        }

        if (options.Ports.First < 1 || options.Ports.Last > 65535 || options.Ports.First > options.Ports.Last)
        {
            errors.Add($"Ports {options.Ports.First}-{options.Ports.Last} is not a range of ports");
        }

        if (options.LogRotation.MaxFileBytes < 1 || options.LogRotation.FilesKept < 1)
        {
            errors.Add("LogRotation needs MaxFileBytes and FilesKept of at least 1");
        }

        if (options.Backoff.Initial <= TimeSpan.Zero || options.Backoff.Max < options.Backoff.Initial)
        {
            errors.Add("Backoff needs 0 < Initial <= Max");
        }

        if (errors.Count > 0)
        {
            throw new RuntimeException("supervisor options are not valid:\n" + string.Join('\n', errors.Select(e => "  - " + e)));
        }
    }

    /// <summary>Reads every record of the instances folder and takes each instance on: adopted, restarted, or its stop finished.</summary>
    private void TakeOverRecorded(CancellationToken cancellationToken)
    {
        var parent = Path.GetDirectoryName(Root);
        if (parent is not null && Path.GetFileName(parent) == CapstanDirectory.Name)
        {
            CapstanDirectory.Ensure(parent);
        }

        Directory.CreateDirectory(Root);
        var taken = new List<(SupervisedInstance Instance, TakeOver How)>();
        foreach (var directory in Directory.EnumerateDirectories(Root).Order(StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var files = new InstanceFiles(directory);
            InstanceRecord? record;
            try
            {
                record = files.ReadRecord();
            }
            catch (RuntimeException e)
            {
                RuntimeLog.Skipped(Logger, directory, e.Message);
                continue;
            }

            if (record is null || record.Spec.Id != Path.GetFileName(directory))
            {
                RuntimeLog.Skipped(Logger, directory, record is null ? "it has no instance.json" : $"its record is of instance {record.Spec.Id}");
                continue;
            }

            var shimRunning = record.Shim?.IsRunning() == true;
            var childRunning = record.Child?.IsRunning() == true;
            TakeOver how;
            if (record.Stopping)
            {
                if (!shimRunning && !childRunning)
                {
                    Directory.Delete(directory, recursive: true); // the stop was done; only the removal was left
                    continue;
                }

                how = TakeOver.FinishStop;
            }
            else
            {
                how = shimRunning && !File.Exists(files.Exit) ? TakeOver.Adopted : TakeOver.Crashed;
            }

            var instance = SupervisedInstance.FromRecord(this, record, files, how);
            if (how == TakeOver.Adopted)
            {
                RuntimeLog.Adopted(Logger, instance.Id, record.Spec.Service, record.Shim!.Pid, record.Port);
            }

            _instances[instance.Id] = instance;
            taken.Add((instance, how));
        }

        foreach (var (instance, how) in taken)
        {
            instance.StartLoop(how, _disposing.Token);
        }
    }

    private SupervisedInstance? Find(string instanceId)
    {
        lock (_lock)
        {
            return _instances.GetValueOrDefault(instanceId);
        }
    }

    private bool IsHeld(int port) => _instances.Values.Any(i => i.Port == port);
}
