using System.Text.Json;
using Capstan.Testing;

namespace Capstan.IntegrationTests.Cli;

/// <summary>The capstan CLI as a real process: exit codes, and results on stdout apart from errors on stderr.</summary>
public class CliProcessTests
{
    private static readonly string CapstanDll = Path.Combine(AppContext.BaseDirectory, "capstan.dll");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Validate_TheExample_ExitsZeroWithTheSummaryOnStdout()
    {
        var result = await Capstan("validate", RepositoryRoot.Combine("examples", "hello"));

        result.ExitCode.ShouldBe(0, result.StandardError);
        result.StandardOutput.ShouldContain("capstan.yaml is valid: app 'hello'");
        result.StandardError.ShouldBeEmpty();
    }

    [Fact]
    public async Task Validate_AnInvalidFile_ExitsThreeWithDiagnosticsOnStderrOnly()
    {
        using var folder = new TempDirectory();
        folder.Write("capstan.yaml", "version: 1\napp: shop\nservices:\n  web: { rn: x }\n");

        var result = await Capstan("validate", folder.Path);

        result.ExitCode.ShouldBe(3);
        result.StandardOutput.ShouldBeEmpty();
        result.StandardError.ShouldContain("capstan.yaml:4:10: error CAP008: unknown key 'rn' in services.web; did you mean 'run'?");
        result.StandardError.ShouldContain("capstan.yaml:4:8: error CAP010: missing key 'run' in services.web");
    }

    [Fact]
    public async Task Validate_WithJson_PutsOnlyJsonOnStdout()
    {
        using var folder = new TempDirectory();
        folder.Write("capstan.yaml", "version: 3\napp: shop\n");

        var result = await Capstan("validate", folder.Path, "--json");

        result.ExitCode.ShouldBe(3);
        using var json = JsonDocument.Parse(result.StandardOutput);
        var item = json.RootElement.EnumerateArray().ShouldHaveSingleItem();
        item.GetProperty("code").GetString().ShouldBe("CAP011");
        item.GetProperty("line").GetInt32().ShouldBe(1);
        item.GetProperty("column").GetInt32().ShouldBe(10);
    }

    [Fact]
    public async Task AnUnknownCommand_ExitsTwo()
    {
        var result = await Capstan("deploy-everything");

        result.ExitCode.ShouldBe(2);
        result.StandardError.ShouldContain("deploy-everything");
    }

    [Fact]
    public async Task Version_PrintsTheVersion()
    {
        var result = await Capstan("--version");

        result.ExitCode.ShouldBe(0);
        result.StandardOutput.Trim().ShouldStartWith("0.1.0");
    }

    [Fact]
    public async Task Init_ThenValidate_WorksOnARealFolder()
    {
        using var folder = new TempDirectory();
        folder.Write("go.mod", "module example.com/api\n");
        folder.Write("main.go", "package main\n");

        var init = await Capstan("init", folder.Path, "--app", "api");
        init.ExitCode.ShouldBe(0, init.StandardError);

        var validate = await Capstan("validate", folder.Path);
        validate.ExitCode.ShouldBe(0, validate.StandardError);
        validate.StandardOutput.ShouldContain("app 'api'");
    }

    private static Task<ProcessResult> Capstan(params string[] args) =>
        ProcessRunner.RunAsync("dotnet", [CapstanDll, .. args], TimeSpan.FromSeconds(60), Ct);
}
