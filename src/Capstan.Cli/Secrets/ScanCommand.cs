using System.CommandLine;
using System.Globalization;
using Capstan.Cli.Output;
using Capstan.Secrets.Scanning;

namespace Capstan.Cli.Secrets;

/// <summary>
/// <c>capstan secret scan [PATH]</c>: the pipeline's security-scan stage. Prints <c>file:line: rule</c> for each secret
/// committed to the tree (never the secret), honours .gitignore and the allowlist, and exits 1 when it finds something.
/// </summary>
internal static class ScanCommand
{
    public static Command Create(CliConsole console)
    {
        var path = CommandLine.PathArgument("PATH", "The folder to scan (a repository's working tree)");
        var allowlist = new Option<string?>("--allowlist") { Description = $"Allowed findings, one GLOB[:LINE][:RULE] per line (default: {SecretScanner.DefaultAllowlistFileName} in PATH)", HelpName = "FILE" };
        var json = new Option<bool>("--json") { Description = "Print the findings as JSON" };
        var command = new Command("scan", "Find secrets committed to a repository: cloud keys, private keys, tokens, passwords in URLs, high-entropy values, .env files") { path, allowlist, json };
        command.SetAction(async (parse, ct) =>
        {
            var root = console.FullPath(parse.GetValue(path) ?? ".");
            if (!Directory.Exists(root))
            {
                throw new CommandException($"{console.DisplayPath(root)} is not a folder");
            }

            var allowed = parse.GetValue(allowlist) is { } file ? console.FullPath(file) : null;
            if (allowed is not null && !File.Exists(allowed))
            {
                throw new CommandException($"allowlist {console.DisplayPath(allowed)} does not exist");
            }

            var result = await SecretScanner.ScanAsync(new ScanOptions { Root = root, AllowlistFile = allowed }, ct).ConfigureAwait(false);
            foreach (var problem in result.Problems)
            {
                console.Error.WriteLine($"warning: {problem}");
            }

            if (parse.GetValue(json))
            {
                WriteJson(console, result);
            }
            else
            {
                foreach (var finding in result.Findings)
                {
                    console.Output.WriteLine(finding.ToString());
                }

                var allowedText = result.FindingsAllowed > 0 ? string.Create(CultureInfo.InvariantCulture, $", {result.FindingsAllowed} allowed") : "";
                console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"scanned {result.FilesScanned} files ({result.FilesSkipped} skipped): {(result.Findings.Count == 0 ? "no secrets found" : $"{result.Findings.Count} possible secret{(result.Findings.Count == 1 ? "" : "s")}")}{allowedText}"));
            }

            return result.Findings.Count == 0 ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }

    private static void WriteJson(CliConsole console, ScanResult result) => JsonOutput.Write(console.Output, w =>
    {
        w.WriteStartObject();
        w.WriteNumber("filesScanned", result.FilesScanned);
        w.WriteNumber("filesSkipped", result.FilesSkipped);
        w.WriteNumber("findingsAllowed", result.FindingsAllowed);
        w.WriteStartArray("findings");
        foreach (var f in result.Findings)
        {
            w.WriteStartObject();
            w.WriteString("file", f.Path);
            w.WriteNumber("line", f.Line);
            w.WriteNumber("column", f.Column);
            w.WriteString("rule", f.Rule);
            w.WriteString("description", f.Description);
            w.WriteString("fingerprint", f.Fingerprint);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("problems");
        foreach (var problem in result.Problems)
        {
            w.WriteStringValue(problem);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    });
}
