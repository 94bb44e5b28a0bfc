namespace Capstan.Pipelines.Execution;

/// <summary>
/// The environment a job's scripts get: a clean, documented set, not the caller's whole environment, so that a
/// pipeline behaves the same on a laptop and in CI and no stray credential of the caller reaches a job unasked.
/// </summary>
public static class JobEnvironment
{
    /// <summary>
    /// Variables passed through from the caller when set: what programs need to find themselves, their home and their
    /// locale, the .NET and proxy settings that say where things are, and the SSH agent for git over SSH.
    /// </summary>
    public static IReadOnlyList<string> PassedThrough { get; } =
    [
        "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LC_ALL", "LC_CTYPE", "TZ",
        "DOTNET_ROOT", "DOTNET_CLI_HOME", "NUGET_PACKAGES",
        "SSH_AUTH_SOCK",
        "http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY",
    ];

    /// <summary>
    /// The base environment: the passed-through variables, then Capstan's own (<c>CI=true</c>, <c>CAPSTAN_*</c>), with
    /// <paramref name="toolPaths"/> put in front of <c>PATH</c> (the folder of the running <c>capstan</c>, so that a job
    /// can call <c>capstan secret scan</c>).
    /// </summary>
    public static Dictionary<string, string> Create(
        Func<string, string?> caller,
        IReadOnlyList<string> toolPaths,
        IReadOnlyDictionary<string, string> capstanVariables)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(toolPaths);
        ArgumentNullException.ThrowIfNull(capstanVariables);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in PassedThrough)
        {
            if (caller(name) is { Length: > 0 } value)
            {
                environment[name] = value;
            }
        }

        var path = environment.GetValueOrDefault("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        var front = toolPaths.Where(p => !path.Split(':').Contains(p, StringComparer.Ordinal)).ToList();
        environment["PATH"] = front.Count == 0 ? path : string.Join(':', front) + ":" + path;
        environment.TryAdd("LANG", "C.UTF-8");
        environment["CI"] = "true";
        environment["TERM"] = "dumb";
        foreach (var (name, value) in capstanVariables)
        {
            environment[name] = value;
        }

        return environment;
    }
}
