namespace Capstan.State;

/// <summary>
/// One deployment of a release to an environment, as its controller drives it step by step.
/// Change it with <see cref="IDeploymentStore.TryUpdateAsync"/>, which detects concurrent changes through <see cref="Revision"/>.
/// </summary>
public sealed record Deployment
{
    /// <summary>The deployment's id, e.g. <c>StateId.New("dep")</c>.</summary>
    public required string Id { get; init; }

    public required string App { get; init; }

    public required string Environment { get; init; }

    /// <summary>The release being deployed; it must exist.</summary>
    public required string ReleaseId { get; init; }

    /// <summary>
    /// The release the environment ran before this deployment, where a rollback goes back to; null for the first deployment
    /// (and for deployments made before schema version 4). It must exist. Set at create, usually to the release of
    /// <see cref="IDeploymentStore.GetLastSucceededAsync"/> read in the same transaction; changed afterwards only while the
    /// deployment is <see cref="DeploymentStatus.Pending"/> (queued: what it replaces is known when it starts).
    /// </summary>
    public string? PreviousReleaseId { get; init; }

    /// <summary>The strategy's name, e.g. <c>recreate</c>, <c>rolling</c>, <c>blue-green</c>, <c>canary</c>.</summary>
    public required string Strategy { get; init; }

    public required DeploymentStatus Status { get; init; }

    /// <summary>The step the controller is at, e.g. <c>canary 25%</c>; empty before the first.</summary>
    public required string Step { get; init; }

    /// <summary>The controller's own state as JSON; the store keeps it without reading it.</summary>
    public required string State { get; init; }

    /// <summary>1 when created, raised by one on every successful update.</summary>
    public required long Revision { get; init; }

    public required string CreatedBy { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>When the deployment reached a final status; null while it is under way.</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Why it ended the way it did, e.g. the failed health check or who aborted it.</summary>
    public string? Reason { get; init; }
}

/// <summary>The status of a deployment. Stored as the lowercase text in each member's comment.</summary>
public enum DeploymentStatus
{
    /// <summary><c>pending</c></summary>
    Pending,

    /// <summary><c>in_progress</c></summary>
    InProgress,

    /// <summary><c>paused</c>: waiting for a person or a timer.</summary>
    Paused,

    /// <summary><c>rolling_back</c></summary>
    RollingBack,

    /// <summary><c>succeeded</c></summary>
    Succeeded,

    /// <summary><c>failed</c></summary>
    Failed,

    /// <summary><c>rolled_back</c></summary>
    RolledBack,

    /// <summary><c>cancelled</c></summary>
    Cancelled,
}

/// <summary>Deployments, with optimistic concurrency for the controllers that advance them.</summary>
public interface IDeploymentStore
{
    /// <summary>Adds a new deployment as given (normally with <see cref="Deployment.Revision"/> 1). Its id must not exist yet.</summary>
    Task CreateAsync(Deployment deployment, CancellationToken cancellationToken);

    Task<Deployment?> GetAsync(string deploymentId, CancellationToken cancellationToken);

    /// <summary>The app's deployments, to one environment or to all when <paramref name="environment"/> is null, newest first.</summary>
    Task<IReadOnlyList<Deployment>> ListAsync(string app, string? environment, int limit, CancellationToken cancellationToken);

    /// <summary>Deployments without a finish time, oldest first, of one app or of all: what to resume after a crash.</summary>
    Task<IReadOnlyList<Deployment>> ListUnfinishedAsync(string? app, CancellationToken cancellationToken);

    /// <summary>
    /// The app's newest deployment to the environment with status <see cref="DeploymentStatus.Succeeded"/>, by finish time
    /// (its update time if it has none), or null: what the environment runs when nothing is under way.
    /// </summary>
    Task<Deployment?> GetLastSucceededAsync(string app, string environment, CancellationToken cancellationToken);

    /// <summary>
    /// Saves the changeable fields of <paramref name="deployment"/> (<see cref="Deployment.Status"/>, <see cref="Deployment.Step"/>,
    /// <see cref="Deployment.State"/>, <see cref="Deployment.UpdatedAt"/>, <see cref="Deployment.FinishedAt"/>, <see cref="Deployment.Reason"/>,
    /// and <see cref="Deployment.PreviousReleaseId"/> while the stored status is <see cref="DeploymentStatus.Pending"/>)
    /// when the stored revision is still <paramref name="expectedRevision"/>, and returns the deployment as now stored,
    /// with revision <paramref name="expectedRevision"/> + 1. Returns null, changing nothing, when someone else updated it first:
    /// read it again and decide anew. The other fields, and the revision of <paramref name="deployment"/>, are ignored.
    /// </summary>
    /// <exception cref="InvalidOperationException">There is no deployment with that id.</exception>
    Task<Deployment?> TryUpdateAsync(Deployment deployment, long expectedRevision, CancellationToken cancellationToken);
}
