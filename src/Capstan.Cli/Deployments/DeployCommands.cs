using System.CommandLine;
using System.Globalization;
using Capstan.Cli.Output;
using Capstan.Cli.Secrets;
using Capstan.Contracts;
using Capstan.Manifest;

namespace Capstan.Cli.Deployments;

/// <summary><c>capstan deploy|rollback|status|releases</c>: ask the server to deploy, and look at what runs.</summary>
internal static class DeployCommands
{
    public static IEnumerable<Command> Create(CliConsole console) =>
        [Deploy(console), Rollback(console), Act(console, "abort"), Act(console, "promote"), Vote(console, "approve"), Vote(console, "reject"), Status(console), Releases(console), LogsCommand.Create(console), DoraCommand.Create(console)];

    private static Command Deploy(CliConsole console)
    {
        var environment = new Argument<string>("ENV") { Description = "The environment to deploy to (a key of environments: in capstan.yaml)" };
        var artifact = new Option<string?>("--artifact") { Description = "The artifact to deploy, by digest or a unique prefix (default: the newest build)", HelpName = "DIGEST" };
        var latest = new Option<bool>("--latest") { Description = "Deploy the newest artifact built for each service (the default)" };
        var wait = new Option<bool>("--wait") { Description = "Wait until the deployment ends; exit 1 if it fails" };
        var (force, reason) = ForceOptions();
        var queue = new Option<bool>("--queue") { Description = "Wait behind the deployment under way in the environment instead of being refused" };
        var project = SecretCommands.ProjectOption();
        var command = new Command("deploy", "Deploy the services of capstan.yaml to an environment, with its strategy") { environment, artifact, latest, wait, force, reason, queue, project };
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(latest) && parse.GetValue(artifact) is not null)
            {
                throw new CommandException("--latest and --artifact cannot be given together", ExitCodes.Usage);
            }

