using Capstan.Server;
using Capstan.State;
using Capstan.Testing;

namespace Capstan.Cli.Tests;

/// <summary>
/// <c>capstan export prometheus-rules</c>, <c>metrics</c>, <c>alerts</c>, <c>silence</c> and <c>incident</c>, run as a
/// person runs them: in a project folder, against a real server of that project.
/// </summary>
public sealed class ObservabilityCommandTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private const string Manifest = """
        version: 1
        app: shop
        services:
          web:
            run: ./web --port ${PORT}
            route: { host: shop.localhost }
        environments:
          production: {}
        alerts:
          - name: HighErrorRate
            when: "error_rate(web) > 1%"
            for: 5m
            severity: critical
            summary: 'web answers "5xx" to {{ more }} than 1%'
            runbook: https://runbooks.example/errors
            guard: true
          - name: MailQueue
            when: 'queue_depth{queue="mail"} > 1000'
            severity: warning
        """;

    [Fact]
    public async Task ExportPrometheusRules_WritesAFileThatPromtoolAccepts()
    {
        using var project = new TempDirectory();
        File.WriteAllText(Path.Combine(project.Path, "capstan.yaml"), Manifest);

        var run = await CliRun.Of(project.Path, "export", "prometheus-rules", "-o", "rules.yml");

        run.ExitCode.ShouldBe(ExitCodes.Success, run.Error);
        run.Output.ShouldBe("wrote 2 rule(s) to rules.yml\n");
        var rules = File.ReadAllText(Path.Combine(project.Path, "rules.yml"));
        rules.ShouldContain("alert: \"HighErrorRate\"");
        var check = await Promtool.CheckRulesAsync(Path.Combine(project.Path, "rules.yml"), Token);
        check.ExitCode.ShouldBe(0, check.Output);
        check.Output.ShouldContain("SUCCESS: 2 rules found");

        var printed = await CliRun.Of(project.Path, "export", "prometheus-rules");
        printed.Output.ShouldBe(rules);
    }

    [Fact]
    public async Task BadInput_IsRefusedBeforeAnyServerIsAsked_NamingWhatIsWrong()
    {
        using var project = new TempDirectory();
        File.WriteAllText(Path.Combine(project.Path, "capstan.yaml"), Manifest);

        var noMatch = await CliRun.Of(project.Path, "silence", "add", "--reason", "x");
        noMatch.ExitCode.ShouldBe(ExitCodes.Usage);
        noMatch.Error.ShouldContain("a silence needs at least one --match NAME=VALUE");

        var badMatch = await CliRun.Of(project.Path, "silence", "add", "--match", "service", "--reason", "x");
        badMatch.ExitCode.ShouldBe(ExitCodes.Usage);
        badMatch.Error.ShouldContain("--match 'service' is not NAME=VALUE");

        var badFor = await CliRun.Of(project.Path, "silence", "add", "--match", "service=web", "--for", "soon", "--reason", "x");
        badFor.ExitCode.ShouldBe(ExitCodes.Usage);
        badFor.Error.ShouldContain("--for 'soon' is not a duration");

        var badSev = await CliRun.Of(project.Path, "incident", "open", "--title", "down", "--sev", "7");
        badSev.ExitCode.ShouldBe(ExitCodes.Usage);
        badSev.Error.ShouldContain("--sev 7 is not a severity");

        var badLevel = await CliRun.Of(project.Path, "incident", "severity", "inc_1", "SEV5");
        badLevel.ExitCode.ShouldBe(ExitCodes.Usage);
        badLevel.Error.ShouldContain("'SEV5' is not a severity");

        var noServer = await CliRun.Of(project.Path, "alerts");
        noServer.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        noServer.Error.ShouldContain("no capstan server is running");
    }

    [Fact]
    public async Task Incidents_Silences_Alerts_AndMetrics_ThroughARealServer()
    {
        using var project = new TempDirectory();
        File.WriteAllText(Path.Combine(project.Path, "capstan.yaml"), Manifest);
        await using var server = await CapstanServer.StartAsync(
            new ServerOptions
            {
                ProjectDirectory = project.Path,
                State = StateLocation.Resolve(null, null, project.Path),
                Port = FreePort.Get(),
                EdgePort = FreePort.Get(),
                ShimCommand = ["dotnet", Path.Combine(AppContext.BaseDirectory, "capstan.dll")],
            },
            Token);
        try
        {
            await RunCommandsAsync(project.Path, server);
        }
        finally
        {
            // The data plane outlives a disposed server: HAProxy is stopped here, as 'capstan up' stops it.
            await server.StopEverythingAsync(CancellationToken.None);
        }
    }

    private static async Task RunCommandsAsync(string path, CapstanServer server)
    {
        var environment = new Dictionary<string, string?> { ["CAPSTAN_URL"] = server.Url, ["CAPSTAN_TOKEN"] = server.AdminToken, ["CAPSTAN_ACTOR"] = "ana" };
        Task<CliRun> Capstan(params string[] args) => CliRun.With(path, environment, Token, args);

        var opened = await Capstan("incident", "open", "--title", "checkout is slow", "--sev", "1", "--env", "production", "--service", "web");
        opened.ExitCode.ShouldBe(ExitCodes.Success, opened.Error);
        opened.Output.ShouldStartWith("incident inc_");
        opened.Output.ShouldContain("open: SEV1 checkout is slow; respond within 5m");
        var id = opened.Output.Split(' ')[1];

        (await Capstan("incident", "note", id, "p95 is 4 s since the deploy")).Output.ShouldBe($"noted on {id}\n");
        var acked = await Capstan("incident", "ack", id);
        acked.Output.ShouldStartWith($"incident {id} acknowledged after ");
        var again = await Capstan("incident", "ack", id);
        again.ExitCode.ShouldBe(ExitCodes.Failure);
        again.Error.ShouldContain("already acknowledged");

        var list = await Capstan("incident", "list");
        list.Output.ShouldContain(id);
        list.Output.ShouldContain("SEV1");
        list.Output.ShouldContain("acknowledged");

        var lowered = await Capstan("incident", "severity", id, "sev2", "--reason", "only checkout in one region");
        lowered.ExitCode.ShouldBe(ExitCodes.Success, lowered.Error);
        lowered.Output.ShouldBe($"incident {id} is SEV2: respond within 15m\n");

        var show = await Capstan("incident", "show", id);
        show.Output.ShouldContain("opened");
        show.Output.ShouldContain("p95 is 4 s since the deploy");
        show.Output.ShouldContain("SEV1 → SEV2 (only checkout in one region)");
        show.Output.ShouldContain("ana (token admin)");

        var postmortem = await Capstan("incident", "postmortem", id, "-o", "postmortem.md");
        postmortem.ExitCode.ShouldBe(ExitCodes.Success, postmortem.Error);
        File.ReadAllText(Path.Combine(path, "postmortem.md")).ShouldContain("checkout is slow");

        (await Capstan("incident", "resolve", id)).Output.ShouldStartWith($"incident {id} resolved after ");
        (await Capstan("incident", "list")).Output.ShouldBe("no open incidents\n");
        (await Capstan("incident", "show", "inc_nope")).Error.ShouldContain("no incident inc_nope");

        var silence = await Capstan("silence", "add", "--match", "service=web", "--match", "env=production", "--for", "2h", "--reason", "deploying the fix");
        silence.ExitCode.ShouldBe(ExitCodes.Success, silence.Error);
        silence.Output.ShouldContain("mutes {env=\"production\",service=\"web\"} until ");
        var silenceId = silence.Output.Split(' ')[1];
        (await Capstan("silence", "list")).Output.ShouldContain("deploying the fix");
        (await Capstan("silence", "rm", silenceId)).Output.ShouldBe($"silence {silenceId} ended; {{env=\"production\",service=\"web\"}} notify again\n");
        (await Capstan("silence", "list")).Output.ShouldBe("no silences\n");

        (await Capstan("alerts")).Output.ShouldBe("no alerts: every rule's condition is false\n");
        (await Capstan("alert", "ack", "0123456789abcdef")).Error.ShouldContain("no alert 0123456789abcdef");

        await Poll.UntilAsync(async ct => (await CliRun.With(path, environment, ct, "metrics", "capstan_host_cpus")).Output.Contains("capstan_host_cpus", StringComparison.Ordinal),
            "the host is sampled", TimeSpan.FromSeconds(15), Token);
        var metrics = await Capstan("metrics", "capstan_host_*");
        metrics.Output.ShouldContain("capstan_host_memory_total_bytes");
        var bad = await Capstan("metrics", "x{a=b}");
        bad.ExitCode.ShouldBe(ExitCodes.InvalidInput);
        bad.Error.ShouldContain("'a=b' is not label=\"value\"");
    }
}
