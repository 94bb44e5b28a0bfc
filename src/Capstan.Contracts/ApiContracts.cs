using System.Text.Json;
using System.Text.Json.Serialization;

namespace Capstan.Contracts;

/// <summary>Asks the server to deploy the app of <see cref="Manifest"/> to an environment.</summary>
public sealed record DeployRequest
{
    public required string Environment { get; init; }

    /// <summary>The text of capstan.yaml as the deployer has it now: the release takes its configuration from it.</summary>
    public required string Manifest { get; init; }

    /// <summary>The artifact to deploy, <c>sha256:…</c> (a unique prefix is enough); null deploys the newest one built for each service.</summary>
    public string? ArtifactDigest { get; init; }

    /// <summary>The person behind the request, shown with the token's name in the audit log.</summary>
    public string? Actor { get; init; }

    /// <summary>Deploy into a freeze window; needs <see cref="Reason"/>, and is audited with it.</summary>
    public bool Force { get; init; }

    public string? Reason { get; init; }

    /// <summary>Wait behind the deployment under way in the environment instead of being refused.</summary>
    public bool Queue { get; init; }
}

/// <summary><c>capstan promote ENV --from SOURCE</c>: deploy to an environment exactly the artifacts another one serves.</summary>
public sealed record PromoteRequest
{
    public required string Environment { get; init; }

    public required string From { get; init; }

    /// <summary>The text of capstan.yaml: the environment's configuration comes from it, the artifacts from <see cref="From"/>.</summary>
    public required string Manifest { get; init; }

    public string? Actor { get; init; }

    public bool Force { get; init; }

    public string? Reason { get; init; }
}

/// <summary>A person acting on a deployment under way: <c>capstan abort|promote|approve|reject</c>.</summary>
public sealed record DeploymentActionRequest
{
    /// <summary>The person behind the request, shown with the token's name in the audit log.</summary>
    public string? Actor { get; init; }

    /// <summary>Why: required by a rejection.</summary>
    public string? Reason { get; init; }
}

/// <summary>Asks the server to move an environment's traffic back to an earlier release.</summary>
public sealed record RollbackRequest
{
    public required string Environment { get; init; }

    /// <summary>A release id or version (<c>v3</c>, <c>3</c>); null goes back to the release before the current one.</summary>
    public string? To { get; init; }

    /// <summary>Only this service; null rolls back every service of the environment.</summary>
    public string? Service { get; init; }

    public string? Actor { get; init; }
}

public sealed record DeploymentView
{
    public required string Id { get; init; }

    public required string App { get; init; }

    public required string Environment { get; init; }

    public required string Service { get; init; }

    public required string ReleaseId { get; init; }

    public required long ReleaseVersion { get; init; }

    public required string ArtifactDigest { get; init; }

    public required string Strategy { get; init; }

    /// <summary><c>pending</c>, <c>in_progress</c>, <c>succeeded</c>, <c>failed</c>, <c>rolled_back</c>, <c>cancelled</c>…</summary>
    public required string Status { get; init; }

    public required string Step { get; init; }

    public string? Reason { get; init; }

    /// <summary>A canary's latest analysis: each release's figures and what they led to.</summary>
    public string? Analysis { get; init; }

    /// <summary>Where an approval stands: approvals so far of those needed, by whom, until when.</summary>
    public string? Approval { get; init; }

    public required string CreatedBy { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>True once the deployment reached a final status.</summary>
    public bool Finished => FinishedAt is not null;

    /// <summary>The URL the service answers on through the edge, when it has a route.</summary>
    public string? Url { get; init; }
}

public sealed record ReleaseView
{
    public required string Id { get; init; }

    public required string Environment { get; init; }

    public required string Service { get; init; }

    public required long Version { get; init; }

    public required string ArtifactDigest { get; init; }

    public required string ConfigHash { get; init; }

    public required IReadOnlyDictionary<string, int> SecretVersions { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required string CreatedBy { get; init; }

    /// <summary>The release that takes the environment's traffic now.</summary>
    public required bool Current { get; init; }
}

public sealed record StatusView
{
    public required string App { get; init; }

    public required IReadOnlyList<ServiceStatusView> Services { get; init; }

    /// <summary>Where the edge listens, e.g. <c>http://127.0.0.1:8080</c>.</summary>
    public required string Edge { get; init; }
}

public sealed record ServiceStatusView
{
    public required string Environment { get; init; }

