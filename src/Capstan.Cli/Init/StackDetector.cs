using System.Text.Json;
using System.Text.RegularExpressions;

namespace Capstan.Cli.Init;

/// <summary>Recognises the kind of project in a folder from its marker files.</summary>
internal static partial class StackDetector
{
    private static readonly string[] Ignored = ["bin", "obj", "node_modules", ".git", ".capstan", "out", "dist", "vendor", ".venv", "venv", "__pycache__"];

    /// <summary>The project, or null when nothing is recognised; <paramref name="forced"/> picks a stack when several match.</summary>
    public static StarterProject? Detect(string folder, Stack? forced = null)
    {
        var candidates = new List<Func<string, StarterProject?>> { DetectDotNet, DetectGo, DetectNode, DetectPython, DetectStatic };
        var found = candidates.Select(detect => detect(folder)).OfType<StarterProject>().ToList();
        var chosen = forced is { } stack ? found.FirstOrDefault(p => p.Stack == stack) : found.FirstOrDefault();
        return chosen is null ? null : chosen with { AlsoFound = [.. found.Where(p => p != chosen).Select(p => p.Stack)] };
    }

    public static string Describe(Stack stack) => stack switch
    {
        Stack.DotNet => ".NET",
        Stack.Node => "Node.js",
        Stack.Python => "Python",
        Stack.Go => "Go",
        _ => "static site",
    };

    private static StarterProject? DetectDotNet(string folder)
    {
        var projects = Files(folder, 3, "*.csproj").Concat(Files(folder, 3, "*.fsproj")).Order(StringComparer.Ordinal).ToList();
        if (projects.Count == 0)
        {
            return null;
        }

        var texts = projects.ToDictionary(p => p, File.ReadAllText);
        var tests = projects.Where(p => IsTestProject(p, texts[p])).ToList();
        var apps = projects.Except(tests).ToList();
        var web = apps.FirstOrDefault(p => texts[p].Contains("Microsoft.NET.Sdk.Web", StringComparison.Ordinal)) ?? apps.FirstOrDefault() ?? projects[0];
        var solution = Files(folder, 0, "*.slnx").Concat(Files(folder, 0, "*.sln")).Order(StringComparer.Ordinal).FirstOrDefault();
        var target = Relative(folder, solution ?? web);
        var webPath = Relative(folder, web);
        var assembly = AssemblyNameRegex().Match(texts[web]) is { Success: true } m ? m.Groups[1].Value : Path.GetFileNameWithoutExtension(web);
        var packages = File.Exists(Path.Combine(folder, "Directory.Packages.props")) ? "Directory.Packages.props" : webPath;
        var fsharp = projects.Any(p => p.EndsWith(".fsproj", StringComparison.Ordinal));
        return new StarterProject
        {
            Stack = Stack.DotNet,
            Summary = $"a .NET project ({webPath})",
            Lint = $"dotnet format {target} --verify-no-changes",
            Test = tests.Count > 0 ? $"dotnet test {target}" : $"dotnet build {target} -warnaserror",
            Build = $"dotnet publish {webPath} -c Release -o out",
            Artifact = "out",
            Run = $"dotnet {assembly}.dll --urls http://127.0.0.1:${{PORT}}",
            Inputs = fsharp ? ["**/*.fs", "**/*.*proj", "**/*.props"] : ["**/*.cs", "**/*.*proj", "**/*.props"],
            CacheKey = [packages],
            CachePaths = ["~/.nuget/packages"],
        };
    }

    private static bool IsTestProject(string path, string text) =>
        text.Contains("<IsTestProject>true", StringComparison.OrdinalIgnoreCase)
        || text.Contains("Microsoft.NET.Test.Sdk", StringComparison.Ordinal)
        || Path.GetFileNameWithoutExtension(path).EndsWith("Tests", StringComparison.Ordinal)
        || Path.GetFileNameWithoutExtension(path).EndsWith(".Test", StringComparison.Ordinal);

