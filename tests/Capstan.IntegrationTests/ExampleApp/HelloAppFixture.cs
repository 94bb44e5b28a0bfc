using Capstan.Testing;
using System.Diagnostics;
using System.Globalization;

namespace Capstan.IntegrationTests.ExampleApp;

[CollectionDefinition(Name)]
public sealed class HelloAppCollection : ICollectionFixture<HelloAppFixture>
{
    public const string Name = "Hello example app";
}

/// <summary>
/// Publishes examples/hello once for the test run, as Capstan will (<c>dotnet publish -c Release</c>),
/// and starts instances of it on free loopback ports.
/// </summary>
public sealed class HelloAppFixture : IAsyncLifetime
{
    private readonly TempDirectory _folder = new();

    public string AppPath => _folder.Combine("app", "Hello.dll");

    public async ValueTask InitializeAsync()
    {
        var project = Path.Combine(FindRepositoryRoot(), "examples", "hello");
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // A separate artifacts folder keeps this publish apart from anyone building examples/hello meanwhile;
        // no reused MSBuild nodes or compiler server, which would outlive the command and hold its output open.
        foreach (var argument in new[]
                 {
                     "publish", project, "-c", "Release", "-o", _folder.Combine("app"),
                     "--artifacts-path", _folder.Combine("artifacts"), "--nologo", "-nodeReuse:false",
                     "-p:UseSharedCompilation=false",
                 })
        {
            startInfo.ArgumentList.Add(argument);
        }

        // `dotnet test` leaves MSBuild variables in the test's environment that would steer a nested build.
        foreach (var name in startInfo.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            startInfo.Environment.Remove(name);
        }

        startInfo.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        startInfo.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";

        using var process = Process.Start(startInfo)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(Timeouts.Publish);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet publish of {project} timed out after {Timeouts.Publish.TotalMinutes:0}m.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"dotnet publish of {project} failed with exit code {process.ExitCode}:\n{await output}\n{await error}");
        }
    }

    public ValueTask DisposeAsync()
    {
        _folder.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Starts an instance on a free port and waits until it answers /health.</summary>
    public async Task<HelloProcess> StartAsync(
        string dataDirectory, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken)
    {
        var hello = Launch(dataDirectory, environment);
        try
        {
            await hello.WaitUntilHealthyAsync(cancellationToken);
            return hello;
        }
        catch
        {
            await hello.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts an instance without waiting for it: with PORT set to a free port unless the knobs set one.</summary>
    public HelloProcess Launch(
        string dataDirectory, IReadOnlyDictionary<string, string>? environment = null, params string[] arguments)
    {
        var knobs = new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { ["DATA_DIR"] = dataDirectory };
        if (!knobs.ContainsKey("PORT"))
        {
            knobs["PORT"] = FreePort.Get().ToString(CultureInfo.InvariantCulture);
        }

        // A test that sets an invalid PORT expects no listener at all.
        var port = int.TryParse(knobs["PORT"], CultureInfo.InvariantCulture, out var parsed) && parsed is > 0 and <= 65535 ? parsed : 0;
        return HelloProcess.Start(AppPath, _folder.Path, port, knobs, arguments);
    }

    private static string FindRepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "examples", "hello", "Hello.csproj")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No examples/hello/Hello.csproj above {AppContext.BaseDirectory}.");
    }
}
