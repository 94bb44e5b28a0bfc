using System.CommandLine;
using Capstan.Cli.Output;
using Capstan.Manifest;

namespace Capstan.Cli.Init;

/// <summary><c>capstan init [DIR]</c>: detects the project and writes a starter capstan.yaml that validates.</summary>
internal static class InitCommand
{
    private static readonly (string Name, Stack Stack)[] StackNames =
        [("dotnet", Stack.DotNet), ("node", Stack.Node), ("python", Stack.Python), ("go", Stack.Go), ("static", Stack.Static)];

    public static Command Create(CliConsole console)
    {
        var folder = CommandLine.PathArgument("DIR", "The project folder");
        var app = new Option<string?>("--app") { Description = "Application name (default: from the folder name)" };
        var stack = new Option<string?>("--stack") { Description = "Use this stack when several are found: dotnet, node, python, go or static" };
        stack.AcceptOnlyFromAmong([.. StackNames.Select(s => s.Name)]);
        var json = new Option<bool>("--json") { Description = "Print what was written as JSON" };
        var command = new Command("init", "Detect the project (.NET, Node.js, Python, Go, static site) and write a starter capstan.yaml") { folder, app, stack, json };
        command.SetAction((parse, cancellationToken) => Task.FromResult(Run(
            console,
            parse.GetValue(folder) ?? ".",
            parse.GetValue(app),
            parse.GetValue(stack) is { } s ? StackNames.First(n => n.Name == s).Stack : null,
            parse.GetValue(json),
            cancellationToken)));
        return command;
    }

    internal static int Run(CliConsole console, string folder, string? app, Stack? stack, bool json, CancellationToken cancellationToken)
    {
        var full = console.FullPath(folder);
        if (!Directory.Exists(full))
        {
            throw new CommandException($"{console.DisplayPath(full)} is not a folder");
        }

        var target = Path.Combine(full, ManifestLoader.FileName);
        if (File.Exists(target))
        {
            throw new CommandException($"{console.DisplayPath(target)} already exists; capstan init does not overwrite it (check it with 'capstan validate')");
        }

        var name = app ?? AppName.FromFolder(full);
        if (!AppName.IsValid(name))
        {
            throw new CommandException($"--app '{name}' is not a valid application name: lowercase letters, digits and '-', starting with a letter, at most 63", ExitCodes.Usage);
        }

        var project = StackDetector.Detect(full, stack) ?? throw new CommandException(stack is { } wanted
            ? $"no {StackDetector.Describe(wanted)} project found in {console.DisplayPath(full)}"
            : $"cannot tell what kind of project {console.DisplayPath(full)} is: found no *.csproj, go.mod, package.json, pyproject.toml, requirements.txt or index.html; choose one with --stack");

        var text = StarterManifest.Render(project, name);
        var check = ManifestLoader.Parse(text);
        if (!check.IsValid)
        {
            // A starter that does not validate is a bug of init, not of the user's project.
            throw new InvalidOperationException("the starter capstan.yaml does not validate:\n" + string.Join('\n', check.Errors));
        }

        cancellationToken.ThrowIfCancellationRequested(); // nothing is written after Ctrl+C
        AtomicFile.Write(target, text, overwrite: false);
        var display = console.DisplayPath(target);
        if (json)
        {
            WriteJson(console.Output, display, project, name);
            return ExitCodes.Success;
        }

        console.Output.WriteLine($"wrote {display} for {project.Summary}: app '{name}', service 'web', jobs {string.Join(", ", check.Manifest!.Pipeline.Jobs.Keys)}, environments staging and production");
        if (project.AlsoFound.Count > 0)
        {
            console.Output.WriteLine($"also found: {string.Join(", ", project.AlsoFound.Select(StackDetector.Describe))} (choose with --stack)");
        }

        console.Output.WriteLine("next:");
        console.Output.WriteLine($"  capstan validate {Path.GetRelativePath(console.WorkingDirectory, full)}");
        console.Output.WriteLine("  set the on-call webhook the critical alerts page: capstan secret set ONCALL_WEBHOOK --env production");
        return ExitCodes.Success;
    }

    private static void WriteJson(TextWriter output, string file, StarterProject project, string app) => JsonOutput.Write(output, writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("file", file);
        writer.WriteString("app", app);
        writer.WriteString("stack", StackNames.First(s => s.Stack == project.Stack).Name);
        writer.WriteString("project", project.Summary);
        writer.WriteEndObject();
    });
}
