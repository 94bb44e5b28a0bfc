using System.CommandLine;
using System.Globalization;
using Capstan.Cli.Output;
using Capstan.Cli.Secrets;
using Capstan.Contracts;
using Capstan.Manifest.Values;

namespace Capstan.Cli.Deployments;

/// <summary><c>capstan dora [--env ENV] [--since 30d] [--json]</c>: the four DORA metrics, as the server computes them.</summary>
internal static class DoraCommand
{
    public static Command Create(CliConsole console)
    {
        var environment = new Option<string?>("--env", "-e") { Description = "The environment to measure (default: production, else the last one in capstan.yaml)", HelpName = "ENV" };
        var since = new Option<string>("--since") { Description = "The window, ending now: a duration like 30d, 12w or 90d", HelpName = "DURATION", DefaultValueFactory = _ => "30d" };
        var json = new Option<bool>("--json") { Description = "Print the figures as JSON" };
        var project = SecretCommands.ProjectOption();
        var command = new Command("dora", "Deployment frequency, lead time for changes, change failure rate and time to restore, from the recorded deployments")
        {
            environment, since, json, project,
        };
        command.SetAction(async (parse, ct) =>
        {
            var window = parse.GetValue(since)!;
            if (!Duration.TryParse(window, out var parsed, out var invalid) || parsed.Value <= TimeSpan.Zero)
            {
                throw new CommandException($"--since '{window}' is not a window: {invalid.Message ?? "give a duration longer than 0, like 30d"}", ExitCodes.Usage);
            }

            var directory = console.FullPath(parse.GetValue(project)!);
            var manifest = SecretsSession.LoadManifest(console, directory);
            using var client = ServerClient.Connect(console, directory);
            var env = parse.GetValue(environment);
            var query = $"since={Uri.EscapeDataString(window)}{(env is null ? "" : "&env=" + Uri.EscapeDataString(env))}";
            var dora = await client.GetAsync($"api/apps/{manifest.App}/dora?{query}", ApiJson.Default.DoraView, ct).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                console.Output.WriteLine(System.Text.Json.JsonSerializer.Serialize(dora, ApiJson.Default.DoraView));
                return ExitCodes.Success;
            }

            Print(console.Output, dora);
            return ExitCodes.Success;
        });
        return command;
    }

    internal static void Print(TextWriter output, DoraView dora)
    {
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{dora.App} in {dora.Environment}, last {dora.Since} ({dora.From.UtcDateTime:yyyy-MM-dd HH:mm} to {dora.To.UtcDateTime:yyyy-MM-dd HH:mm} UTC)"));
        var frequency = dora.DeploymentFrequency;
        var lead = dora.LeadTimeForChanges;
        var failures = dora.ChangeFailureRate;
        var restore = dora.TimeToRestore;
        TextTable.Write(output, ["METRIC", "VALUE", "BASIS", "BAND"], [
            [
                "deployment frequency",
                string.Create(CultureInfo.InvariantCulture, $"{frequency.PerDay:0.00}/day, {frequency.PerWeek:0.0}/week"),
                $"{Count(frequency.Deployments, "successful deploy")}",
                Band(frequency.Band),
            ],
            [
                "lead time for changes",
                lead.MedianSeconds is { } median ? $"median {Span(median)}, p90 {Span(lead.P90Seconds!.Value)}" : "n/a",
                Count(lead.Deployments, "deploy") + Detail(
                    lead.RunStartFallbacks > 0 ? $"{lead.RunStartFallbacks} from the run's start" : null,
                    lead.Unmeasured > 0 ? $"{lead.Unmeasured} unmeasured" : null),
                Band(lead.Band),
            ],
            [
                "change failure rate",
                failures.Rate is { } rate ? (rate * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "n/a",
                $"{failures.Failures} of {Count(failures.Deployments, "deploy")}" + Detail(
                    failures.Failed > 0 ? $"{failures.Failed} failed or aborted" : null,
                    failures.RolledBack > 0 ? $"{failures.RolledBack} rolled back" : null,
                    failures.FollowedByIncident > 0 ? $"{failures.FollowedByIncident} followed by an incident" : null),
                Band(failures.Band),
            ],
            [
                "time to restore",
                restore.MedianSeconds is { } restored ? $"median {Span(restored)}" : "n/a",
                $"{restore.Restored} of {Count(restore.Failures, "failure")} restored",
                Band(restore.Band),
            ],
        ]);
        foreach (var missing in dora.NotCounted)
        {
            output.WriteLine($"not counted: {missing}");
        }
    }

    private static string Band(string? band) => band ?? "n/a";

    private static string Count(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";

    private static string Detail(params string?[] parts) =>
        parts.OfType<string>().ToList() is { Count: > 0 } given ? $" ({string.Join(", ", given)})" : "";

    /// <summary>Seconds under an hour, minutes above: <c>45s</c>, <c>12m30s</c>, <c>5h12m</c>, <c>1d2h</c>.</summary>
    private static string Span(double seconds)
    {
        var span = TimeSpan.FromSeconds(Math.Round(seconds));
        if (span >= TimeSpan.FromHours(1))
        {
            span = TimeSpan.FromMinutes(Math.Round(span.TotalMinutes));
        }

        return new Duration(span).ToString();
    }
}
