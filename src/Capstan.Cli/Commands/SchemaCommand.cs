using System.CommandLine;
using Capstan.Cli.Output;
using Capstan.Manifest;

namespace Capstan.Cli.Commands;

/// <summary><c>capstan schema [-o FILE]</c>: the JSON Schema of capstan.yaml, for editors.</summary>
internal static class SchemaCommand
{
    public static Command Create(CliConsole console)
    {
        var output = new Option<string?>("--output", "-o") { Description = "Write the schema to this file instead of standard output" };
        var command = new Command("schema", "Print the JSON Schema of capstan.yaml, for editor completion and checks") { output };
        command.SetAction((parse, cancellationToken) => Task.FromResult(Run(console, parse.GetValue(output), cancellationToken)));
        return command;
    }

    internal static int Run(CliConsole console, string? output, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var schema = CapstanSchema.ToJson();
        if (output is null)
        {
            console.Output.WriteLine(schema);
            return ExitCodes.Success;
        }

        var target = console.FullPath(output);
        AtomicFile.Write(target, schema + "\n", overwrite: true);
        console.Error.WriteLine($"wrote the schema of capstan.yaml to {console.DisplayPath(target)}");
        return ExitCodes.Success;
    }
}