    public required string Service { get; init; }

    public string? Url { get; init; }

    public string? ReleaseId { get; init; }

    public long? Version { get; init; }

    public string? ArtifactDigest { get; init; }

    public required int Healthy { get; init; }

    public required int Total { get; init; }

    /// <summary>Share of new requests per release version, in percent, as the edge routes them now.</summary>
    public required IReadOnlyList<TrafficShareView> Traffic { get; init; }

    /// <summary>Requests per second through the edge over the last minute.</summary>
    public required double RequestRate { get; init; }

    /// <summary>Share of those requests answered 5xx, 0–1.</summary>
    public required double ErrorRate { get; init; }

    /// <summary>95th percentile of the edge's total request time over the last minute, in milliseconds; null without requests.</summary>
    public double? P95Milliseconds { get; init; }

    /// <summary>The deployment under way, if any.</summary>
    public DeploymentView? Deploying { get; init; }

    public required IReadOnlyList<InstanceView> Instances { get; init; }
}

public sealed record TrafficShareView(string ReleaseId, long Version, double Percent);

public sealed record InstanceView
{
    public required string Id { get; init; }

    public required string ReleaseId { get; init; }

    public required string Address { get; init; }

    public required int Pid { get; init; }

    /// <summary>The version of the instance's release.</summary>
    public long Version { get; init; }

    /// <summary><c>starting</c>, <c>ready</c>, <c>unready</c>, <c>backing-off</c>, <c>stopping</c>…</summary>
    public required string Phase { get; init; }

    /// <summary>How many times the supervisor started the process again after it crashed or failed its liveness probe.</summary>
    public required int Restarts { get; init; }

    /// <summary>When the current process was started (for an instance backing off, the one that exited).</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>How the last process ended, e.g. <c>exited with code 3</c>; null while none has.</summary>
    public string? LastExit { get; init; }

    public DateTimeOffset? LastExitAt { get; init; }

    /// <summary>While backing off: when the next start is due (1 s after the first crash, then 2 s, 4 s … up to 60 s).</summary>
    public DateTimeOffset? NextRestartAt { get; init; }
}

public sealed record TokenRequest
{
    public required string Name { get; init; }
}

public sealed record TokenCreated
{
    public required string Name { get; init; }

    /// <summary>The token itself: shown once, stored only as a hash.</summary>
    public required string Token { get; init; }
}

public sealed record TokenView
{
    public required string Name { get; init; }

    public required string Role { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required string CreatedBy { get; init; }

    public DateTimeOffset? LastUsedAt { get; init; }
}

/// <summary>
/// The four DORA metrics of one environment over a window ending now (<c>GET /api/apps/{app}/dora</c>), computed from the
/// recorded deployments, releases, artifacts, runs and commits; docs/deployments.md defines each. A band is <c>elite</c>,
/// <c>high</c>, <c>medium</c> or <c>low</c> (2023 State of DevOps report); a figure without data, and its band, is left out.
/// </summary>
public sealed record DoraView
{
    public required string App { get; init; }

    public required string Environment { get; init; }

    /// <summary>The window as asked for, e.g. <c>30d</c>.</summary>
    public required string Since { get; init; }

    /// <summary>The window's start (exclusive): a deployment counts when it finished after it…</summary>
    public required DateTimeOffset From { get; init; }

    /// <summary>… and at or before this, the time of the answer.</summary>
    public required DateTimeOffset To { get; init; }

    public required DoraFrequencyView DeploymentFrequency { get; init; }

    public required DoraLeadTimeView LeadTimeForChanges { get; init; }

    public required DoraFailureRateView ChangeFailureRate { get; init; }

    public required DoraRestoreView TimeToRestore { get; init; }

    /// <summary>Each deploy counted as a change failure, oldest first.</summary>
    public required IReadOnlyList<DoraFailureView> Failures { get; init; }

    /// <summary>What the figures cannot count yet, in words (incidents).</summary>
    public required IReadOnlyList<string> NotCounted { get; init; }
}

public sealed record DoraFrequencyView
{
    /// <summary>Successful deploys in the window (rollbacks and redeploys of the serving release not counted).</summary>
    public required int Deployments { get; init; }

    public required double PerDay { get; init; }

    public required double PerWeek { get; init; }

