using Capstan.Edge.Routing;
using Capstan.Edge.Runtime;

namespace Capstan.Edge.Convergence;

/// <summary>What to do to one server so that HAProxy matches the desired state.</summary>
internal enum ServerChangeKind
{
    Add,
    Update,
    Delete,
}

/// <summary>One server change; for an update, the values to set (null: already right).</summary>
internal sealed record ServerChange
{
    public required ServerChangeKind Kind { get; init; }

    public required string Backend { get; init; }

    public required string Server { get; init; }

    public string? Address { get; init; }

    public int? Weight { get; init; }

    public EdgeServerState? State { get; init; }
}

/// <summary>
/// The difference between a backend's desired servers and what HAProxy reports (<c>show servers state</c>), as runtime
/// API changes: adds first, then updates (those bringing a server into service first), then deletes, so that
/// capacity comes before it goes.
/// </summary>
internal static class ServerPlan
{
    public static List<ServerChange> For(EdgeBackend desired, IReadOnlyList<ServerStateRow> actual)
    {
        var changes = new List<ServerChange>();
        var byName = actual.ToDictionary(r => r.Server, StringComparer.Ordinal);
        foreach (var server in desired.Servers)
        {
            if (!byName.TryGetValue(server.Name, out var row))
            {
                changes.Add(new ServerChange
                {
                    Kind = ServerChangeKind.Add,
                    Backend = desired.Name,
                    Server = server.Name,
                    Address = server.Address,
                    Weight = server.Weight,
                    State = server.State,
                });
                continue;
            }

            var change = new ServerChange
            {
                Kind = ServerChangeKind.Update,
                Backend = desired.Name,
                Server = server.Name,
                Address = string.Equals(row.Address, server.Address, StringComparison.OrdinalIgnoreCase) ? null : server.Address,
                Weight = row.Weight == server.Weight ? null : server.Weight,
                State = row.State == server.State ? null : server.State,
            };
            if (change.Address is not null || change.Weight is not null || change.State is not null)
            {
                changes.Add(change);
            }
        }

        var wanted = desired.Servers.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        changes.AddRange(actual.Where(r => !wanted.Contains(r.Server)).Select(r => new ServerChange
        {
            Kind = ServerChangeKind.Delete,
            Backend = desired.Name,
            Server = r.Server,
        }));
        // Among updates, servers that come into service go first: a blue-green switch (new ready, old drained) then
        // never leaves a moment with no server in service, which HAProxy would answer 503.
        return [.. changes.OrderBy(c => c.Kind).ThenBy(c => c.State == EdgeServerState.Ready ? 0 : 1)];
    }

    /// <summary>Carries out one change through the runtime API.</summary>
    public static async Task ApplyAsync(HaproxyRuntimeApi api, ServerChange change, CancellationToken cancellationToken)
    {
        switch (change.Kind)
        {
            case ServerChangeKind.Add:
                // A dynamic server starts in maintenance.
                await api.AddServerAsync(change.Backend, change.Server, change.Address!, change.Weight!.Value, cancellationToken).ConfigureAwait(false);
                if (change.State != EdgeServerState.Maint)
                {
                    await api.SetStateAsync(change.Backend, change.Server, change.State!.Value, cancellationToken).ConfigureAwait(false);
                }

                break;
            case ServerChangeKind.Update:
                if (change.Address is not null)
                {
                    await api.SetAddressAsync(change.Backend, change.Server, change.Address, cancellationToken).ConfigureAwait(false);
                }

                // Out of service before the weight changes, back in service after: never a moment of unwanted traffic.
                if (change.State is { } leaving and not EdgeServerState.Ready)
                {
                    await api.SetStateAsync(change.Backend, change.Server, leaving, cancellationToken).ConfigureAwait(false);
                }

                if (change.Weight is { } weight)
                {
                    await api.SetWeightAsync(change.Backend, change.Server, weight, cancellationToken).ConfigureAwait(false);
                }

                if (change.State is EdgeServerState.Ready)
                {
                    await api.SetStateAsync(change.Backend, change.Server, EdgeServerState.Ready, cancellationToken).ConfigureAwait(false);
                }

                break;
            case ServerChangeKind.Delete:
                await api.DeleteServerAsync(change.Backend, change.Server, cancellationToken).ConfigureAwait(false);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(change), change.Kind, "unknown change");
        }
    }
}
