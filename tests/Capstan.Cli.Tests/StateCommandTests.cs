using System.Text.Json;
using Capstan.Testing;

namespace Capstan.Cli.Tests;

public class StateCommandTests(PostgresServer postgres)
{
    [Fact]
    public async Task StateInfo_WithoutLocation_CreatesTheSqliteStoreBesideTheManifest()
    {
        using var project = new TempDirectory();

        var run = await CliRun.Of(project.Path, "state", "info");

        run.ExitCode.ShouldBe(ExitCodes.Success, run.Error);
        var file = Path.Combine(project.Path, ".capstan", "state.db");
        run.Output.ShouldContain($"state store: sqlite:{file}");
        run.Output.ShouldContain("engine:      SQLite");
        run.Output.ShouldContain("schema:      version 5 (up to date)");
        File.Exists(file).ShouldBeTrue();
        File.GetUnixFileMode(Path.GetDirectoryName(file)!).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    [Fact]
    public async Task StateInfo_WithJson_DescribesTheStore()
    {
        using var project = new TempDirectory();

        var run = await CliRun.Of(project.Path, "state", "info", "--json");

        run.ExitCode.ShouldBe(ExitCodes.Success, run.Error);
        using var json = JsonDocument.Parse(run.Output);
        json.RootElement.GetProperty("engine").GetString().ShouldBe("sqlite");
        json.RootElement.GetProperty("schemaVersion").GetInt32().ShouldBe(5);
    }

    [Fact]
    public async Task StateInfo_ReadsCapstanState_AndStateWinsOverIt()
    {
        using var project = new TempDirectory();
        var fromEnvironment = Path.Combine(project.Path, "env.db");
        var fromOption = Path.Combine(project.Path, "option.db");
        var environment = new Dictionary<string, string?> { ["CAPSTAN_STATE"] = fromEnvironment };

        var first = await CliRun.With(project.Path, environment, TestContext.Current.CancellationToken, "state", "info");
        var second = await CliRun.With(project.Path, environment, TestContext.Current.CancellationToken, "state", "info", "--state", fromOption);

        first.ExitCode.ShouldBe(ExitCodes.Success, first.Error);
        first.Output.ShouldContain($"sqlite:{fromEnvironment}");
        second.Output.ShouldContain($"sqlite:{fromOption}");
        File.Exists(fromEnvironment).ShouldBeTrue();
        File.Exists(fromOption).ShouldBeTrue();
    }

    [Fact]
    public async Task StateInfo_OnPostgres_MigratesTheDatabaseAndHidesThePassword()
    {
        var database = await postgres.CreateDatabaseAsync(TestContext.Current.CancellationToken);
        // The test cluster trusts local connections, so any password works: enough to check it never shows.
        var url = database.Replace("postgres://postgres@", "postgres://postgres:s3cr3t-pw@", StringComparison.Ordinal);
        url.ShouldContain("s3cr3t-pw");

        var run = await CliRun.Of(RepositoryRoot.Path, "state", "info", "--state", url);

        run.ExitCode.ShouldBe(ExitCodes.Success, run.Error);
        run.Output.ShouldContain("engine:      PostgreSQL");
        run.Output.ShouldContain("schema:      version 5 (up to date)");
        run.Output.ShouldContain("postgres:***@");
        (run.Output + run.Error).ShouldNotContain("s3cr3t-pw");
    }

    [Fact]
    public async Task StateInfo_OnAnUnreachableServer_FailsWithoutShowingThePassword()
    {
        var port = FreePort.Get();

        var run = await CliRun.Of(RepositoryRoot.Path, "state", "info", "--state", $"postgres://capstan:hunter2-secret@127.0.0.1:{port}/capstan");

        run.ExitCode.ShouldBe(ExitCodes.Failure);
        run.Error.ShouldContain("cannot open state store postgres://capstan:***@127.0.0.1");
        run.Error.ShouldContain("cannot reach the PostgreSQL server");
        (run.Output + run.Error).ShouldNotContain("hunter2-secret");
    }

    [Fact]
    public async Task StateInfo_WithAnUnknownKindOfLocation_IsAUsageError()
    {
        var run = await CliRun.Of(RepositoryRoot.Path, "state", "info", "--state", "mysql://root@db/app");

        run.ExitCode.ShouldBe(ExitCodes.Usage);
        run.Error.ShouldContain("invalid state location 'mysql://root@db/app'");
    }
}