            var directory = console.FullPath(parse.GetValue(project)!);
            var manifestPath = Path.Combine(directory, ManifestLoader.FileName);
            var manifest = SecretsSession.LoadManifest(console, directory);
            using var client = ServerClient.Connect(console, directory);
            var request = new DeployRequest
            {
                Environment = parse.GetValue(environment)!,
                Manifest = await File.ReadAllTextAsync(manifestPath, ct).ConfigureAwait(false),
                ArtifactDigest = parse.GetValue(artifact),
                Actor = Actor(console),
                Force = parse.GetValue(force),
                Reason = parse.GetValue(reason),
                Queue = parse.GetValue(queue),
            };
            var deployments = await client.PostAsync($"api/apps/{manifest.App}/deployments", request, ApiJson.Default.DeployRequest, ApiJson.Default.IReadOnlyListDeploymentView, ct).ConfigureAwait(false);
            return await ReportAsync(console, client, manifest.App, deployments, parse.GetValue(wait), ct).ConfigureAwait(false);
        });
        return command;
    }

    private static Command Rollback(CliConsole console)
    {
        var environment = new Argument<string>("ENV") { Description = "The environment to roll back" };
        var to = new Option<string?>("--to") { Description = "The release to go back to: an id or a version (v3); default: the one before the current", HelpName = "RELEASE" };
        var service = new Option<string?>("--service") { Description = "Only this service (default: every service of the environment)", HelpName = "SERVICE" };
        var wait = new Option<bool>("--wait") { Description = "Wait until the rollback ends; exit 1 if it fails" };
        var project = SecretCommands.ProjectOption();
        var command = new Command("rollback", "Move an environment's traffic back to an earlier release: instantly while it is kept in standby") { environment, to, service, wait, project };
        command.SetAction(async (parse, ct) =>
        {
            var directory = console.FullPath(parse.GetValue(project)!);
            var manifest = SecretsSession.LoadManifest(console, directory);
            using var client = ServerClient.Connect(console, directory);
            var request = new RollbackRequest { Environment = parse.GetValue(environment)!, To = parse.GetValue(to), Service = parse.GetValue(service), Actor = Actor(console) };
            var deployments = await client.PostAsync($"api/apps/{manifest.App}/rollbacks", request, ApiJson.Default.RollbackRequest, ApiJson.Default.IReadOnlyListDeploymentView, ct).ConfigureAwait(false);
            return await ReportAsync(console, client, manifest.App, deployments, parse.GetValue(wait), ct).ConfigureAwait(false);
        });
        return command;
    }

    private static (Option<bool> Force, Option<string?> Reason) ForceOptions() => (
        new Option<bool>("--force") { Description = "Deploy even inside a freeze window of the environment (needs --reason; audited)" },
        new Option<string?>("--reason") { Description = "Why the freeze is overridden, kept in the audit log", HelpName = "TEXT" });

    /// <summary>
    /// <c>capstan abort DEPLOYMENT</c>, <c>capstan promote DEPLOYMENT</c>: a person acting on a canary in its steps;
    /// <c>capstan promote ENV --from SOURCE</c>: deploy to ENV exactly what SOURCE serves.
    /// </summary>
    private static Command Act(CliConsole console, string verb)
    {
        var promote = verb == "promote";
        var id = new Argument<string>(promote ? "TARGET" : "DEPLOYMENT")
        {
            Description = promote
                ? "A canary deployment's id (dep_…) to skip its remaining steps, or, with --from, the environment to promote to"
                : "The deployment's id (dep_…), as 'capstan deploy' and 'capstan status' print it",
        };
        var from = new Option<string?>("--from") { Description = "Promote to TARGET exactly the artifacts this environment serves", HelpName = "ENV" };
        var wait = new Option<bool>("--wait") { Description = "Wait until the deployment ends; exit 1 if it failed (an abort always ends failed)" };
        var (force, reason) = ForceOptions();
        var project = SecretCommands.ProjectOption();
        var command = new Command(verb, promote
            ? "Skip a canary's remaining steps (all traffic to it, the stable release retires), or with --from deploy what another environment serves"
            : "Abort a canary in its steps: its weight drops to 0 at once, its instances drain and stop, the deployment fails")
        { id, wait, project };
        if (promote)
        {
            command.Options.Add(from);
            command.Options.Add(force);
            command.Options.Add(reason);
        }

        command.SetAction(async (parse, ct) =>
        {
            var directory = console.FullPath(parse.GetValue(project)!);
            var manifest = SecretsSession.LoadManifest(console, directory);
            using var client = ServerClient.Connect(console, directory);
            if (promote && parse.GetValue(from) is { } source)
            {
                var request = new PromoteRequest
                {
                    Environment = parse.GetValue(id)!,
                    From = source,
                    Manifest = await File.ReadAllTextAsync(Path.Combine(directory, ManifestLoader.FileName), ct).ConfigureAwait(false),
                    Actor = Actor(console),
                    Force = parse.GetValue(force),
                    Reason = parse.GetValue(reason),
                };
                var started = await client.PostAsync($"api/apps/{manifest.App}/promotions", request, ApiJson.Default.PromoteRequest, ApiJson.Default.IReadOnlyListDeploymentView, ct).ConfigureAwait(false);
                return await ReportAsync(console, client, manifest.App, started, parse.GetValue(wait), ct).ConfigureAwait(false);
            }

            var deployment = await client.PostAsync(
                $"api/apps/{manifest.App}/deployments/{Uri.EscapeDataString(parse.GetValue(id)!)}/{verb}",
                new DeploymentActionRequest { Actor = Actor(console) },
                ApiJson.Default.DeploymentActionRequest,
                ApiJson.Default.DeploymentView,
                ct).ConfigureAwait(false);
            console.Output.WriteLine(verb == "abort" ? "abort requested" : "promotion requested");
            var outcome = await ReportAsync(console, client, manifest.App, [deployment], parse.GetValue(wait), ct).ConfigureAwait(false);
            return verb == "abort" && parse.GetValue(wait) ? ExitCodes.Success : outcome;
        });
        return command;
    }

    /// <summary><c>capstan approve DEPLOYMENT</c>, <c>capstan reject DEPLOYMENT --reason</c>: for a deployment awaiting approval.</summary>
    private static Command Vote(CliConsole console, string verb)
    {
        var id = new Argument<string>("DEPLOYMENT") { Description = "The deployment awaiting approval (dep_…)" };
        var reason = new Option<string?>("--reason") { Description = verb == "reject" ? "Why it is rejected (required)" : "A note kept in the audit log", HelpName = "TEXT" };
        var project = SecretCommands.ProjectOption();
        var command = new Command(verb, verb == "approve"
            ? "Approve a deployment awaiting approval; the token that started it cannot"
            : "Reject a deployment awaiting approval: it is cancelled with the reason")
        { id, reason, project };
        command.SetAction(async (parse, ct) =>
        {
            if (verb == "reject" && string.IsNullOrWhiteSpace(parse.GetValue(reason)))
            {
                throw new CommandException("reject needs --reason \"why\"", ExitCodes.Usage);
            }

            var directory = console.FullPath(parse.GetValue(project)!);
            var manifest = SecretsSession.LoadManifest(console, directory);
            using var client = ServerClient.Connect(console, directory);
            var deployment = await client.PostAsync(
                $"api/apps/{manifest.App}/deployments/{Uri.EscapeDataString(parse.GetValue(id)!)}/{verb}",
                new DeploymentActionRequest { Actor = Actor(console), Reason = parse.GetValue(reason) },
                ApiJson.Default.DeploymentActionRequest,
                ApiJson.Default.DeploymentView,
                ct).ConfigureAwait(false);
            console.Output.WriteLine($"{deployment.Id}: {deployment.Status}, step {deployment.Step}{(deployment.Reason is null ? "" : ": " + deployment.Reason)}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Status(CliConsole console)
    {
        var environment = new Argument<string?>("ENV") { Description = "Only this environment", Arity = ArgumentArity.ZeroOrOne };
        var json = new Option<bool>("--json") { Description = "Print the status as JSON" };
        var project = SecretCommands.ProjectOption();
        var command = new Command("status", "Each service's release, instances, traffic split, request and error rates") { environment, json, project };
        command.SetAction(async (parse, ct) =>
        {
            var directory = console.FullPath(parse.GetValue(project)!);
            var manifest = SecretsSession.LoadManifest(console, directory);
            using var client = ServerClient.Connect(console, directory);
            var env = parse.GetValue(environment);
            var status = await client.GetAsync($"api/apps/{manifest.App}/status{(env is null ? "" : "?env=" + Uri.EscapeDataString(env))}", ApiJson.Default.StatusView, ct).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                console.Output.WriteLine(System.Text.Json.JsonSerializer.Serialize(status, ApiJson.Default.StatusView));
                return ExitCodes.Success;
            }

            if (status.Services.Count == 0)
            {
                console.Output.WriteLine($"nothing of {status.App} is deployed{(env is null ? "" : $" to {env}")} yet: 'capstan deploy ENV' deploys it");
                return ExitCodes.Success;
            }

            var rows = new List<IReadOnlyList<string>>();
            foreach (var s in status.Services)
            {
                rows.Add([
                    s.Environment,
                    s.Service,
                    s.Version is { } v ? $"v{v}" : "-",
                    s.ArtifactDigest is { Length: > 0 } d ? Pipelines.RunSummary.ShortDigest(d) : "-",
                    $"{s.Healthy}/{s.Total}",
                    s.Traffic.Count == 0 ? "-" : string.Join(" ", s.Traffic.Select(t => $"v{t.Version}:{t.Percent.ToString("0", CultureInfo.InvariantCulture)}%")),
                    s.RequestRate.ToString("0.0", CultureInfo.InvariantCulture),
                    (s.ErrorRate * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%",
                    s.P95Milliseconds is { } p ? p.ToString("0", CultureInfo.InvariantCulture) + "ms" : "-",
                    s.Url ?? "-"]);
            }

            TextTable.Write(console.Output, ["ENV", "SERVICE", "RELEASE", "DIGEST", "HEALTHY", "TRAFFIC", "REQ/S", "ERRORS", "P95", "URL"], rows);
            // Instances that are not simply serving: a crash loop shows here with its restarts, last exit and next start.
            foreach (var s in status.Services)
            {
                foreach (var i in s.Instances.Where(i => i.Restarts > 0 || i.Phase != "ready"))
                {
                    console.Output.WriteLine(Troubled(s, i));
                }
            }

            foreach (var s in status.Services.Where(s => s.Deploying is not null))
            {
                console.Output.WriteLine($"deploying {s.Service} to {s.Environment}: v{s.Deploying!.ReleaseVersion} ({s.Deploying.Strategy}), step {s.Deploying.Step} [{s.Deploying.Id}]");
                if (s.Deploying.Analysis is { } analysis)
                {
                    console.Output.WriteLine($"  {analysis}");
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>"web in staging: instance … (v2, 127.0.0.1:20001) is backing-off; restarted 2 time(s); last exit: … at 12:00:01 UTC; next start at 12:00:05 UTC".</summary>
    private static string Troubled(ServiceStatusView service, InstanceView instance)
    {
        static string Time(DateTimeOffset at) => at.ToUniversalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";
        var text = new System.Text.StringBuilder($"{service.Service} in {service.Environment}: instance {instance.Id} (v{instance.Version}, {instance.Address}) is {instance.Phase}");
        if (instance.Restarts > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"; restarted {instance.Restarts} time(s)");
        }

        if (instance.LastExit is { } exit)
        {
            text.Append(CultureInfo.InvariantCulture, $"; last exit: {exit}{(instance.LastExitAt is { } at ? " at " + Time(at) : "")}");
        }

        if (instance.NextRestartAt is { } next)
        {
            text.Append(CultureInfo.InvariantCulture, $"; next start at {Time(next)}");
        }

        return text.ToString();
    }

    private static Command Releases(CliConsole console)
    {
        var environment = new Argument<string>("ENV") { Description = "The environment whose releases to list" };
        var json = new Option<bool>("--json") { Description = "Print the releases as JSON" };
        var project = SecretCommands.ProjectOption();
        var command = new Command("releases", "The releases of an environment, newest first; * marks the one serving") { environment, json, project };
        command.SetAction(async (parse, ct) =>
        {
            var directory = console.FullPath(parse.GetValue(project)!);
            var manifest = SecretsSession.LoadManifest(console, directory);
            using var client = ServerClient.Connect(console, directory);
            var releases = await client.GetAsync($"api/apps/{manifest.App}/releases?env={Uri.EscapeDataString(parse.GetValue(environment)!)}", ApiJson.Default.IReadOnlyListReleaseView, ct).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                console.Output.WriteLine(System.Text.Json.JsonSerializer.Serialize(releases, ApiJson.Default.IReadOnlyListReleaseView));
                return ExitCodes.Success;
            }

            var rows = new List<IReadOnlyList<string>>();
            foreach (var r in releases)
            {
                rows.Add([
                    r.Current ? "*" : "",
                    r.Service,
                    $"v{r.Version}",
                    r.ArtifactDigest is { Length: > 0 } d ? Pipelines.RunSummary.ShortDigest(d) : "(project)",
                    r.ConfigHash["sha256:".Length..][..8],
                    r.SecretVersions.Count == 0 ? "-" : string.Join(",", r.SecretVersions.Select(s => $"{s.Key}@{s.Value}")),
                    r.CreatedAt.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                    r.CreatedBy,
                    r.Id]);
            }

            TextTable.Write(console.Output, ["", "SERVICE", "VERSION", "DIGEST", "CONFIG", "SECRETS", "CREATED", "BY", "ID"], rows);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Prints what was started; with <paramref name="wait"/>, follows each deployment's steps to its end.</summary>
    internal static async Task<int> ReportAsync(CliConsole console, ServerClient client, string app, IReadOnlyList<DeploymentView> deployments, bool wait, CancellationToken cancellationToken)
    {
        var failed = false;
        foreach (var started in deployments)
        {
            console.Output.WriteLine($"{started.Id}: {started.Service} v{started.ReleaseVersion} to {started.Environment} ({started.Strategy})");
            var current = started;
            var step = "";
            while (wait && !current.Finished)
            {
                if (current.Step != step)
                {
                    step = current.Step;
                    console.Output.WriteLine($"  {step}");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
                current = await client.GetAsync($"api/apps/{app}/deployments/{current.Id}", ApiJson.Default.DeploymentView, cancellationToken).ConfigureAwait(false);
            }

            if (current.Finished)
            {
                console.Output.WriteLine($"  {current.Status}{(current.Reason is null ? "" : ": " + current.Reason)}");
                failed |= current.Status != "succeeded";
                if (current.Status == "succeeded" && current.Url is { } url)
                {
                    console.Output.WriteLine($"  {url}");
                }
            }
        }

        return failed ? ExitCodes.Failure : ExitCodes.Success;
    }

    internal static string Actor(CliConsole console) =>
        console.Environment("CAPSTAN_ACTOR") is { Length: > 0 } named ? named : $"{Environment.UserName}@{Environment.MachineName}";
}
