using Capstan.Testing;
using System.CommandLine;
using System.Text.Json;
using Capstan.Cli.Output;

namespace Capstan.Cli.Tests;

public class CommandLineTests
{
    [Fact]
    public async Task AMisspeltCommand_IsAUsageError_ThatSuggestsTheRightOne()
    {
        var run = await CliRun.Of(RepositoryRoot.Path, "valdiate");

        run.ExitCode.ShouldBe(ExitCodes.Usage);
        run.Error.ShouldContain("error: Unrecognized command or argument 'valdiate'");
        run.Error.ShouldContain("did you mean 'capstan validate'?");
        run.Error.ShouldContain("run 'capstan --help' for usage");
    }

    [Fact]
    public async Task AnUnknownOption_IsAUsageError_PointingAtTheCommandsHelp()
    {
        var run = await CliRun.Of(RepositoryRoot.Path, "validate", "--jsn");

        run.ExitCode.ShouldBe(ExitCodes.Usage);
        run.Error.ShouldContain("'--jsn'");
        run.Error.ShouldContain("run 'capstan validate --help' for usage");
    }

    [Fact]
    public async Task NoCommand_ShowsTheHelp_AsAUsageError()
    {
        var run = await CliRun.Of(RepositoryRoot.Path);

        run.ExitCode.ShouldBe(ExitCodes.Usage);
        run.Output.ShouldContain("Usage:");
        run.Output.ShouldContain("validate");
        run.Output.ShouldContain("init");
    }

    [Theory]
    [InlineData("validate")]
    [InlineData("schema")]
    [InlineData("init")]
    public async Task EveryCommand_HasHelp(string command)
    {
        var run = await CliRun.Of(RepositoryRoot.Path, command, "--help");

        run.ExitCode.ShouldBe(ExitCodes.Success);
        run.Output.ShouldContain("Usage:");
        run.Output.ShouldContain($"capstan {command}");
    }

    [Fact]
    public async Task ACancelledRun_ExitsWithTheCancelledCode()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var run = await CliRun.Of(RepositoryRoot.Path, cancelled.Token, "validate", "examples/hello");

        run.ExitCode.ShouldBe(ExitCodes.Cancelled);
        run.Error.ShouldContain("cancelled");
    }

    [Fact]
    public async Task AnUnexpectedError_PrintsOneLineAndWritesTheTraceToACrashLog()
    {
        using var state = new TempDirectory();
        using var output = new StringWriter();
        using var error = new StringWriter();
        var console = new CliConsole(output, error, colors: false, RepositoryRoot.Path, name => name == "XDG_STATE_HOME" ? state.Path : null);
        var root = CapstanCli.CreateRoot(console);
        var broken = new Command("broken", "throws");
        broken.SetAction((Func<ParseResult, int>)(_ => throw new InvalidOperationException("a bug")));
        root.Subcommands.Add(broken);

        var code = await CapstanCli.RunAsync(["broken"], console, handleSignals: false, root, TestContext.Current.CancellationToken);

        code.ShouldBe(ExitCodes.Unexpected);
        error.ToString().ShouldContain("error: unexpected error: InvalidOperationException: a bug");
        var log = Directory.GetFiles(Path.Combine(state.Path, "capstan", "logs")).ShouldHaveSingleItem();
        error.ToString().ShouldContain(log);
        (await File.ReadAllTextAsync(log, TestContext.Current.CancellationToken)).ShouldContain("at Capstan.Cli.Tests.CommandLineTests");
    }

    [Fact]
    public async Task Schema_PrintsTheJsonSchemaOfTheManifest()
    {
        var run = await CliRun.Of(RepositoryRoot.Path, "schema");

        run.ExitCode.ShouldBe(ExitCodes.Success);
        using var schema = JsonDocument.Parse(run.Output);
        schema.RootElement.GetProperty("$schema").GetString().ShouldBe("https://json-schema.org/draft/2020-12/schema");
        var root = schema.RootElement.GetProperty("$defs").GetProperty("capstan");
        root.GetProperty("required").EnumerateArray().Select(e => e.GetString()).ShouldBe(["version", "app"]);
        root.GetProperty("additionalProperties").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task Schema_WithOutput_WritesTheFile()
    {
        using var folder = new TempDirectory();

        var run = await CliRun.Of(folder.Path, "schema", "-o", "capstan.schema.json");

        run.ExitCode.ShouldBe(ExitCodes.Success);
        var written = await File.ReadAllTextAsync(Path.Combine(folder.Path, "capstan.schema.json"), TestContext.Current.CancellationToken);
        using var schema = JsonDocument.Parse(written);
        schema.RootElement.GetProperty("$defs").GetProperty("job").GetProperty("properties").TryGetProperty("needs", out _).ShouldBeTrue();
        Directory.GetFiles(folder.Path).ShouldHaveSingleItem("no temporary file is left behind");
    }

    [Fact]
    public async Task Schema_IntoAMissingFolder_SaysSo()
    {
        using var folder = new TempDirectory();

        var run = await CliRun.Of(folder.Path, "schema", "-o", "missing/schema.json");

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.Error.ShouldContain("does not exist");
    }
}
