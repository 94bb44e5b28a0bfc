using Capstan.Testing;
using System.Text.Json;
using Capstan.Manifest;

namespace Capstan.Cli.Tests;

public class InitCommandTests
{
    [Fact]
    public async Task Init_OnADotNetSolution_WritesAPipelineAndServiceThatValidate()
    {
        using var project = new TempDirectory();
        project.Write("Shop.slnx", "<Solution />");
        project.Write("src/Shop.Api/Shop.Api.csproj", """<Project Sdk="Microsoft.NET.Sdk.Web"><PropertyGroup><AssemblyName>ShopApi</AssemblyName></PropertyGroup></Project>""");
        project.Write("src/Shop.Core/Shop.Core.csproj", """<Project Sdk="Microsoft.NET.Sdk" />""");
        project.Write("tests/Shop.Tests/Shop.Tests.csproj", """<Project Sdk="Microsoft.NET.Sdk"><ItemGroup><PackageReference Include="Microsoft.NET.Test.Sdk" /></ItemGroup></Project>""");

        var manifest = await InitAndLoad(project);

        manifest.Services["web"].Run.Text.ShouldBe("dotnet ShopApi.dll --urls http://127.0.0.1:${PORT}");
        manifest.Services["web"].Artifact.ShouldBe("build");
        var jobs = manifest.Pipeline.Jobs;
        jobs.Keys.ShouldBe(["lint", "test", "scan", "build"]);
        jobs["test"].Run!.Text.ShouldBe("dotnet test Shop.slnx");
        jobs["test"].Needs.ShouldBe(["lint"]);
        jobs["build"].Run!.Text.ShouldBe("dotnet publish src/Shop.Api/Shop.Api.csproj -c Release -o out");
        jobs["build"].Needs.ShouldBe(["test", "scan"]);
        jobs["build"].Artifact.ShouldBe("out");
        jobs["build"].Cache!.Paths.ShouldBe(["~/.nuget/packages"]);
    }

    [Fact]
    public async Task Init_OnANodeProjectWithYarn_UsesItsScriptsAndLockFile()
    {
        using var project = new TempDirectory();
        project.Write("package.json", """{ "name": "shop", "scripts": { "lint": "eslint .", "test": "jest", "build": "tsc", "start": "node dist/server.js" } }""");
        project.Write("yarn.lock", "");
        project.Write("src/server.ts", "");

        var manifest = await InitAndLoad(project);

        manifest.Pipeline.Jobs["lint"].Run!.Text.ShouldBe("yarn install --frozen-lockfile && yarn lint");
        manifest.Pipeline.Jobs["test"].Run!.Text.ShouldBe("yarn install --frozen-lockfile && yarn test");
        manifest.Pipeline.Jobs["build"].Run!.Text.ShouldBe("yarn install --frozen-lockfile && yarn build");
        manifest.Pipeline.Jobs["build"].Cache!.Key.ShouldBe(["yarn.lock"]);
        manifest.Pipeline.Jobs["build"].Inputs.ShouldBe(["src/**", "package.json", "yarn.lock"]);
        manifest.Services["web"].Run.Text.ShouldBe("yarn start");
        manifest.Services["web"].Env["NODE_ENV"].Text.ShouldBe("production");
    }

    [Fact]
    public async Task Init_OnANodeProjectWithoutScripts_StartsItsEntryFile()
    {
        using var project = new TempDirectory();
        project.Write("package.json", """{ "name": "tiny" }""");
        project.Write("package-lock.json", "{}");
        project.Write("server.js", "");

        var manifest = await InitAndLoad(project);

        manifest.Services["web"].Run.Text.ShouldBe("node server.js");
        manifest.Pipeline.Jobs.Keys.ShouldBe(["scan", "build"]);
        manifest.Pipeline.Jobs["build"].Run!.Text.ShouldBe("npm ci");
    }

    [Fact]
    public async Task Init_OnAnInvalidPackageJson_SaysWhatIsWrong()
    {
        using var project = new TempDirectory();
        project.Write("package.json", "{ not json");

        var run = await CliRun.Of(project.Path, "init");

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.Error.ShouldContain("package.json");
        run.Error.ShouldContain("is not valid JSON");
        File.Exists(Path.Combine(project.Path, "capstan.yaml")).ShouldBeFalse();
    }

