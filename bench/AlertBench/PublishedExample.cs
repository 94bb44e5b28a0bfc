using Capstan.Testing;

namespace AlertBench;

/// <summary>
/// examples/hello copied (without build output) and published in Release, as
/// tests/Capstan.Deployments.Tests/Canary/ExampleAppCanaryTests does: the app stands for a user's own repository, so
/// it is built with its own settings, not the benchmark's.
/// </summary>
internal static class PublishedExample
{
    /// <summary>Copies the example into <c>FOLDER/src</c> and publishes it into <c>FOLDER/out</c> (where Hello.dll is).</summary>
    public static async Task PublishAsync(string folder, CancellationToken cancellationToken)
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
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        string[] skipped = ["bin", "obj", "out", "TestResults", ".capstan", "data"];
        foreach (var directory in Directory.EnumerateDirectories(from).Where(d => !skipped.Contains(Path.GetFileName(d))))
        {
            Copy(directory, Path.Combine(to, Path.GetFileName(directory)));
        }

        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }
}
