using System.Net;
using Capstan.Edge.Configuration;
using Capstan.Edge.Convergence;
using Capstan.Edge.Lifecycle;
using Capstan.Edge.Metrics;
using Capstan.Edge.Routing;
using Capstan.Edge.Runtime;

namespace Capstan.Edge;

/// <summary>
/// Capstan's edge proxy: one HAProxy per edge directory, driven to the desired routes. <see cref="StartAsync(EdgeOptions, CancellationToken)"/>
/// adopts the HAProxy that already runs there or starts one; <see cref="ApplyAsync"/> converges it; the request log
/// feeds <see cref="Metrics"/>. HAProxy outlives this object: disposing it stops only the log listener, so a Capstan
/// restart drops no request. <see cref="StopAsync"/> stops HAProxy itself.
/// </summary>
public sealed class HaproxyEdge : IAsyncDisposable
{
    private readonly EdgeOptions _options;
    private readonly EdgeLogListener _listener;
    private readonly SemaphoreSlim _applyLock = new(1, 1);
    private HaproxyProcess _process;
    private int _reloads;
    private int _restarts;
    private bool _stopped;
    private bool _disposed;

    private HaproxyEdge(EdgeOptions options, HaproxyProcess process, EdgeLogListener listener, RequestMetrics requests)
    {
        _options = options;
        _process = process;
        _listener = listener;
        RuntimeApi = new HaproxyRuntimeApi(options.AdminSocketPath);
        Metrics = new EdgeMetrics(requests, listener);
    }

    public EdgeOptions Options => _options;

    /// <summary>Where the edge serves, for people and tests: <c>http://127.0.0.1:8080</c>.</summary>
    public string Url
    {
        get
        {
            var address = IPAddress.Parse(_options.ListenAddress);
            var reachable = address.Equals(IPAddress.Any) ? IPAddress.Loopback
                : address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
                : address;
            return "http://" + RouteValidator.FormatAddress(new IPEndPoint(reachable, _options.Port));
        }
    }

    /// <summary>The listen address and port.</summary>
    public IPEndPoint ListenEndPoint => new(IPAddress.Parse(_options.ListenAddress), _options.Port);

    /// <summary>The HAProxy master process being driven.</summary>
    public HaproxyProcess Process => _process;

    /// <summary>The runtime API of the running HAProxy.</summary>
    public HaproxyRuntimeApi RuntimeApi { get; }

    /// <summary>Request counts, errors and latencies per backend and server, from HAProxy's request log.</summary>
    public EdgeMetrics Metrics { get; }

    /// <summary>Reloads this object made (a changed layout of backends, hosts, paths or options).</summary>
    public int Reloads => Volatile.Read(ref _reloads);

    /// <summary>Times this object started HAProxy again because it had exited.</summary>
    public int Restarts => Volatile.Read(ref _restarts);

    /// <inheritdoc cref="StartAsync(EdgeOptions, TimeProvider, CancellationToken)"/>
    public static Task<HaproxyEdge> StartAsync(EdgeOptions options, CancellationToken cancellationToken) =>
        StartAsync(options, TimeProvider.System, cancellationToken);

    /// <summary>
    /// Starts the request log listener, then adopts the HAProxy running for <see cref="EdgeOptions.Directory"/> or
    /// starts one on the last applied routes (none the first time), and applies those routes, which reloads an adopted
    /// HAProxy only if the options or Capstan's template changed.
    /// </summary>
    /// <exception cref="EdgeException">HAProxy is missing or too old, the port is taken, or HAProxy refused to start.</exception>
    public static async Task<HaproxyEdge> StartAsync(EdgeOptions options, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (!OperatingSystem.IsLinux())
        {
            throw new EdgeException("Capstan's edge (HAProxy with unix sockets and /proc) runs on Linux only.");
        }

        options = options with { Directory = Path.GetFullPath(options.Directory) };
        HaproxyConfig.CheckOptions(options);
        Directory.CreateDirectory(options.Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var saved = SavedRoutes.Load(options.Directory);
        var requests = new RequestMetrics(timeProvider);
        var listener = EdgeLogListener.Start(options.LogSocketPath, requests);
        try
        {
            WriteConfig(options, saved);
            var process = await HaproxyProcess.StartAsync(options, cancellationToken).ConfigureAwait(false);
            var edge = new HaproxyEdge(options, process, listener, requests);
            await edge.ApplyAsync(saved, cancellationToken).ConfigureAwait(false);
            return edge;
        }
        catch
        {
            await listener.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Makes HAProxy serve <paramref name="desired"/>, whatever it serves now (level-triggered, so it can be repeated
    /// and it repairs drift). The configuration file is always rewritten to match. When backends, hosts, paths or
    /// options changed since the running worker loaded its configuration, HAProxy reloads; servers are then converged
    /// through the runtime API against what HAProxy reports: missing ones added, weights, states and addresses set,
    /// removed ones deleted. An HAProxy that has exited is started again. Calls are serialized.
    /// </summary>
    /// <exception cref="EdgeException">The routes are invalid (nothing was changed), or HAProxy refused a change.</exception>
    /// <exception cref="InvalidOperationException">The edge was stopped.</exception>
    public async Task ApplyAsync(EdgeRoutes desired, CancellationToken cancellationToken)
    {
        var routes = RouteValidator.Normalize(desired);
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _applyLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_stopped)
            {
                throw new InvalidOperationException("The edge was stopped; start it again with HaproxyEdge.StartAsync.");
            }

            WriteConfig(_options, routes);
            SavedRoutes.Save(_options.Directory, routes);
            if (!_process.IsRunning)
            {
                _process = await HaproxyProcess.StartAsync(_options, TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
                Interlocked.Increment(ref _restarts);
            }

            var layout = HaproxyConfig.LayoutHash(_options, routes);
            if (await RuntimeApi.ShowEnvAsync(HaproxyConfig.LayoutVariable, cancellationToken).ConfigureAwait(false) != layout)
            {
                await _process.ReloadAsync(cancellationToken).ConfigureAwait(false);
                Interlocked.Increment(ref _reloads);
            }

            foreach (var backend in routes.Backends)
            {
                var actual = await RuntimeApi.ShowServersStateAsync(backend.Name, cancellationToken).ConfigureAwait(false);
                foreach (var change in ServerPlan.For(backend, actual))
                {
                    await ServerPlan.ApplyAsync(RuntimeApi, change, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _applyLock.Release();
        }
    }

    /// <summary>The requests <paramref name="server"/> of <paramref name="backend"/> is serving now; a drain waits for 0.</summary>
    /// <exception cref="EdgeException">HAProxy has no such server.</exception>
    public Task<int> GetCurrentConnectionsAsync(string backend, string server, CancellationToken cancellationToken) =>
        RuntimeApi.GetCurrentConnectionsAsync(backend, server, cancellationToken);

    /// <summary>
    /// Stops HAProxy: it stops listening, finishes the requests in flight (up to
    /// <see cref="EdgeOptions.GracefulStopTimeout"/>) and exits. For <c>capstan up</c> ending on Ctrl+C.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _applyLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _stopped = true;
            await _process.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _applyLock.Release();
        }
    }

    /// <summary>Stops the request log listener and leaves HAProxy running.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _listener.DisposeAsync().ConfigureAwait(false);
        _applyLock.Dispose();
    }

    private static void WriteConfig(EdgeOptions options, EdgeRoutes routes)
    {
        var text = HaproxyConfig.Generate(options, routes);
        var path = options.ConfigPath;
        if (!File.Exists(path) || File.ReadAllText(path) != text)
        {
            HaproxyConfig.WriteAtomically(path, text);
        }
    }
}
