using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Capstan.Contracts;
using Capstan.Runtime.Instances;
using Capstan.Server;
using Capstan.State;
using Capstan.Testing;

namespace DeployBench;

/// <summary>
/// As tests/Capstan.Deployments.Tests/DeploymentFixture does: a project folder whose capstan.yaml runs the test app,
/// a real server on free loopback ports with its real HAProxy and instances. Records when each instance became
/// ready, as the supervisor reports it.
/// </summary>
internal sealed class BenchServer : IAsyncDisposable
{
    public const string Host = "staging.shop.localhost";

    private readonly TempDirectory _folder = new("capstan-deploybench-");
    private readonly ConcurrentQueue<(string Version, string Id, long At)> _ready = new();
    private readonly ConcurrentQueue<string> _exits = new();
    private string _strategy = "blue-green";
    private int _replicas = 1;
    private string? _manifest;

    private BenchServer()
    {
        EdgePort = FreePort.Get();
        ApiPort = FreePort.Get();
    }

    public int EdgePort { get; }

    public int ApiPort { get; }

    public CapstanServer Server { get; private set; } = null!;

    public HttpClient Api { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public Uri EdgeUri => new($"http://127.0.0.1:{EdgePort}/");

    /// <summary>The stopwatch timestamp at which each instance of <paramref name="version"/> became ready, first first.</summary>
    public IReadOnlyList<long> ReadyAt(string version) => [.. _ready.Where(r => r.Version == version).Select(r => r.At).Order()];

    /// <summary>
    /// Starts a server for a project whose capstan.yaml runs the test app with <paramref name="strategy"/> and
    /// <paramref name="replicas"/>, or is <paramref name="manifest"/> when given (e.g. <see cref="ExampleApp.Manifest"/>).
    /// </summary>
    public static async Task<BenchServer> StartAsync(string strategy, int replicas, CancellationToken cancellationToken, string? manifest = null)
    {
        var bench = new BenchServer { _strategy = strategy, _replicas = replicas, _manifest = manifest };
        try
        {
            bench.WriteManifest("");
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

        bench.Server.Agent.Supervisor.InstanceChanged += (_, e) =>
        {
            if (e.Status.Phase == InstancePhase.Ready && e.Previous?.Phase != InstancePhase.Ready)
            {
                bench._ready.Enqueue((e.Status.Version, e.Status.Id, Stopwatch.GetTimestamp()));
            }

            if (e.Status.LastExit is { } exit && exit != e.Previous?.LastExit)
            {
                bench._exits.Enqueue($"instance {e.Status.Id} ({e.Status.Version}) {exit} after {(exit.At - e.Status.StartedAt).TotalSeconds:0.0} s; {LogTails(bench.Server.Agent.Supervisor.DirectoryOf(e.Status.Id))}");
            }
        };
        bench.Api.BaseAddress = new Uri(bench.Server.Url.TrimEnd('/') + "/");
        bench.Api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bench.Server.AdminToken);
        return bench;
    }

    /// <summary>Every exit of an instance's process seen so far, with the tails of its logs read at that moment.</summary>
    public IReadOnlyCollection<string> Exits => _exits;

    private static string LogTails(string directory)
    {
        try
        {
            return string.Join("; ", Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
                .Where(f => f.EndsWith(".log", StringComparison.Ordinal) || f.Contains("/logs/", StringComparison.Ordinal))
                .Select(f =>
                {
                    var text = File.ReadAllText(f);
                    return $"{Path.GetRelativePath(directory, f)}: …{text[Math.Max(0, text.Length - 600)..].ReplaceLineEndings(" ⏎ ")}";
                }));
        }
        catch (IOException ex)
        {
            return $"(logs unreadable: {ex.Message})";
        }
    }

    /// <summary>
    /// capstan.yaml: one service 'web' running the test app (GET / answers its version), one environment 'staging';
    /// <paramref name="env"/> adds lines under the service's env (e.g. <c>FAULT_RATE: "0.05"</c>).
    /// </summary>
    public void WriteManifest(string color, string env = "") =>
        _folder.Write("capstan.yaml", _manifest ?? TestApp.Manifest(_strategy, _replicas, $"COLOR: \"{(color.Length > 0 ? color : "blue")}\"{(env.Length > 0 ? "\n" + env : "")}", progressDeadline: "30s"));

    public async Task<DeploymentView> DeployAsync(CancellationToken cancellationToken)
    {
        using var response = await Api.PostAsJsonAsync(
            "api/apps/shop/deployments",
            new DeployRequest { Environment = "staging", Manifest = File.ReadAllText(Path.Combine(_folder.Path, "capstan.yaml")) },
            ApiJson.Default.DeployRequest,
            cancellationToken);
        return (await ReadAsync(response, ApiJson.Default.IReadOnlyListDeploymentView, cancellationToken)).Single();
    }

    public async Task<DeploymentView> RollbackAsync(string to, CancellationToken cancellationToken)
    {
        using var response = await Api.PostAsJsonAsync("api/apps/shop/rollbacks", new RollbackRequest { Environment = "staging", To = to }, ApiJson.Default.RollbackRequest, cancellationToken);
        return (await ReadAsync(response, ApiJson.Default.IReadOnlyListDeploymentView, cancellationToken)).Single();
    }

    /// <summary>Waits until the deployment ends; throws unless it succeeded.</summary>
    public async Task<DeploymentView> SucceedAsync(DeploymentView deployment, CancellationToken cancellationToken)
    {
        var current = deployment;
        await Poll.UntilAsync(
            async ct => (current = (await Api.GetFromJsonAsync($"api/apps/shop/deployments/{deployment.Id}", ApiJson.Default.DeploymentView, ct))!).Finished,
            $"deployment {deployment.Id} ends",
            TimeSpan.FromSeconds(90),
            cancellationToken);
        return current.Status == "succeeded"
            ? current
            : throw new InvalidOperationException($"deployment {current.Id} ({current.Strategy}, v{current.ReleaseVersion}) ended {current.Status} at step '{current.Step}': {current.Reason}. Instance exits: {string.Join(" | ", _exits)}");
    }

    /// <summary>Waits until a GET / through the edge answers <paramref name="body"/>.</summary>
    public Task EdgeServesAsync(string body, CancellationToken cancellationToken) =>
        EdgeServesAsync(answer => answer == body, body, cancellationToken);

    /// <summary>Waits until a GET / through the edge answers 200 with a body that <paramref name="matches"/> (<paramref name="what"/>, for the error).</summary>
    public async Task EdgeServesAsync(Func<string, bool> matches, string what, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Poll.UntilAsync(
            async ct =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, EdgeUri);
                request.Headers.Host = Host;
                using var response = await client.SendAsync(request, ct);
                return response.StatusCode == HttpStatusCode.OK && matches(await response.Content.ReadAsStringAsync(ct));
            },
            $"the edge serves {what}",
            TimeSpan.FromSeconds(30),
            cancellationToken);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        return (await response.Content.ReadFromJsonAsync(type, cancellationToken))!;
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
