using System.Text.Json;
using System.Text.Json.Serialization;

namespace Capstan.Deployments.Control;

/// <summary>
/// The controller's own record of a deployment, saved as <see cref="State.Deployment.State"/> after every step: the
/// settings it was created with and how far it got, so that a restarted server resumes or cleanly fails it.
/// </summary>
public sealed record DeployState
{
    public required string Service { get; init; }

    /// <summary>Where the deployment is: <c>starting</c>, <c>smoke</c>, <c>switched</c>, <c>draining</c>, <c>done</c>.</summary>
    public string Phase { get; init; } = Phases.Created;

    /// <summary>Instances this deployment started, whether ready or not.</summary>
    public IReadOnlyList<string> NewInstances { get; init; } = [];

    public int MaxSurge { get; init; } = 1;

    public int MaxUnavailable { get; init; }

    /// <summary>How long the replaced release keeps running in standby after a blue-green switch or a rollback.</summary>
    public TimeSpan Retention { get; init; }

    public required TimeSpan ProgressDeadline { get; init; }

    /// <summary>The environment's smoke script, if any.</summary>
    public string? Smoke { get; init; }

    /// <summary>Until when the replaced release stays in standby, once traffic switched.</summary>
    public DateTimeOffset? RetainUntil { get; init; }

    /// <summary>The canary strategy's settings; null for the other strategies.</summary>
    public Canary.CanarySettings? Canary { get; init; }

    /// <summary>The canary step under way (an index into <see cref="Canary.CanarySettings.Steps"/>).</summary>
    public int CanaryStep { get; init; }

    /// <summary>The latest canary analysis, in words: the figures of each release and what they led to.</summary>
    public string? Analysis { get; init; }

    /// <summary>Who asked to skip the remaining canary steps (<c>capstan promote DEPLOYMENT</c>), if anyone.</summary>
    public string? PromotedBy { get; init; }

    /// <summary>The deployments started by the same request, one per service: queued, approved and rejected together.</summary>
    public string? Batch { get; init; }

    /// <summary>Guard alerts that fired when the deployment was forced past them: they do not abort it.</summary>
    public IReadOnlyList<string> GuardsOverridden { get; init; } = [];

    /// <summary>The approvals the deployment waits for, when its environment asks for them.</summary>
    public ApprovalState? Approval { get; init; }

    /// <summary>True once new requests go to the new release: from then on the deployment is finished forwards, never undone.</summary>
    [JsonIgnore]
    public bool Switched => Phase is Phases.Switched or Phases.Draining or Phases.Done;

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    public static DeployState Parse(string json) =>
        JsonSerializer.Deserialize<DeployState>(json, Options) ?? throw new JsonException("empty deployment state");
}

/// <summary>What an <c>approval:</c> environment's deployment waits for, and who approved it so far.</summary>
public sealed record ApprovalState
{
    /// <summary>Distinct token holders, other than the one who started it, who must approve.</summary>
    public required int Reviewers { get; init; }

    /// <summary>When the wait ends with the deployment cancelled, if not approved by then.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>The token that started the deployment: it cannot approve it.</summary>
    public required string RequestedBy { get; init; }

    public IReadOnlyList<ApprovalVote> Approvals { get; init; } = [];

    /// <summary>Who rejected it and why, once someone did.</summary>
    public string? RejectedBy { get; init; }

    public string? RejectReason { get; init; }
}

/// <summary>One approval: the person (with the token's name), the token, when.</summary>
public sealed record ApprovalVote(string By, string Token, DateTimeOffset At);

public static class Phases
{
    public const string AwaitingApproval = "awaiting-approval";
    public const string Queued = "queued";
    public const string Created = "created";
    public const string Starting = "starting";
    public const string Smoke = "smoke";
    public const string Canary = "canary";
    public const string Switched = "switched";
    public const string Draining = "draining";
    public const string Done = "done";
}