    private static StarterProject? DetectGo(string folder)
    {
        var mod = Path.Combine(folder, "go.mod");
        if (!File.Exists(mod))
        {
            return null;
        }

        var main = File.Exists(Path.Combine(folder, "main.go"))
            ? "."
            : Files(folder, 2, "main.go").Select(f => "./" + Relative(folder, Path.GetDirectoryName(f)!)).Order(StringComparer.Ordinal).FirstOrDefault() ?? ".";
        return new StarterProject
        {
            Stack = Stack.Go,
            Summary = "a Go module (go.mod)",
            Lint = "go vet ./...",
            Test = "go test ./...",
            Build = $"CGO_ENABLED=0 go build -o out/app {main}",
            Artifact = "out",
            Run = "./app",
            Inputs = ["**/*.go", "go.mod", "go.sum"],
            CacheKey = [File.Exists(Path.Combine(folder, "go.sum")) ? "go.sum" : "go.mod"],
            CachePaths = ["~/go/pkg/mod", "~/.cache/go-build"],
        };
    }

    private static StarterProject? DetectNode(string folder)
    {
        var packageJson = Path.Combine(folder, "package.json");
        if (!File.Exists(packageJson))
        {
            return null;
        }

        var scripts = new HashSet<string>(StringComparer.Ordinal);
        string? main = null;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(packageJson));
            if (document.RootElement.TryGetProperty("scripts", out var s) && s.ValueKind == JsonValueKind.Object)
            {
                scripts.UnionWith(s.EnumerateObject().Select(p => p.Name));
            }

