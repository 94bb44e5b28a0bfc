using System.Net;
using System.Net.Http.Json;
using Capstan.Contracts;
using Capstan.Runtime.Ports;
using Capstan.Server;
using Capstan.State;
using Capstan.Testing;

namespace Capstan.Deployments.Tests;

/// <summary>
/// A project folder whose capstan.yaml runs the test app (from the project folder, no artifact), a real server on
/// free ports with its real HAProxy and instances, and clients for the API and for the edge.
/// </summary>
internal sealed class DeploymentFixture : IAsyncDisposable
{
    private readonly TempDirectory _folder = new("capstan-deploy-");
    private readonly StateLocation? _state;
    private readonly PortRange? _instancePorts;

    private DeploymentFixture(StateLocation? state = null, PortRange? instancePorts = null)
    {
        EdgePort = FreePort.Get();
        ApiPort = FreePort.Get();
        _state = state;
        _instancePorts = instancePorts;
    }

    /// <summary>
    /// A fixture whose server is not started yet: its state in <paramref name="state"/> (default <c>.capstan/state.db</c>),
    /// its instances on <paramref name="instancePorts"/> (default <see cref="PortRange.Default"/>). Write the manifest, then
    /// <see cref="StartServerAsync"/>.
    /// </summary>
    public static DeploymentFixture Create(StateLocation? state = null, PortRange? instancePorts = null) => new(state, instancePorts);

    public string Project => _folder.Path;

    public int EdgePort { get; }

    public int ApiPort { get; }

    public CapstanServer? Server { get; private set; }

    public HttpClient Api { get; } = new();

    /// <summary>Writes capstan.yaml (<see cref="TestApp.Manifest"/>): one service 'web' running the test app, environment 'staging'.</summary>
    public void WriteManifest(string strategy = "blue-green", int replicas = 1, string env = "", string progressDeadline = "20s") =>
        _folder.Write("capstan.yaml", TestApp.Manifest(strategy, replicas, env, progressDeadline));

    /// <summary>Writes a file of the project folder (e.g. a capstan.yaml of its own) and returns its full path.</summary>
    public string Write(string relativePath, string content) => _folder.Write(relativePath, content);

    public static async Task<DeploymentFixture> StartAsync(string strategy = "blue-green", int replicas = 1, CancellationToken cancellationToken = default)
    {
        var fixture = new DeploymentFixture();
        fixture.WriteManifest(strategy, replicas);
        await fixture.StartServerAsync(cancellationToken);
        return fixture;
    }

    public async Task StartServerAsync(CancellationToken cancellationToken)
    {
        Server = await CapstanServer.StartAsync(
            new ServerOptions
            {
                ProjectDirectory = Project,
                State = _state ?? StateLocation.Resolve(null, null, Project),
                Port = ApiPort,
                EdgePort = EdgePort,
                InstancePorts = _instancePorts ?? PortRange.Default,
                ShimCommand = ["dotnet", Path.Combine(AppContext.BaseDirectory, "capstan.dll")],
            },
            cancellationToken);
        // The URL and the admin token stay the same across restarts of the server of one project.
        Api.BaseAddress ??= new Uri(Server.Url.TrimEnd('/') + "/");
        Api.DefaultRequestHeaders.Authorization ??= new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Server.AdminToken);
    }

    /// <summary>Stops the control plane only, as a crash would leave things (HAProxy and the instances keep running).</summary>
    public async Task StopServerAsync()
    {
        if (Server is { } server)
        {
            Server = null;
            await server.DisposeAsync();
        }
    }

    public async Task<IReadOnlyList<DeploymentView>> DeployAsync(string environment = "staging", string? artifact = null, CancellationToken cancellationToken = default)
    {
        using var response = await Api.PostAsJsonAsync(
            "api/apps/shop/deployments",
            new DeployRequest { Environment = environment, Manifest = File.ReadAllText(Path.Combine(Project, "capstan.yaml")), ArtifactDigest = artifact },
            ApiJson.Default.DeployRequest,
            cancellationToken);
        await EnsureAsync(response, HttpStatusCode.Accepted, cancellationToken);
        return (await response.Content.ReadFromJsonAsync(ApiJson.Default.IReadOnlyListDeploymentView, cancellationToken))!;
    }

    public async Task<IReadOnlyList<DeploymentView>> RollbackAsync(string? to = null, CancellationToken cancellationToken = default)
    {
        using var response = await Api.PostAsJsonAsync("api/apps/shop/rollbacks", new RollbackRequest { Environment = "staging", To = to }, ApiJson.Default.RollbackRequest, cancellationToken);
        await EnsureAsync(response, HttpStatusCode.Accepted, cancellationToken);
        return (await response.Content.ReadFromJsonAsync(ApiJson.Default.IReadOnlyListDeploymentView, cancellationToken))!;
    }

    public async Task<DeploymentView> GetAsync(string id, CancellationToken cancellationToken) =>
        (await Api.GetFromJsonAsync($"api/apps/shop/deployments/{id}", ApiJson.Default.DeploymentView, cancellationToken))!;

    /// <summary>Waits until the deployment ends and returns it as it ended.</summary>
    public async Task<DeploymentView> WaitAsync(DeploymentView deployment, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        var current = deployment;
        await Poll.UntilAsync(
            async ct => (current = await GetAsync(deployment.Id, ct)).Finished,
            $"deployment {deployment.Id} ends",
            timeout ?? TimeSpan.FromSeconds(60),
            cancellationToken);
        return current;
    }

    /// <summary>Waits until the deployment ends and fails the test, with the deployment's reason, unless it succeeded.</summary>
    public async Task<DeploymentView> ShouldSucceedAsync(DeploymentView deployment, CancellationToken cancellationToken)
    {
        var ended = await WaitAsync(deployment, cancellationToken);
        Shouldly.ShouldBeStringTestExtensions.ShouldBe(ended.Status, "succeeded", $"deployment {ended.Id} ({ended.Strategy}) ended at step '{ended.Step}': {ended.Reason}");
        return ended;
    }

    public async Task<StatusView> StatusAsync(CancellationToken cancellationToken) =>
        (await Api.GetFromJsonAsync("api/apps/shop/status", ApiJson.Default.StatusView, cancellationToken))!;

    /// <summary>A GET through the edge with the staging host name.</summary>
    public async Task<(HttpStatusCode Status, string Body)> GetThroughEdgeAsync(HttpClient client, string path, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{EdgePort}{path}");
        request.Headers.Host = "staging.shop.localhost";
        using var response = await client.SendAsync(request, cancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    private static async Task EnsureAsync(HttpResponseMessage response, HttpStatusCode expected, CancellationToken cancellationToken)
    {
        if (response.StatusCode != expected)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            var error = body.StartsWith('{') ? System.Text.Json.JsonSerializer.Deserialize(body, ApiJson.Default.ApiError)?.Error : body;
            throw new InvalidOperationException($"expected {expected}, got {(int)response.StatusCode}: {error}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Server is { } server)
        {
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await server.StopEverythingAsync(stopping.Token);
            await server.DisposeAsync();
        }
        else
        {
            // The server was stopped as by a crash: start one to stop the data plane it left.
            await StartServerAsync(CancellationToken.None);
            await DisposeAsync();
            return;
        }

        Api.Dispose();
        _folder.Dispose();
    }
}