    [Theory]
    [InlineData("fastapi\npytest\n", "main.py", "uvicorn main:app --host 127.0.0.1 --port ${PORT}", "python3 -m pytest")]
    [InlineData("flask\n", "app.py", "flask --app app run --host 127.0.0.1 --port ${PORT}", "python3 -m unittest discover")]
    [InlineData("requests\n", "app.py", "python3 app.py", "python3 -m unittest discover")]
    public async Task Init_OnAPythonProject_PicksTheServerOfItsFramework(string requirements, string entry, string run, string test)
    {
        using var project = new TempDirectory();
        project.Write("requirements.txt", requirements);
        project.Write(entry, "");

        var manifest = await InitAndLoad(project);

        manifest.Services["web"].Run.Text.ShouldBe(run);
        manifest.Services["web"].Artifact.ShouldBeNull();
        manifest.Pipeline.Jobs["test"].Run!.Text.ShouldBe($"pip install -r requirements.txt && {test}");
    }

    [Fact]
    public async Task Init_OnADjangoProjectWithGunicorn_ServesItsWsgiApp()
    {
        using var project = new TempDirectory();
        project.Write("requirements.txt", "django\ngunicorn\nruff\n");
        project.Write("manage.py", "");
        project.Write("shop/wsgi.py", "");

        var manifest = await InitAndLoad(project);

        manifest.Services["web"].Run.Text.ShouldBe("gunicorn --bind 127.0.0.1:${PORT} shop.wsgi");
        manifest.Pipeline.Jobs["lint"].Run!.Text.ShouldBe("pip install -r requirements.txt && ruff check .");
    }

    [Fact]
    public async Task Init_OnAGoModuleWithACommandFolder_BuildsThatCommand()
    {
        using var project = new TempDirectory();
        project.Write("go.mod", "module example.com/shop\n");
        project.Write("go.sum", "");
        project.Write("cmd/server/main.go", "package main");

        var manifest = await InitAndLoad(project);

        manifest.Pipeline.Jobs["build"].Run!.Text.ShouldBe("CGO_ENABLED=0 go build -o out/app ./cmd/server");
        manifest.Pipeline.Jobs["build"].Cache!.Key.ShouldBe(["go.sum"]);
        manifest.Pipeline.Jobs["test"].Run!.Text.ShouldBe("go test ./...");
        manifest.Services["web"].Run.Text.ShouldBe("./app");
    }

    [Fact]
    public async Task Init_OnAStaticSite_PackagesItsFolderAndServesIt()
    {
        using var project = new TempDirectory();
        project.Write("public/index.html", "<h1>hi</h1>");

        var manifest = await InitAndLoad(project);

        manifest.Pipeline.Jobs["build"].Run!.Text.ShouldBe("mkdir -p out && cp -R public/. out/");
        manifest.Services["web"].Run.Text.ShouldBe("python3 -m http.server ${PORT} --bind 127.0.0.1");
    }

    [Fact]
    public async Task Init_WithSeveralStacks_PicksOneAndNamesTheOthers_AndStackChooses()
    {
        using var go = new TempDirectory();
        go.Write("go.mod", "module x\n");
        go.Write("main.go", "package main");
        go.Write("package.json", "{}");

        var first = await CliRun.Of(go.Path, "init");
        first.ExitCode.ShouldBe(ExitCodes.Success);
        first.Output.ShouldContain("for a Go module");
        first.Output.ShouldContain("also found: Node.js (choose with --stack)");

        using var node = new TempDirectory();
        node.Write("go.mod", "module x\n");
        node.Write("package.json", "{}");
        var chosen = await CliRun.Of(node.Path, "init", "--stack", "node");
        chosen.ExitCode.ShouldBe(ExitCodes.Success);
        chosen.Output.ShouldContain("for a Node.js project");
    }

