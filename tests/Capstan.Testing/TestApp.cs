namespace Capstan.Testing;

/// <summary>
/// The web app of tests/Capstan.TestApp, built with the solution: its behaviour (readiness delay, crashes, version text)
/// is set through environment variables documented at the top of its Program.cs.
/// </summary>
public static class TestApp
{
    /// <summary>The built Capstan.TestApp.dll, of the same configuration as the running tests.</summary>
    public static string DllPath { get; } = Find();

    /// <summary>The shell command that starts the app: <c>dotnet '/…/Capstan.TestApp.dll'</c>.</summary>
    public static string Command => $"dotnet '{DllPath}'";

    /// <summary>
    /// A capstan.yaml for app 'shop': one service 'web' running this app (GET / answers the release's version) behind
    /// the route shop.localhost, and one environment 'staging' with <paramref name="strategy"/>. <paramref name="env"/>
    /// adds lines under the service's env (a changed one makes a new release).
    /// </summary>
    public static string Manifest(string strategy, int replicas, string env = "", string progressDeadline = "20s") => $$"""
        version: 1
        app: shop
        services:
          web:
            run: {{Command}}
            health: { readiness: /ready, liveness: /health, interval: 200ms, timeout: 1s }
            route: { host: shop.localhost }
            scale: { min: {{replicas}}, max: {{replicas + 2}} }
            grace_period: 5s
            drain_timeout: 5s
            env:
              APP_VERSION: "${CAPSTAN_VERSION}"
        {{string.Join("\n", env.Split('\n').Select(line => "      " + line))}}
        environments:
          staging:
            strategy: {{strategy}}
            progress_deadline: {{progressDeadline}}
        """;

    private static string Find()
    {
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        var path = RepositoryRoot.Combine("tests", "Capstan.TestApp", "bin", configuration, "net10.0", "Capstan.TestApp.dll");
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException($"{path} is missing: build the solution (dotnet build Capstan.slnx) first");
    }
}
