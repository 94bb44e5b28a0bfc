using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Capstan.Runtime.Instances;

/// <summary>
/// One instance of a service to run: which release, where, with which command and environment, and how to tell that
/// it is ready and alive. The supervisor adds <c>PORT</c> to <see cref="Env"/>.
/// </summary>
public sealed partial record InstanceSpec
{
    /// <summary>The instance's id, also its folder's name: <see cref="NewId"/> makes one like <c>i-3kq7m2xw9a</c>.</summary>
    public required string Id { get; init; }

    public required string App { get; init; }

    public required string Service { get; init; }

    public required string Environment { get; init; }

    /// <summary>The release the instance runs (for instance the artifact digest it was unpacked from).</summary>
    public required string ReleaseId { get; init; }

    /// <summary>A text label for people: the version or commit the release was built from.</summary>
    public required string Version { get; init; }

    /// <summary>The folder the command runs in, usually the unpacked release (<see cref="Releases.ReleaseFolders"/>).</summary>
    public required string WorkingDirectory { get; init; }

    /// <summary>Shell text, run as <c>bash -c COMMAND</c>; a single command is executed in place of the shell.</summary>
    public required string Command { get; init; }

    /// <summary>
    /// The service's environment, on top of the few variables passed through from Capstan's own
    /// (<see cref="Supervision.SupervisorOptions.PassThroughEnvironment"/>). Must not hold <c>PORT</c>.
    /// </summary>
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Names of <see cref="Env"/> entries whose values are secrets: they are masked in the instance's logs, and never
    /// written to a file (the instance record keeps the names only).
    /// </summary>
    public IReadOnlyList<string> SecretEnvNames { get; init; } = [];

    public HealthCheck Health { get; init; } = new();

    /// <summary>How long the service gets to exit after SIGTERM before its process group is killed.</summary>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A new random id: <c>i-</c> and ten lowercase letters or digits.</summary>
    public static string NewId()
    {
        const string alphabet = "abcdefghijkmnpqrstuvwxyz23456789"; // no l, o, 0, 1: ids are read and typed by people
        return "i-" + RandomNumberGenerator.GetString(alphabet, 10);
    }

    /// <summary>Every problem with the spec, each naming the field at fault; empty when it is valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrEmpty(Id) || !IdPattern().IsMatch(Id))
        {
            errors.Add($"instance id '{Id}' is not valid: use letters, digits, '-', '_' and '.', starting with a letter or digit (InstanceSpec.NewId() makes one)");
        }

        foreach (var (name, value) in new[] { ("App", App), ("Service", Service), ("Environment", Environment), ("ReleaseId", ReleaseId) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                errors.Add($"{name} is empty");
            }
        }

        if (string.IsNullOrWhiteSpace(Command))
        {
            errors.Add("Command is empty: give the shell command that starts the service");
        }

        if (string.IsNullOrEmpty(WorkingDirectory) || !Path.IsPathFullyQualified(WorkingDirectory))
        {
            errors.Add($"WorkingDirectory '{WorkingDirectory}' is not a full path");
        }
        else if (!Directory.Exists(WorkingDirectory))
        {
            errors.Add($"WorkingDirectory '{WorkingDirectory}' does not exist");
        }

        if (Env.ContainsKey("PORT"))
        {
            errors.Add("Env holds PORT: the supervisor sets PORT to the port it allocates; remove it from Env");
        }

        foreach (var name in SecretEnvNames)
        {
            if (!Env.ContainsKey(name))
            {
                errors.Add($"secret '{name}' is listed in SecretEnvNames but not set in Env");
            }
        }

        errors.AddRange(Health.Validate());
        if (GracePeriod < TimeSpan.Zero)
        {
            errors.Add("GracePeriod is negative");
        }

        return errors;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")]
    private static partial Regex IdPattern();
}

/// <summary>
/// How the supervisor probes an instance. Readiness decides whether it gets traffic; liveness whether it is restarted.
/// </summary>
public sealed record HealthCheck
{
    /// <summary>Path of an HTTP GET that answers 2xx when ready (e.g. <c>/ready</c>); null: ready once the port accepts a connection.</summary>
    public string? ReadinessPath { get; init; }

    /// <summary>Path of an HTTP GET that answers 2xx while alive (e.g. <c>/health</c>); null: no liveness probe.</summary>
    public string? LivenessPath { get; init; }

    /// <summary>Time between probes.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one probe may take before it counts as failed.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Liveness failures count from the first probe that passes (the process has started), or once this long has
    /// passed since the start, whichever comes first. Zero (the default): only from the first passing probe, so a slow
    /// starter is never killed while it starts; set it to catch a process that hangs before it ever answers.
    /// </summary>
    public TimeSpan StartPeriod { get; init; } = TimeSpan.Zero;

    /// <summary>Consecutive failures that make a ready instance unready, or a live one restarted.</summary>
    public int FailureThreshold { get; init; } = 3;

    internal IEnumerable<string> Validate()
    {
        foreach (var (name, path) in new[] { ("ReadinessPath", ReadinessPath), ("LivenessPath", LivenessPath) })
        {
            if (path is not null && !path.StartsWith('/'))
            {
                yield return $"Health.{name} '{path}' must start with '/'";
            }
        }

        if (Interval <= TimeSpan.Zero)
        {
            yield return "Health.Interval must be positive";
        }

        if (Timeout <= TimeSpan.Zero)
        {
            yield return "Health.Timeout must be positive";
        }

        if (StartPeriod < TimeSpan.Zero)
        {
            yield return "Health.StartPeriod is negative";
        }

        if (FailureThreshold < 1)
        {
            yield return "Health.FailureThreshold must be at least 1";
        }
    }
}
