using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Capstan.Cli.Deployments;
using Capstan.Cli.Output;
using Capstan.Cli.Secrets;
using Capstan.Contracts;
using Capstan.Manifest.Values;

namespace Capstan.Cli.Observability;

/// <summary>
/// <c>capstan metrics</c>, <c>capstan alerts</c>, <c>capstan alert ack</c>, <c>capstan silence add|list|rm</c> and
/// <c>capstan incident open|list|show|ack|note|resolve|postmortem</c>: what the server watches, and the people's
/// side of an alert.
/// </summary>
internal static class ObservabilityCommands
{
    public static IEnumerable<Command> Create(CliConsole console) =>
        [Metrics(console), Alerts(console), Alert(console), Silence(console), Incident(console), ExportCommand.Create(console)];

    private static Command Metrics(CliConsole console)
    {
        var query = new Argument<string?>("QUERY")
        {
            Description = "A series name, optionally with labels: capstan_http_requests_total{service=\"web\"}; a name ending in '*' matches a prefix (default: every series)",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var json = new Option<bool>("--json") { Description = "Print the values as JSON" };
        var project = SecretCommands.ProjectOption();
        var command = new Command("metrics", "The current value of every series Capstan keeps (the edge's requests, instances, host, scraped /metrics)") { query, json, project };
        command.SetAction(async (parse, ct) =>
        {
            var (app, client) = Connect(console, parse.GetValue(project)!);
            using var _ = client;
            var text = parse.GetValue(query);
            var values = await client.GetAsync(
                $"api/apps/{app}/metrics{(text is null ? "" : "?query=" + Uri.EscapeDataString(text))}", ApiJson.Default.IReadOnlyListMetricValueView, ct).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                console.Output.WriteLine(JsonSerializer.Serialize(values, ApiJson.Default.IReadOnlyListMetricValueView));
                return ExitCodes.Success;
            }

            if (values.Count == 0)
            {
                console.Output.WriteLine(text is null ? "no series yet" : $"no series match {text}");
                return ExitCodes.Success;
            }

            TextTable.Write(console.Output, ["SERIES", "VALUE", "AT"], [.. values.Select(v => (IReadOnlyList<string>)
                [v.Name + LabelText(v.Labels), Number(v.Value), v.At.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture)])]);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Alerts(CliConsole console)
    {
        var all = new Option<bool>("--all") { Description = "Also the alerts resolved lately" };
        var json = new Option<bool>("--json") { Description = "Print the alerts as JSON" };
        var project = SecretCommands.ProjectOption();
        var command = new Command("alerts", "Pending and firing alerts, with who acknowledged, silenced or inhibited them") { all, json, project };
        command.SetAction(async (parse, ct) =>
        {
            var (app, client) = Connect(console, parse.GetValue(project)!);
            using var _ = client;
            var alerts = await client.GetAsync($"api/apps/{app}/alerts{(parse.GetValue(all) ? "?all=true" : "")}", ApiJson.Default.IReadOnlyListAlertView, ct).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                console.Output.WriteLine(JsonSerializer.Serialize(alerts, ApiJson.Default.IReadOnlyListAlertView));
                return ExitCodes.Success;
            }

            if (alerts.Count == 0)
            {
                console.Output.WriteLine("no alerts: every rule's condition is false");
                return ExitCodes.Success;
            }

            TextTable.Write(console.Output, ["ID", "ALERT", "SEVERITY", "STATUS", "SINCE", "WHAT", "HANDLING"], [.. alerts.Select(a => (IReadOnlyList<string>)
            [
                a.Id, a.Rule + LabelText(a.Labels, "env", "service"), a.Severity, a.Status,
                (a.FiringSince ?? a.ActiveSince ?? a.ResolvedAt)?.UtcDateTime.ToString("MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "",
                a.Description, Handling(a),
            ])]);
            foreach (var runbook in alerts.Where(a => a.Runbook is not null && a.Status == "firing").Select(a => $"{a.Rule}: runbook {a.Runbook}").Distinct())
            {
                console.Output.WriteLine(runbook);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static string Handling(AlertView alert)
    {
        var parts = new List<string>();
        if (alert.AcknowledgedBy is { } by)
        {
            parts.Add($"acked by {by}");
        }

        if (alert.SilencedBy.Count > 0)
        {
            parts.Add($"silenced ({string.Join(", ", alert.SilencedBy)})");
        }

        if (alert.InhibitedBy is { } inhibitor)
        {
            parts.Add($"inhibited by {inhibitor}");
        }

        if (alert.Guard && alert.Status == "firing")
        {
            parts.Add("blocks deploys");
        }

        return string.Join("; ", parts);
    }

    /// <summary><c>capstan alert ack ID</c>: stops the repeats of a firing alert until it resolves.</summary>
    private static Command Alert(CliConsole console)
    {
        var id = new Argument<string>("ID") { Description = "The alert's id, as 'capstan alerts' prints it" };
        var project = SecretCommands.ProjectOption();
        var ack = new Command("ack", "Acknowledge a firing alert: its notifications stop repeating until it resolves, and escalation stops") { id, project };
        ack.SetAction(async (parse, ct) =>
        {
            var (app, client) = Connect(console, parse.GetValue(project)!);
            using var _ = client;
            var alert = await client.PostAsync(
                $"api/apps/{app}/alerts/{Uri.EscapeDataString(parse.GetValue(id)!)}/ack", new ActorRequest { Actor = DeployCommands.Actor(console) },
                ApiJson.Default.ActorRequest, ApiJson.Default.AlertView, ct).ConfigureAwait(false);
            console.Output.WriteLine($"acknowledged {alert.Rule}{LabelText(alert.Labels, "env", "service")} ({alert.Description}); repeats stop until it resolves");
            return ExitCodes.Success;
        });
        return new Command("alert", "Act on one alert") { ack };
    }

    private static Command Silence(CliConsole console)
    {
        var matchers = new Option<string[]>("--match", "-m")
        {
            Description = "A label the alerts must have, NAME=VALUE (repeat for more; all must match)",
            HelpName = "NAME=VALUE",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = true,
        };
        var duration = new Option<string>("--for") { Description = "How long the silence lasts, e.g. 2h", HelpName = "DURATION", DefaultValueFactory = _ => "2h" };
        var reason = new Option<string>("--reason") { Description = "Why, shown with the silence", HelpName = "TEXT", Required = true };
        var project = SecretCommands.ProjectOption();
        var add = new Command("add", "Mute the notifications of matching alerts for a while (they still show in 'capstan alerts')") { matchers, duration, reason, project };
        add.SetAction(async (parse, ct) =>
        {
            var given = parse.GetValue(matchers) ?? [];
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var matcher in given)
            {
                var equals = matcher.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    throw new CommandException($"--match '{matcher}' is not NAME=VALUE (for example service=api)", ExitCodes.Usage);
                }

                if (!labels.TryAdd(matcher[..equals], matcher[(equals + 1)..]))
                {
                    throw new CommandException($"--match names label '{matcher[..equals]}' twice; an alert has one value per label", ExitCodes.Usage);
                }
            }

            if (labels.Count == 0)
            {
                throw new CommandException("a silence needs at least one --match NAME=VALUE, or it would mute every alert", ExitCodes.Usage);
            }

            var length = parse.GetValue(duration)!;
            if (!Duration.TryParse(length, out var parsed, out var invalid) || parsed.Value <= TimeSpan.Zero)
            {
                throw new CommandException($"--for '{length}' is not a duration: {invalid.Message ?? "give one longer than 0, like 2h"}", ExitCodes.Usage);
            }

            var (app, client) = Connect(console, parse.GetValue(project)!);
            using var _ = client;
            var silence = await client.PostAsync(
                $"api/apps/{app}/silences", new SilenceRequest { Matchers = labels, For = length, Reason = parse.GetValue(reason)!, Actor = DeployCommands.Actor(console) },
                ApiJson.Default.SilenceRequest, ApiJson.Default.SilenceView, ct).ConfigureAwait(false);
            console.Output.WriteLine($"silence {silence.Id} mutes {LabelText(silence.Matchers)} until {silence.EndsAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC");
            return ExitCodes.Success;
        });

        var all = new Option<bool>("--all") { Description = "Also expired silences" };
        var listProject = SecretCommands.ProjectOption();
        var list = new Command("list", "Silences in effect") { all, listProject };
        list.SetAction(async (parse, ct) =>
        {
            var (app, client) = Connect(console, parse.GetValue(listProject)!);
            using var _ = client;
            var silences = await client.GetAsync($"api/apps/{app}/silences{(parse.GetValue(all) ? "?all=true" : "")}", ApiJson.Default.IReadOnlyListSilenceView, ct).ConfigureAwait(false);
            if (silences.Count == 0)
            {
                console.Output.WriteLine("no silences");
                return ExitCodes.Success;
            }

            TextTable.Write(console.Output, ["ID", "MATCHES", "UNTIL", "BY", "REASON", "STATUS"], [.. silences.Select(s => (IReadOnlyList<string>)
                [s.Id, LabelText(s.Matchers), s.EndsAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), s.CreatedBy, s.Reason, s.Status])]);
            return ExitCodes.Success;
        });

        var id = new Argument<string>("ID") { Description = "The silence's id, as 'capstan silence list' prints it" };
        var rmProject = SecretCommands.ProjectOption();
        var rm = new Command("rm", "End a silence now (it stays in the history)") { id, rmProject };
        rm.SetAction(async (parse, ct) =>
        {
            var (app, client) = Connect(console, parse.GetValue(rmProject)!);
            using var _ = client;
            var silence = await client.DeleteAsync($"api/apps/{app}/silences/{Uri.EscapeDataString(parse.GetValue(id)!)}", ApiJson.Default.SilenceView, ct).ConfigureAwait(false);
            console.Output.WriteLine($"silence {silence.Id} ended; {LabelText(silence.Matchers)} notify again");
            return ExitCodes.Success;
        });
        return new Command("silence", "Mute alert notifications for a while") { add, list, rm };
    }

    private static Command Incident(CliConsole console)
    {
        var title = new Option<string>("--title") { Description = "What is wrong, in a line", HelpName = "TEXT", Required = true };
        var severity = new Option<int>("--sev") { Description = "Severity 1 (outage, respond in 5 min) to 4 (minor, 4 h)", HelpName = "1-4", DefaultValueFactory = _ => 2 };
        var environment = new Option<string?>("--env", "-e") { Description = "The environment affected", HelpName = "ENV" };
        var services = new Option<string[]>("--service") { Description = "A service affected (repeat for more)", HelpName = "SERVICE", AllowMultipleArgumentsPerToken = true };
        var openProject = SecretCommands.ProjectOption();
        var open = new Command("open", "Open an incident by hand (a firing critical alert opens one by itself)") { title, severity, environment, services, openProject };
        open.SetAction(async (parse, ct) =>
        {
            var sev = parse.GetValue(severity);
            if (sev is < 1 or > 4)
            {
                throw new CommandException($"--sev {sev} is not a severity: give 1 (outage) to 4 (minor)", ExitCodes.Usage);
            }

            var (app, client) = Connect(console, parse.GetValue(openProject)!);
            using var _ = client;
            var incident = await client.PostAsync(
                $"api/apps/{app}/incidents",
                new IncidentRequest { Title = parse.GetValue(title)!, Severity = sev, Environment = parse.GetValue(environment), Services = parse.GetValue(services) ?? [], Actor = DeployCommands.Actor(console) },
                ApiJson.Default.IncidentRequest, ApiJson.Default.IncidentView, ct).ConfigureAwait(false);
            console.Output.WriteLine($"incident {incident.Id} open: {incident.Severity} {incident.Title}; respond within {Target(incident)}{(incident.OnCall is { } who ? $", on call: {who}" : "")}");
            return ExitCodes.Success;
        });

        var all = new Option<bool>("--all") { Description = "Also resolved incidents" };
        var listProject = SecretCommands.ProjectOption();
        var list = new Command("list", "Open incidents") { all, listProject };
        list.SetAction(async (parse, ct) =>
        {
            var (app, client) = Connect(console, parse.GetValue(listProject)!);
            using var _ = client;
            var incidents = await client.GetAsync($"api/apps/{app}/incidents{(parse.GetValue(all) ? "?all=true" : "")}", ApiJson.Default.IReadOnlyListIncidentView, ct).ConfigureAwait(false);
            if (incidents.Count == 0)
            {
                console.Output.WriteLine(parse.GetValue(all) ? "no incidents" : "no open incidents");
                return ExitCodes.Success;
            }

            TextTable.Write(console.Output, ["ID", "SEV", "STATUS", "OPENED", "TITLE"], [.. incidents.Select(i => (IReadOnlyList<string>)
                [i.Id, i.Severity, i.Status, i.OpenedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), i.Title])]);
            return ExitCodes.Success;
        });

        var showId = IncidentId();
        var json = new Option<bool>("--json") { Description = "Print the incident as JSON" };
        var showProject = SecretCommands.ProjectOption();
        var show = new Command("show", "An incident with its timeline") { showId, json, showProject };
        show.SetAction(async (parse, ct) =>
        {
            var (app, client) = Connect(console, parse.GetValue(showProject)!);
            using var _ = client;
            var incident = await client.GetAsync($"api/apps/{app}/incidents/{Uri.EscapeDataString(parse.GetValue(showId)!)}", ApiJson.Default.IncidentView, ct).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                console.Output.WriteLine(JsonSerializer.Serialize(incident, ApiJson.Default.IncidentView));
                return ExitCodes.Success;
            }

            console.Output.WriteLine($"{incident.Id}  {incident.Severity}  {incident.Status}  {incident.Title}");
            console.Output.WriteLine($"opened {incident.OpenedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC by {incident.OpenedBy}; respond within {Target(incident)}"
                + (incident.Environment is { } env ? $"; {env}" : "") + (incident.Services.Count > 0 ? $" ({string.Join(", ", incident.Services)})" : ""));
            TextTable.Write(console.Output, ["TIME (UTC)", "WHAT", "WHO", "DETAIL"], [.. (incident.Timeline ?? []).Select(e => (IReadOnlyList<string>)
                [e.At.UtcDateTime.ToString("MM-dd HH:mm:ss", CultureInfo.InvariantCulture), e.Kind, e.Actor, e.Text])]);
            return ExitCodes.Success;
        });

        var noteId = IncidentId();
        var text = new Argument<string>("TEXT") { Description = "What was seen or done" };
        var noteProject = SecretCommands.ProjectOption();
        var note = new Command("note", "Add a note to an incident's timeline") { noteId, text, noteProject };
        note.SetAction(async (parse, ct) =>
        {
            var (app, client) = Connect(console, parse.GetValue(noteProject)!);
            using var _ = client;
            var incident = await client.PostAsync(
                $"api/apps/{app}/incidents/{Uri.EscapeDataString(parse.GetValue(noteId)!)}/notes", new IncidentNoteRequest { Text = parse.GetValue(text)!, Actor = DeployCommands.Actor(console) },
                ApiJson.Default.IncidentNoteRequest, ApiJson.Default.IncidentView, ct).ConfigureAwait(false);
            console.Output.WriteLine($"noted on {incident.Id}");
            return ExitCodes.Success;
        });

        var severityId = IncidentId();
        var level = new Argument<string>("SEV") { Description = "The new severity: 1 to 4 (or SEV1 to SEV4)" };
        var reason = new Option<string?>("--reason") { Description = "Why, for the timeline", HelpName = "TEXT" };
        var severityProject = SecretCommands.ProjectOption();
        var setSeverity = new Command("severity", "Set an incident's severity, up or down; its response target and escalation follow") { severityId, level, reason, severityProject };
        setSeverity.SetAction(async (parse, ct) =>
        {
            var text = parse.GetValue(level)!.Trim();
            var digits = text.StartsWith("SEV", StringComparison.OrdinalIgnoreCase) ? text[3..] : text;
            if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var sev) || sev is < 1 or > 4)
            {
                throw new CommandException($"'{text}' is not a severity: give 1 (outage) to 4 (minor), or SEV1 to SEV4", ExitCodes.Usage);
            }

            var (app, client) = Connect(console, parse.GetValue(severityProject)!);
            using var _ = client;
            var incident = await client.PostAsync(
                $"api/apps/{app}/incidents/{Uri.EscapeDataString(parse.GetValue(severityId)!)}/severity",
                new IncidentSeverityRequest { Severity = sev, Reason = parse.GetValue(reason), Actor = DeployCommands.Actor(console) },
                ApiJson.Default.IncidentSeverityRequest, ApiJson.Default.IncidentView, ct).ConfigureAwait(false);
            console.Output.WriteLine($"incident {incident.Id} is {incident.Severity}: respond within {Target(incident)}");
            return ExitCodes.Success;
        });