    [Fact]
    public async Task Init_NamesTheAppAfterTheFolder_OrAfterApp()
    {
        using var parent = new TempDirectory();
        var folder = Path.Combine(parent.Path, "My_Shop 2");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "index.html"), "");

        (await CliRun.Of(parent.Path, "init", "My_Shop 2")).ExitCode.ShouldBe(ExitCodes.Success);
        ManifestLoader.Load(folder).Manifest!.App.ShouldBe("my-shop-2");

        using var other = new TempDirectory();
        other.Write("index.html", "");
        (await CliRun.Of(other.Path, "init", "--app", "storefront")).ExitCode.ShouldBe(ExitCodes.Success);
        ManifestLoader.Load(other.Path).Manifest!.App.ShouldBe("storefront");
    }

    [Fact]
    public async Task Init_WithAnInvalidAppName_IsAUsageError()
    {
        using var project = new TempDirectory();
        project.Write("index.html", "");

        var run = await CliRun.Of(project.Path, "init", "--app", "My_Shop");

        run.ExitCode.ShouldBe(ExitCodes.Usage);
        run.Error.ShouldContain("--app 'My_Shop' is not a valid application name");
        File.Exists(Path.Combine(project.Path, "capstan.yaml")).ShouldBeFalse();
    }

    [Fact]
    public async Task Init_WhenCapstanYamlExists_RefusesAndLeavesItUntouched()
    {
        using var project = new TempDirectory();
        project.Write("index.html", "");
        var existing = project.Write("capstan.yaml", "version: 1\napp: mine\n");

        var run = await CliRun.Of(project.Path, "init");

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.Error.ShouldContain("capstan.yaml already exists; capstan init does not overwrite it");
        (await File.ReadAllTextAsync(existing, TestContext.Current.CancellationToken)).ShouldBe("version: 1\napp: mine\n");
    }

    [Fact]
    public async Task Init_OnAFolderItCannotRecognise_SaysWhatItLookedFor()
    {
        using var project = new TempDirectory();
        project.Write("README.txt", "hello");

        var run = await CliRun.Of(project.Path, "init");

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.Error.ShouldContain("cannot tell what kind of project");
        run.Error.ShouldContain("--stack");
        Directory.GetFiles(project.Path).ShouldBe([Path.Combine(project.Path, "README.txt")]);
    }

    [Fact]
    public async Task Init_WithAStackThatIsNotThere_SaysSo()
    {
        using var project = new TempDirectory();
        project.Write("index.html", "");

        var run = await CliRun.Of(project.Path, "init", "--stack", "go");

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.Error.ShouldContain("no Go project found");
    }

    [Fact]
    public async Task Init_WithAnUnknownStack_IsAUsageError()
    {
        using var project = new TempDirectory();

        var run = await CliRun.Of(project.Path, "init", "--stack", "cobol");

        run.ExitCode.ShouldBe(ExitCodes.Usage);
        run.Error.ShouldContain("cobol");
    }

    [Fact]
    public async Task Init_OnAMissingFolder_SaysSo()
    {
        using var parent = new TempDirectory();

        var run = await CliRun.Of(parent.Path, "init", "nowhere");

        run.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        run.Error.ShouldContain("nowhere is not a folder");
    }

    [Fact]
    public async Task Init_WithJson_DescribesWhatItWrote()
    {
        using var project = new TempDirectory();
        project.Write("go.mod", "module x\n");
        project.Write("main.go", "");

        var run = await CliRun.Of(project.Path, "init", "--json", "--app", "api");

        run.ExitCode.ShouldBe(ExitCodes.Success);
        using var json = JsonDocument.Parse(run.Output);
        json.RootElement.GetProperty("file").GetString().ShouldBe("capstan.yaml");
        json.RootElement.GetProperty("app").GetString().ShouldBe("api");
        json.RootElement.GetProperty("stack").GetString().ShouldBe("go");
    }

    [Fact]
    public async Task Init_WritesTheSeedsStarterAlertsAndRollout()
    {
        using var project = new TempDirectory();
        project.Write("index.html", "");

        var manifest = await InitAndLoad(project);

        manifest.Alerts.Select(a => a.Name).ShouldBe(["HighErrorRate", "SlowResponses", "VerySlowResponses", "InstancesDown", "HighCpu", "HighMemory", "DiskAlmostFull"]);
        manifest.Alerts[0].When.Text.ShouldBe("error_rate(web) > 1%");
        manifest.Alerts[0].For.ToString().ShouldBe("5m");
        var production = manifest.Environments["production"];
        production.Requires.ShouldBe(["staging"]);
        production.Approval!.Reviewers.ShouldBe(1);
        var canary = production.Strategy.ShouldBeOfType<Capstan.Manifest.Model.CanaryStrategy>();
        canary.Steps.Select(s => s.Percent).ShouldBe([5, 25, 50, 100]);
        manifest.Secrets["ONCALL_WEBHOOK"].Rotate!.Value.ToString().ShouldBe("90d");
    }

    private static async Task<Capstan.Manifest.Model.CapstanManifest> InitAndLoad(TempDirectory project)
    {
        var run = await CliRun.Of(project.Path, "init");
        run.ExitCode.ShouldBe(ExitCodes.Success, run.Error);
        run.Output.ShouldContain("wrote capstan.yaml for ");
        var result = ManifestLoader.Load(project.Path);
        result.Diagnostics.ShouldBeEmpty(string.Join('\n', result.Diagnostics));
        return result.Manifest!;
    }
}
