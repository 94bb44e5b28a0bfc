using System.CommandLine;
using Capstan.Cli.Output;
using Capstan.Manifest;
using Capstan.Manifest.Model;

namespace Capstan.Cli.Commands;

/// <summary><c>capstan validate [PATH] [--json]</c>: every problem of a capstan.yaml at once, located and coded.</summary>
internal static class ValidateCommand
{
    public static Command Create(CliConsole console)
    {
        var path = CommandLine.PathArgument("PATH", "capstan.yaml, or a folder holding one");
        var json = new Option<bool>("--json") { Description = "Print the diagnostics as a JSON list of {file, line, column, code, severity, message}" };
        var state = StateCommand.CreateStateOption();
        var command = new Command("validate", "Check capstan.yaml and report every problem, each with its line, column and code; also flag secrets past their rotate: age") { path, json, state };
        command.SetAction((parse, cancellationToken) => RunAsync(console, parse.GetValue(path) ?? ".", parse.GetValue(json), parse.GetValue(state), cancellationToken));
        return command;
    }

    internal static async Task<int> RunAsync(CliConsole console, string path, bool json, string? state, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var full = console.FullPath(path);
        var file = Directory.Exists(full) ? Path.Combine(full, ManifestLoader.FileName) : full;
        var result = ManifestLoader.Load(file, console.DisplayPath(file));
        result = await RotationCheck.AddWarningsAsync(console, result, state, cancellationToken).ConfigureAwait(false);
        if (json)
        {
            WriteJson(console.Output, result);
        }
        else
        {
            DiagnosticPrinter.Print(console, result);
            WriteSummary(console, result);
        }

        return result.IsValid ? ExitCodes.Success : ExitCodes.InvalidInput;
    }

    private static void WriteSummary(CliConsole console, ManifestLoadResult result)
    {
        var errors = result.Errors.Count();
        var warnings = result.Warnings.Count();
        var file = result.Map.File;
        if (result.Manifest is { } manifest)
        {
            var warningText = warnings > 0 ? $" ({Count(warnings, "warning")})" : "";
            console.Output.WriteLine($"{file} is valid{warningText}: app '{manifest.App}', {Describe(manifest)}");
            return;
        }

        var summary = $"{file}: {Count(errors, "error")}" + (warnings > 0 ? $", {Count(warnings, "warning")}" : "");
        console.Error.WriteLine(summary);
    }

    private static string Describe(CapstanManifest m) => string.Join(", ",
        Count(m.Services.Count, "service"),
        Count(m.Pipeline.Jobs.Count, "job"),
        Count(m.Environments.Count, "environment"),
        Count(m.Alerts.Count, "alert"),
        Count(m.Backups.Count, "backup"),
        Count(m.Secrets.Count, "secret"));

    private static string Count(int n, string what) => n == 1 ? $"1 {what}" : $"{n} {what}s";

    private static void WriteJson(TextWriter output, ManifestLoadResult result) => JsonOutput.Write(output, writer =>
    {
        writer.WriteStartArray();
        foreach (var d in result.Diagnostics)
        {
            writer.WriteStartObject();
            writer.WriteString("file", d.File);
            writer.WriteNumber("line", d.Line);
            writer.WriteNumber("column", d.Column);
            writer.WriteString("code", d.Code);
            writer.WriteString("severity", d.IsError ? "error" : "warning");
            writer.WriteString("message", d.Message);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    });
}
