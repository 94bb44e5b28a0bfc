using System.Net;
using System.Net.Http.Json;
using Capstan.Contracts;
using Capstan.Server;
using Capstan.State;
using Capstan.Testing;

namespace AlertBench;

/// <summary>
/// A real Capstan server on free loopback ports (as bench/DeployBench's BenchServer), its project's capstan.yaml
/// running the published example app as service 'web' of app 'shop' in 'staging' behind the real HAProxy edge, with
/// one critical rule notifying a webhook channel.
/// </summary>
internal sealed class AlertServer : IAsyncDisposable
{
    public const string Host = "staging.shop.localhost";
    public const string RuleName = "HighErrorRate";
    public const string Condition = "error_rate(web) > 1%";

    private readonly TempDirectory _folder = new("capstan-alertbench-");

    private AlertServer(string manifest)
    {
        Manifest = manifest;
        _folder.Write("capstan.yaml", manifest);
        EdgePort = FreePort.Get();
        ApiPort = FreePort.Get();
    }

    public string Manifest { get; }

    public int EdgePort { get; }

    public int ApiPort { get; }

    public CapstanServer Server { get; private set; } = null!;

    public HttpClient Api { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public Uri EdgeUri => new($"http://127.0.0.1:{EdgePort}/");

    /// <summary><c>127.0.0.1:PORT</c> of the API, where <c>/metrics</c> is served (behind the admin token).</summary>
    public string MetricsTarget => new Uri(Server.Url).Authority;

    /// <summary>
    /// capstan.yaml: the example app with <c>FAULT_FILE</c> set, and the rule under test with <c>for: 0s</c>.
    /// </summary>
    public static string ManifestFor(string helloFolder, string faultFile, Uri webhook) => ExampleApp.Manifest(
        helloFolder,
        env: $"FAULT_FILE: \"{faultFile}\"",
        rest: $$"""
            alerts:
              - name: {{RuleName}}
                when: "{{Condition}}"
                for: 0s
                severity: critical
                notify: [oncall]
            notifications:
              oncall: { webhook: "{{webhook}}capstan" }
            routing:
              # Capstan's defaults for critical alerts (0s, 1m, 1h) but group_interval, which only decides when changes
              # to a group already notified go out: 1s, so that each round's resolution arrives before the next round.
              critical: { group_wait: 0s, group_interval: 1s, repeat_interval: 1h }
            """);

    public static async Task<AlertServer> StartAsync(string manifest, CancellationToken cancellationToken)
    {
        var bench = new AlertServer(manifest);
        try
        {
            bench.Server = await CapstanServer.StartAsync(
                new ServerOptions
                {
                    ProjectDirectory = bench._folder.Path,
                    State = StateLocation.Resolve(null, null, bench._folder.Path),
                    Port = bench.ApiPort,
                    EdgePort = bench.EdgePort,
                    ShimCommand = ["dotnet", Path.Combine(AppContext.BaseDirectory, "capstan.dll")],
                },
                cancellationToken);
        }
        catch
        {
            bench._folder.Dispose();
            bench.Api.Dispose();
            throw;
        }

        bench.Api.BaseAddress = new Uri(bench.Server.Url.TrimEnd('/') + "/");
        bench.Api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bench.Server.AdminToken);
        return bench;
    }

    /// <summary>Deploys the manifest to staging and waits until the deployment succeeded and the edge answers 200.</summary>
    public async Task DeployAsync(CancellationToken cancellationToken)
    {
        using var response = await Api.PostAsJsonAsync(
            "api/apps/shop/deployments",
            new DeployRequest { Environment = "staging", Manifest = Manifest },
            ApiJson.Default.DeployRequest,
            cancellationToken);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"the deploy was refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        var deployment = (await response.Content.ReadFromJsonAsync(ApiJson.Default.IReadOnlyListDeploymentView, cancellationToken))!.Single();
        await Poll.UntilAsync(
            async ct => (deployment = (await Api.GetFromJsonAsync($"api/apps/shop/deployments/{deployment.Id}", ApiJson.Default.DeploymentView, ct))!).Finished,
            $"deployment {deployment.Id} ends",
            TimeSpan.FromSeconds(120),
            cancellationToken);
        if (deployment.Status != "succeeded")
        {
            throw new InvalidOperationException($"deployment {deployment.Id} ended {deployment.Status} at step '{deployment.Step}': {deployment.Reason}");
        }

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Poll.UntilAsync(
            async ct =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, EdgeUri);
                request.Headers.Host = Host;
                using var answer = await client.SendAsync(request, ct);
                return answer.StatusCode == HttpStatusCode.OK;
            },
            "the edge answers 200",
            TimeSpan.FromSeconds(30),
            cancellationToken);
    }

    /// <summary>Stops every instance and HAProxy this server started, then the server.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Server is { } server)
        {
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await server.StopEverythingAsync(stopping.Token);
            }
            finally
            {
                await server.DisposeAsync();
            }
        }

        Api.Dispose();
        _folder.Dispose();
    }
}