        var postmortemId = IncidentId();
        var output = new Option<string?>("--output", "-o") { Description = "Write the draft to this file (default: print it)", HelpName = "FILE" };
        var postmortemProject = SecretCommands.ProjectOption();
        var postmortem = new Command("postmortem", "A Markdown postmortem draft: summary, timeline, impact, what changed before, and sections to fill in") { postmortemId, output, postmortemProject };
        postmortem.SetAction(async (parse, ct) =>
        {
            var (app, client) = Connect(console, parse.GetValue(postmortemProject)!);
            using var _ = client;
            var markdown = await client.GetTextAsync($"api/apps/{app}/incidents/{Uri.EscapeDataString(parse.GetValue(postmortemId)!)}/postmortem", ct).ConfigureAwait(false);
            if (parse.GetValue(output) is { } file)
            {
                var path = console.FullPath(file);
                AtomicFile.Write(path, markdown, overwrite: true);
                console.Output.WriteLine($"wrote {console.DisplayPath(path)}");
            }
            else
            {
                console.Output.Write(markdown);
            }

            return ExitCodes.Success;
        });

        return new Command("incident", "Incidents: open, acknowledge, note, set the severity, resolve, and write the postmortem")
        {
            open, list, show, Transition(console, "ack", "Acknowledge an incident: someone is on it; escalation stops"), note,
            Transition(console, "resolve", "Resolve an incident: service is restored"), setSeverity, postmortem,
        };
    }

    private static Command Transition(CliConsole console, string verb, string description)
    {
        var id = IncidentId();
        var project = SecretCommands.ProjectOption();
        var command = new Command(verb, description) { id, project };
        command.SetAction(async (parse, ct) =>
        {
            var (app, client) = Connect(console, parse.GetValue(project)!);
            using var _ = client;
            var incident = await client.PostAsync(
                $"api/apps/{app}/incidents/{Uri.EscapeDataString(parse.GetValue(id)!)}/{verb}", new ActorRequest { Actor = DeployCommands.Actor(console) },
                ApiJson.Default.ActorRequest, ApiJson.Default.IncidentView, ct).ConfigureAwait(false);
            var at = verb == "ack" ? incident.AcknowledgedAt : incident.ResolvedAt;
            var after = at is { } time ? $" after {Elapsed(time - incident.OpenedAt)}" : "";
            console.Output.WriteLine($"incident {incident.Id} {(verb == "ack" ? "acknowledged" : "resolved")}{after}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Argument<string> IncidentId() => new("ID") { Description = "The incident's id, as 'capstan incident list' prints it" };

    private static (string App, ServerClient Client) Connect(CliConsole console, string project)
    {
        var directory = console.FullPath(project);
        var manifest = SecretsSession.LoadManifest(console, directory);
        return (manifest.App, ServerClient.Connect(console, directory));
    }

    private static string Target(IncidentView incident) => Elapsed(TimeSpan.FromSeconds(incident.ResponseTargetSeconds));

    private static string Elapsed(TimeSpan span) => new Duration(TimeSpan.FromSeconds(Math.Round(span.TotalSeconds))).ToString();

    private static string Number(double value) =>
        double.IsNaN(value) ? "NaN" : double.IsInfinity(value) ? (value > 0 ? "+Inf" : "-Inf") : value.ToString("0.######", CultureInfo.InvariantCulture);

    /// <summary><c>{env="production",service="web"}</c>, only the given labels when some are named.</summary>
    private static string LabelText(IReadOnlyDictionary<string, string> labels, params string[] only)
    {
        var shown = labels.Where(l => only.Length == 0 || only.Contains(l.Key)).OrderBy(l => l.Key, StringComparer.Ordinal).ToList();
        return shown.Count == 0 ? "" : "{" + string.Join(",", shown.Select(l => $"{l.Key}=\"{l.Value}\"")) + "}";
    }
}
