using Capstan.Manifest.Values;

namespace Capstan.Manifest.Model;

/// <summary>A place the application is deployed to (staging, production), with its rules.</summary>
public sealed record DeploymentEnvironment
{
    public required string Name { get; init; }

    public required DeploymentStrategy Strategy { get; init; }

    /// <summary>Environments where the same artifact must have been deployed successfully first.</summary>
    public required IReadOnlyList<string> Requires { get; init; }

    public ApprovalPolicy? Approval { get; init; }

    /// <summary>Variables for every service in this environment, over the services' own.</summary>
    public required IReadOnlyDictionary<string, Template> Env { get; init; }

    /// <summary>A script run against new instances before traffic switches to them.</summary>
    public Template? Smoke { get; init; }

    /// <summary>The default of <see cref="ProgressDeadline"/>.</summary>
    public static readonly Duration DefaultProgressDeadline = Duration.FromMinutes(2);

    /// <summary>How long new instances may take to become ready; past it the deployment fails and the old release keeps serving.</summary>
    public required Duration ProgressDeadline { get; init; }

    /// <summary>
    /// When deployments are refused unless forced (<c>--force --reason</c>); a rollback is never refused. Empty when
    /// the environment has no freeze.
    /// </summary>
    public IReadOnlyList<FreezeWindow> Freeze { get; init; } = [];

    /// <summary>
    /// The freeze window in force at <paramref name="now"/>, or null when deployments are allowed. When several are in
    /// force, the one that lasts longest (the first written among equals).
    /// </summary>
    public FreezeWindow? ActiveFreeze(DateTimeOffset now)
    {
        FreezeWindow? active = null;
        DateTimeOffset? activeEnd = null;
        foreach (var window in Freeze)
        {
            if (window.EndOfOccurrence(now) is { } end && (activeEnd is null || end > activeEnd))
            {
                (active, activeEnd) = (window, end);
            }
        }

        return active;
    }

    /// <summary>
    /// When deployments are allowed again, or null when they are allowed at <paramref name="now"/>. Windows that
    /// overlap or touch (Fri 16:00 - Mon 08:00 and Mon 08:00 - Mon 12:00) make one freeze, which ends with the last
    /// of them. Followed for at most a year: windows that cover every hour of the week freeze the environment for good,
    /// and the answer is then a year or so ahead.
    /// </summary>
    public DateTimeOffset? FrozenUntil(DateTimeOffset now)
    {
        DateTimeOffset? until = null;
        var at = now;
        var horizon = now.AddDays(366);
        while (at < horizon)
        {
            DateTimeOffset? next = null;
            foreach (var window in Freeze)
            {
                if (window.EndOfOccurrence(at) is { } end && (next is null || end > next))
                {
                    next = end;
                }
            }

            if (next is not { } reached)
            {
                break;
            }

            (until, at) = (reached, reached);
        }

        return until;
    }

    /// <summary>
    /// The freeze in force at <paramref name="now"/> for a refusal message, or null when there is none:
    /// <c>Fri 16:00 - Mon 08:00 Europe/Berlin (weekend; until Mon 2026-11-23 08:00 +01:00)</c>. The end is
    /// <see cref="FrozenUntil"/>, so it counts the windows that follow on.
    /// </summary>
    public string? DescribeFreeze(DateTimeOffset now) =>
        ActiveFreeze(now) is { } window && FrozenUntil(now) is { } until ? window.Describe(until) : null;

    /// <summary>
    /// The host name a service answers on in this environment: the route's host in <c>production</c>,
    /// <c>ENV.HOST</c> everywhere else (<c>staging.shop.localhost</c>), so that environments share one edge.
    /// </summary>
    public string HostOf(Route route)
    {
        ArgumentNullException.ThrowIfNull(route);
        return string.Equals(Name, ProductionName, StringComparison.Ordinal) ? route.Host : $"{Name}.{route.Host}";
    }

    /// <summary>The environment that gets the routes' hosts unprefixed.</summary>
    public const string ProductionName = "production";
}

public sealed record ApprovalPolicy
{
    /// <summary>Distinct people, other than the deployer, who must approve.</summary>
    public required int Reviewers { get; init; }

    /// <summary>How long a deployment waits for approval before it expires.</summary>
    public required Duration Timeout { get; init; }
}

/// <summary>How a new release replaces the running one.</summary>
public abstract record DeploymentStrategy
{
    /// <summary>The strategy's name in capstan.yaml.</summary>
    public abstract string Kind { get; }
}

/// <summary>Stop the old instances, then start the new ones (downtime; for what cannot run twice).</summary>
public sealed record RecreateStrategy : DeploymentStrategy
{
    public override string Kind => "recreate";
}

/// <summary>Replace instances a few at a time.</summary>
public sealed record RollingStrategy : DeploymentStrategy
{
    public static readonly RollingStrategy Default = new() { MaxSurge = 1, MaxUnavailable = 0 };

    public override string Kind => "rolling";

    /// <summary>Instances allowed above the desired count during the rollout.</summary>
    public required int MaxSurge { get; init; }

    /// <summary>Instances allowed below the desired count during the rollout.</summary>
    public required int MaxUnavailable { get; init; }
}

/// <summary>Start a full new set, switch all traffic at once, keep the old set for instant rollback.</summary>
public sealed record BlueGreenStrategy : DeploymentStrategy
{
    public static readonly BlueGreenStrategy Default = new() { Retention = Duration.FromMinutes(60) };

    public override string Kind => "blue-green";

    /// <summary>How long the previous set keeps running, ready for an instant rollback.</summary>
    public required Duration Retention { get; init; }
}

/// <summary>Move traffic to the new release in steps, comparing it with the stable one, aborting on regressions.</summary>
public sealed record CanaryStrategy : DeploymentStrategy
{
    public static readonly IReadOnlyList<Percentage> DefaultSteps = [new(5), new(25), new(50), new(100)];

    public override string Kind => "canary";

    public required IReadOnlyList<Percentage> Steps { get; init; }

    /// <summary>Time at each step before its analysis decides.</summary>
    public required Duration Pause { get; init; }

    public required CanaryThresholds AbortIf { get; init; }

    /// <summary>Requests the canary must have served in a step before a verdict is possible.</summary>
    public required int MinRequests { get; init; }
}

/// <summary>What makes a canary abort.</summary>
public sealed record CanaryThresholds
{
    public static readonly CanaryThresholds Default = new()
    {
        ErrorRateIncrease = new Percentage(2),
        P95Increase = new Percentage(20),
        ErrorRate = new Percentage(5),
    };

    /// <summary>Canary error rate minus stable error rate, in percentage points.</summary>
    public required Percentage ErrorRateIncrease { get; init; }

    /// <summary>Canary p95 latency over stable p95 latency, relative.</summary>
    public required Percentage P95Increase { get; init; }

    /// <summary>The canary's error rate may never exceed this, whatever the stable one does.</summary>
    public required Percentage ErrorRate { get; init; }
}
