using Capstan.Testing;
using System.Text.Json;

namespace Capstan.Cli.Tests;

public class ValidateCommandTests
{
    private const string BadManifest = """
        version: 1
        app: shop
        pipeline:
          jobs:
            lint: { run: make lint }
            test: { run: make test }
            build:
              needs: [lint, tset]
              run: make
        """;

    [Fact]
    public async Task Validate_TheExample_SucceedsAndSummarisesIt()
    {
        var run = await CliRun.Of(RepositoryRoot.Path, "validate", "examples/hello");

        run.ExitCode.ShouldBe(ExitCodes.Success);
        run.Output.ShouldContain("examples/hello/capstan.yaml is valid");
        run.Output.ShouldContain("app 'hello', 1 service, 4 jobs, 2 environments, 7 alerts, 1 backup, 2 secrets");
        run.Error.ShouldBeEmpty();
    }

    [Fact]
    public async Task Validate_WithoutPath_ReadsTheCurrentFolder()
    {
        var run = await CliRun.Of(RepositoryRoot.Combine("examples", "hello"), "validate");

        run.ExitCode.ShouldBe(ExitCodes.Success);
        run.Output.ShouldStartWith("capstan.yaml is valid");
    }

    [Fact]
    public async Task Validate_AnInvalidFile_PrintsTheLocatedErrorWithItsSourceLineAndExitsInvalidInput()
    {
        using var folder = new TempDirectory();
        folder.Write("capstan.yaml", BadManifest);

        var run = await CliRun.Of(folder.Path, "validate");

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.Output.ShouldBeEmpty();
        var lines = run.Error.Split('\n');
        lines[0].ShouldBe("capstan.yaml:8:21: error CAP012: job 'build' needs unknown job 'tset'; did you mean 'test'? known jobs: lint, test");
        lines[1].ShouldBe("    8 |       needs: [lint, tset]");
        lines[2].ShouldBe("      |                     ^~~~");
        run.Error.ShouldContain("capstan.yaml: 1 error");
    }

    [Fact]
    public async Task Validate_WithJson_PrintsEveryDiagnosticAsAnObject()
    {
        using var folder = new TempDirectory();
        folder.Write("capstan.yaml", BadManifest + "\nunknown: 1\n");

        var run = await CliRun.Of(folder.Path, "validate", "--json");

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        using var json = JsonDocument.Parse(run.Output);
        var items = json.RootElement.EnumerateArray().ToList();
        items.Count.ShouldBe(2);
        items[0].GetProperty("file").GetString().ShouldBe("capstan.yaml");
        items[0].GetProperty("line").GetInt32().ShouldBe(8);
        items[0].GetProperty("column").GetInt32().ShouldBe(21);
        items[0].GetProperty("code").GetString().ShouldBe("CAP012");
        items[0].GetProperty("severity").GetString().ShouldBe("error");
        items[0].GetProperty("message").GetString()!.ShouldContain("unknown job 'tset'");
        items[1].GetProperty("code").GetString().ShouldBe("CAP008");
        items[1].GetProperty("line").GetInt32().ShouldBe(10);
    }

    [Fact]
    public async Task Validate_WithJson_OnAValidFile_PrintsAnEmptyList()
    {
        var run = await CliRun.Of(RepositoryRoot.Path, "validate", "examples/hello", "--json");

        run.ExitCode.ShouldBe(ExitCodes.Success);
        using var json = JsonDocument.Parse(run.Output);
        json.RootElement.GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task Validate_WithWarningsOnly_SucceedsAndShowsThem()
    {
        using var folder = new TempDirectory();
        folder.Write("capstan.yaml", """
            version: 1
            app: shop
            backups:
              db: { sqlite: /srv/shop.db, schedule: "0 */6 * * *", rpo: 1h }
            """);

        var run = await CliRun.Of(folder.Path, "validate");

        run.ExitCode.ShouldBe(ExitCodes.Success);
        run.Error.ShouldContain("capstan.yaml:4:41: warning CAP036: backup 'db' runs as rarely as every 6h");
        run.Output.ShouldContain("capstan.yaml is valid (1 warning)");
    }

    [Fact]
    public async Task Validate_AFolderWithoutManifest_SaysToRunInit()
    {
        using var folder = new TempDirectory();

        var run = await CliRun.Of(folder.Path, "validate");

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.Error.ShouldContain("capstan.yaml:1:1: error CAP001: no capstan.yaml in .; run 'capstan init' there to write one");
    }

    [Fact]
    public async Task Validate_ACapstanYmlFile_SaysToRenameIt()
    {
        using var folder = new TempDirectory();
        folder.Write("capstan.yml", "version: 1\napp: shop\n");

        var run = await CliRun.Of(folder.Path, "validate");

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.Error.ShouldContain("found capstan.yml");
        run.Error.ShouldContain("rename it");
    }

    [Fact]
    public async Task Validate_AMissingPath_NamesIt()
    {
        using var folder = new TempDirectory();

        var run = await CliRun.Of(folder.Path, "validate", "nowhere/capstan.yaml");

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.Error.ShouldContain("CAP001");
        run.Error.ShouldContain("nowhere/capstan.yaml does not exist");
    }

    [Fact]
    public async Task Validate_AFileOverOneMebibyte_IsRefusedWithoutParsing()
    {
        using var folder = new TempDirectory();
        folder.Write("capstan.yaml", "version: 1\napp: shop\n# " + new string('x', 1024 * 1024) + "\n");

        var run = await CliRun.Of(folder.Path, "validate", "--json");

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        using var json = JsonDocument.Parse(run.Output);
        json.RootElement[0].GetProperty("code").GetString().ShouldBe("CAP002");
    }
}
