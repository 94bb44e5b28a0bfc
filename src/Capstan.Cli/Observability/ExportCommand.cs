using System.CommandLine;
using Capstan.Cli.Output;
using Capstan.Cli.Secrets;
using Capstan.Observability.Metrics;

namespace Capstan.Cli.Observability;

/// <summary>
/// <c>capstan export prometheus-rules [-o FILE]</c>: capstan.yaml's alert rules as a Prometheus rule file over the
/// series Capstan exposes at <c>/metrics</c>, for teams that also run their own Prometheus.
/// </summary>
internal static class ExportCommand
{
    public static Command Create(CliConsole console)
    {
        var output = new Option<string?>("--output", "-o") { Description = "Write the file here (default: print it)", HelpName = "FILE" };
        var project = SecretCommands.ProjectOption();
        var rules = new Command("prometheus-rules", "The alert rules as a Prometheus rule file (check it with 'promtool check rules')") { output, project };
        rules.SetAction((parse, _) =>
        {
            var directory = console.FullPath(parse.GetValue(project)!);
            var manifest = SecretsSession.LoadManifest(console, directory);
            var file = PrometheusRuleExporter.Write(manifest.Alerts, manifest.App);
            if (parse.GetValue(output) is { } target)
            {
                var path = console.FullPath(target);
                AtomicFile.Write(path, file, overwrite: true);
                console.Output.WriteLine($"wrote {manifest.Alerts.Count} rule(s) to {console.DisplayPath(path)}");
            }
            else
            {
                console.Output.Write(file);
            }

            return Task.FromResult(ExitCodes.Success);
        });
        return new Command("export", "Write files other tools read, generated from capstan.yaml") { rules };
    }
}