            if (document.RootElement.TryGetProperty("main", out var m) && m.ValueKind == JsonValueKind.String)
            {
                main = m.GetString();
            }
        }
        catch (JsonException ex)
        {
            throw new CommandException($"package.json in {folder} is not valid JSON ({ex.Message}); fix it or choose another stack with --stack");
        }

        var (manager, install, lockFile, cache) =
            File.Exists(Path.Combine(folder, "pnpm-lock.yaml")) ? ("pnpm", "pnpm install --frozen-lockfile", "pnpm-lock.yaml", "~/.local/share/pnpm/store")
            : File.Exists(Path.Combine(folder, "yarn.lock")) ? ("yarn", "yarn install --frozen-lockfile", "yarn.lock", "~/.cache/yarn")
            : File.Exists(Path.Combine(folder, "package-lock.json")) ? ("npm", "npm ci", "package-lock.json", "~/.npm")
            : ("npm", "npm install", "package.json", "~/.npm");
        string Script(string name) => manager == "npm" && name is not ("test" or "start") ? $"npm run {name}" : $"{manager} {name}";
        var entry = main ?? new[] { "server.js", "index.js", "app.js" }.FirstOrDefault(f => File.Exists(Path.Combine(folder, f))) ?? "index.js";
        return new StarterProject
        {
            Stack = Stack.Node,
            Summary = "a Node.js project (package.json)",
            Lint = scripts.Contains("lint") ? $"{install} && {Script("lint")}" : null,
            Test = scripts.Contains("test") ? $"{install} && {Script("test")}" : null,
            // The artifact is the whole built project: `npm start` needs node_modules. Narrow it when the app allows.
            Build = scripts.Contains("build") ? $"{install} && {Script("build")}" : install,
            Artifact = ".",
            Run = scripts.Contains("start") ? Script("start") : $"node {entry}",
            Env = new Dictionary<string, string> { ["NODE_ENV"] = "production" },
            Inputs = Directory.Exists(Path.Combine(folder, "src")) ? ["src/**", "package.json", lockFile] : ["**/*.js", "**/*.ts", "package.json", lockFile],
            CacheKey = [lockFile],
            CachePaths = [cache],
        };
    }

    private static StarterProject? DetectPython(string folder)
    {
        string[] markers = ["pyproject.toml", "requirements.txt", "setup.py", "Pipfile", "manage.py"];
        var present = markers.Where(m => File.Exists(Path.Combine(folder, m))).ToList();
        if (present.Count == 0)
        {
            return null;
        }

        var dependencies = string.Join('\n', present.Where(m => m != "manage.py").Select(m => File.ReadAllText(Path.Combine(folder, m)))).ToLowerInvariant();
        var install = File.Exists(Path.Combine(folder, "requirements.txt")) ? "pip install -r requirements.txt" : "pip install .";
        var lint = dependencies.Contains("ruff", StringComparison.Ordinal) ? "ruff check ."
            : dependencies.Contains("flake8", StringComparison.Ordinal) ? "flake8"
            : "python3 -m compileall -q .";
        var test = dependencies.Contains("pytest", StringComparison.Ordinal) || Directory.Exists(Path.Combine(folder, "tests"))
            ? "python3 -m pytest"
            : "python3 -m unittest discover";
        var module = new[] { "main", "app" }.FirstOrDefault(m => File.Exists(Path.Combine(folder, m + ".py"))) ?? "app";
        string run;
        if (File.Exists(Path.Combine(folder, "manage.py")))
        {
            var project = Directory.EnumerateFiles(folder, "wsgi.py", new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 1 })
                .Select(f => Path.GetFileName(Path.GetDirectoryName(f)!)).Order(StringComparer.Ordinal).FirstOrDefault();
            run = dependencies.Contains("gunicorn", StringComparison.Ordinal) && project is not null
                ? $"gunicorn --bind 127.0.0.1:${{PORT}} {project}.wsgi"
                : "python3 manage.py runserver 127.0.0.1:${PORT} --noreload";
        }
        else if (dependencies.Contains("fastapi", StringComparison.Ordinal))
        {
            run = $"uvicorn {module}:app --host 127.0.0.1 --port ${{PORT}}";
        }
        else if (dependencies.Contains("flask", StringComparison.Ordinal))
        {
            run = $"flask --app {module} run --host 127.0.0.1 --port ${{PORT}}";
        }
        else
        {
            run = $"python3 {module}.py";
        }

        return new StarterProject
        {
            Stack = Stack.Python,
            Summary = $"a Python project ({string.Join(", ", present)})",
            Lint = $"{install} && {lint}",
            Test = $"{install} && {test}",
            Run = run,
            Inputs = ["**/*.py", .. present.Where(m => m != "manage.py")],
            CacheKey = [present.FirstOrDefault(m => m is "requirements.txt" or "pyproject.toml" or "Pipfile") ?? present[0]],
            CachePaths = ["~/.cache/pip"],
        };
    }

    private static StarterProject? DetectStatic(string folder)
    {
        var site = new[] { ".", "public", "site", "www", "docs" }.FirstOrDefault(d => File.Exists(Path.Combine(folder, d, "index.html")));
        if (site is null)
        {
            return null;
        }

        var source = site == "." ? "." : site;
        return new StarterProject
        {
            Stack = Stack.Static,
            Summary = $"a static site ({(site == "." ? "" : site + "/")}index.html)",
            Build = site == "."
                ? "mkdir -p out && find . -maxdepth 1 ! -name . ! -name out ! -name .git ! -name .capstan -exec cp -R {} out/ \\;"
                : $"mkdir -p out && cp -R {source}/. out/",
            Artifact = "out",
            Run = "python3 -m http.server ${PORT} --bind 127.0.0.1",
            Inputs = [site == "." ? "**/*.html" : $"{site}/**"],
        };
    }

    private static IEnumerable<string> Files(string folder, int depth, string pattern)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = depth > 0, MaxRecursionDepth = depth, IgnoreInaccessible = true };
        return Directory.EnumerateFiles(folder, pattern, options)
            .Where(f => !Relative(folder, f).Split('/').Any(part => Ignored.Contains(part, StringComparer.Ordinal)));
    }

    private static string Relative(string folder, string path) => Path.GetRelativePath(folder, path).Replace('\\', '/');

    [GeneratedRegex("<AssemblyName>\\s*([^<\\s]+)\\s*</AssemblyName>")]
    private static partial Regex AssemblyNameRegex();
}
