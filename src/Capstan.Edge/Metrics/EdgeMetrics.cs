namespace Capstan.Edge.Metrics;

/// <summary>What the edge knows from its request log: per-server request stats and the log's own health.</summary>
public sealed class EdgeMetrics
{
    private readonly RequestMetrics _requests;
    private readonly EdgeLogListener _listener;

    internal EdgeMetrics(RequestMetrics requests, EdgeLogListener listener)
    {
        _requests = requests;
        _listener = listener;
    }

    /// <summary>The aggregation behind <see cref="Snapshot"/>.</summary>
    public RequestMetrics Requests => _requests;

    /// <summary>Log lines received from HAProxy.</summary>
    public long LogLines => _listener.Lines;

    /// <summary>Log lines that did not parse and were skipped.</summary>
    public long UnparseableLogLines => _listener.UnparseableLines;

    /// <summary>HAProxy's latest event lines (servers down, backends without servers), oldest first.</summary>
    public IReadOnlyList<string> RecentHaproxyMessages => _listener.RecentMessages;

    /// <inheritdoc cref="RequestMetrics.Snapshot"/>
    public RequestStats Snapshot(string backend, string? server, TimeSpan window) => _requests.Snapshot(backend, server, window);

    /// <inheritdoc cref="RequestMetrics.SnapshotOf"/>
    public RequestStats SnapshotOf(string backend, IReadOnlyCollection<string> servers, TimeSpan window) => _requests.SnapshotOf(backend, servers, window);
}
