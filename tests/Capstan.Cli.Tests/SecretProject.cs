using Capstan.Testing;

namespace Capstan.Cli.Tests;

/// <summary>A project folder with a capstan.yaml that declares secrets, and a way to run capstan in it.</summary>
internal sealed class SecretProject : IDisposable
{
    public const string Manifest = """
        version: 1
        app: shop
        services:
          web:
            run: ./web
            env:
              DATABASE_URL: "${secret:DATABASE_URL}"
        environments:
          staging: {}
          production: { requires: [staging] }
        secrets:
          DATABASE_URL: { rotate: 90d, grace: 2h }
          STRIPE_KEY: { rotate: 30d }
          ONCALL_WEBHOOK: {}
        """;

    private readonly TempDirectory _folder = new();

    public SecretProject(string manifest = Manifest)
    {
        _folder.Write("capstan.yaml", manifest);
    }

    public string Path => _folder.Path;

    public string CapstanDirectory => _folder.Combine(".capstan");

    public Dictionary<string, string?> Environment { get; } = new() { ["CAPSTAN_ACTOR"] = "ana" };

    public string Write(string relative, string content) => _folder.Write(relative, content);

    public Task<CliRun> Run(params string[] args) => Pipe(null, args);

    /// <summary>Runs with <paramref name="input"/> on standard input.</summary>
    public Task<CliRun> Pipe(string? input, params string[] args) =>
        CliRun.With(Path, Environment, input, TestContext.Current.CancellationToken, args);

    public async Task<CliRun> Set(string name, string environment, string value)
    {
        var run = await Pipe(value, "secret", "set", name, "--env", environment);
        run.ExitCode.ShouldBe(ExitCodes.Success, run.Error);
        return run;
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }
}
