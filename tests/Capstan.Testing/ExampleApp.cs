namespace Capstan.Testing;

/// <summary>
/// The example app (examples/hello) as Capstan runs it for a user: copied without its build output and published in
/// Release with its own settings (it stands for a user's repository, not for our build), and the capstan.yaml that
/// runs the published app as service <c>web</c> of app <c>shop</c> in <c>staging</c>. Tests and benchmarks that need
/// a real app with a real database behind GET / share it.
/// </summary>
public static class ExampleApp
{
    private static readonly string[] Skipped = ["bin", "obj", "out", "TestResults", ".capstan", "data"];

    /// <summary>Copies the example into <c>FOLDER/src</c> and publishes it into <c>FOLDER/out</c>, whose path it returns (Hello.dll is there).</summary>
    public static async Task<string> PublishAsync(string folder, CancellationToken cancellationToken)
    {
        var source = Path.Combine(folder, "src");
        var output = Path.Combine(folder, "out");
        Copy(RepositoryRoot.Combine("examples", "hello"), source);
        File.Copy(RepositoryRoot.Combine("nuget.config"), Path.Combine(source, "nuget.config"));
        var run = await ProcessRunner.RunAsync(
            "dotnet",
            ["publish", Path.Combine(source, "Hello.csproj"), "-c", "Release", "-o", output, "--nologo", "-v", "quiet"],
            TimeSpan.FromMinutes(5),
            source,
            cancellationToken);
        if (run.ExitCode != 0 || !File.Exists(Path.Combine(output, "Hello.dll")))
        {
            throw new InvalidOperationException($"publishing examples/hello failed ({run.ExitCode}):\n{run.StandardOutput}\n{run.StandardError}");
        }

        return output;
    }

    /// <summary>
    /// capstan.yaml running the published example (<paramref name="published"/>, from <see cref="PublishAsync"/>) as
    /// service <c>web</c> of app <c>shop</c>, host <c>staging.shop.localhost</c>, with its database in the instance's
    /// data folder. <paramref name="env"/> adds lines under the service's <c>env</c> (e.g. <c>FAULT_RATE: "0.05"</c>);
    /// <paramref name="rest"/> adds top-level keys after <c>environments</c> (alerts, notifications, routing).
    /// </summary>
    public static string Manifest(string published, string strategy = "blue-green", string env = "", string rest = "")
    {
        var envLines = string.Concat(env.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => "\n      " + line.Trim()));
        return $$"""
            version: 1
            app: shop
            services:
              web:
                run: dotnet {{Path.Combine(published, "Hello.dll")}} --urls http://127.0.0.1:${PORT}
                health: { readiness: /ready, liveness: /health, interval: 200ms, timeout: 2s }
                route: { host: shop.localhost }
                grace_period: 5s
                drain_timeout: 5s
                env:
                  APP_VERSION: "${CAPSTAN_VERSION}"
                  DATA_DIR: "${CAPSTAN_DATA_DIR}"{{envLines}}
            environments:
              staging:
                strategy: {{strategy}}
                progress_deadline: 60s

            """ + rest;
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var directory in Directory.EnumerateDirectories(from).Where(d => !Skipped.Contains(Path.GetFileName(d))))
        {
            Copy(directory, Path.Combine(to, Path.GetFileName(directory)));
        }

        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }
}