    public string? Band { get; init; }
}

public sealed record DoraLeadTimeView
{
    /// <summary>Successful deploys measured, from their artifact's commit time to their end.</summary>
    public required int Deployments { get; init; }

    public double? MedianSeconds { get; init; }

    public double? P90Seconds { get; init; }

    /// <summary>Of those, measured from their pipeline run's start, the commit or its time being unknown.</summary>
    public required int RunStartFallbacks { get; init; }

    /// <summary>Successful deploys not measured: no artifact (deployed from the project folder) or no recorded run.</summary>
    public required int Unmeasured { get; init; }

    public string? Band { get; init; }
}

public sealed record DoraFailureRateView
{
    /// <summary>Deploys that finished in the window, whatever their outcome.</summary>
    public required int Deployments { get; init; }

    public required int Failures { get; init; }

    /// <summary>Of the failures: failed, cancelled or aborted.</summary>
    public required int Failed { get; init; }

    /// <summary>Of the failures: succeeded, then rolled back.</summary>
    public required int RolledBack { get; init; }

    /// <summary>Of the failures: succeeded, then followed by an incident of the service.</summary>
    public int FollowedByIncident { get; init; }

    /// <summary>Failures per deploy, 0–1.</summary>
    public double? Rate { get; init; }

    public string? Band { get; init; }
}

public sealed record DoraRestoreView
{
    public required int Failures { get; init; }

    /// <summary>Failures followed by a successful deployment of the same service.</summary>
    public required int Restored { get; init; }

    public double? MedianSeconds { get; init; }

    public string? Band { get; init; }
}

public sealed record DoraFailureView
{
    public required string DeploymentId { get; init; }

    public required string Service { get; init; }

    /// <summary><c>failed</c>, <c>cancelled</c>, <c>aborted</c> (it rolled itself back), <c>rolled_back</c> (by a later rollback) or <c>incident</c> (one followed it).</summary>
    public required string Kind { get; init; }

    /// <summary>The deploy's end, or the start of the rollback that undid it.</summary>
    public required DateTimeOffset FailedAt { get; init; }

    public string? RollbackId { get; init; }

    /// <summary>For <c>incident</c>: the incident that followed the deploy.</summary>
    public string? IncidentId { get; init; }

    /// <summary>The next successful deployment of the service, which restored it; absent while there is none.</summary>
    public string? RestoredBy { get; init; }

    public DateTimeOffset? RestoredAt { get; init; }

    public double? RestoreSeconds { get; init; }
}

/// <summary>The body of every error answer: one message that says what is wrong and what to do.</summary>
public sealed record ApiError(string Error);

/// <summary>Source-generated JSON for every contract (snake_case on the wire).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DeployRequest))]
[JsonSerializable(typeof(RollbackRequest))]
[JsonSerializable(typeof(DeploymentActionRequest))]
[JsonSerializable(typeof(PromoteRequest))]
[JsonSerializable(typeof(DeploymentView))]
[JsonSerializable(typeof(IReadOnlyList<DeploymentView>))]
[JsonSerializable(typeof(ReleaseView))]
[JsonSerializable(typeof(IReadOnlyList<ReleaseView>))]
[JsonSerializable(typeof(StatusView))]
[JsonSerializable(typeof(TokenRequest))]
[JsonSerializable(typeof(TokenCreated))]
[JsonSerializable(typeof(IReadOnlyList<TokenView>))]
[JsonSerializable(typeof(DoraView))]
[JsonSerializable(typeof(IReadOnlyList<MetricValueView>))]
[JsonSerializable(typeof(AlertView))]
[JsonSerializable(typeof(IReadOnlyList<AlertView>))]
[JsonSerializable(typeof(ActorRequest))]
[JsonSerializable(typeof(SilenceRequest))]
[JsonSerializable(typeof(SilenceView))]
[JsonSerializable(typeof(IReadOnlyList<SilenceView>))]
[JsonSerializable(typeof(IncidentRequest))]
[JsonSerializable(typeof(IncidentNoteRequest))]
[JsonSerializable(typeof(IncidentSeverityRequest))]
[JsonSerializable(typeof(IncidentView))]
[JsonSerializable(typeof(IReadOnlyList<IncidentView>))]
[JsonSerializable(typeof(ApiError))]
public sealed partial class ApiJson : JsonSerializerContext;
