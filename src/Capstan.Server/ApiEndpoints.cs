using System.Text.Json;
using Capstan.Contracts;
using Capstan.Deployments;
using Capstan.Deployments.Agent;
using Capstan.Deployments.Control;
using Capstan.Deployments.Dora;
using Capstan.Deployments.Traffic;
using Capstan.Edge;
using Capstan.Edge.Routing;
using Capstan.Manifest;
using Capstan.Manifest.Values;
using Capstan.Runtime;
using Capstan.Runtime.Instances;
using Capstan.State;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Capstan.Server;

/// <summary>What the endpoints work on.</summary>
public sealed record ApiContext(IStateStore Store, LocalAgent Agent, DeploymentController Controller, string ProjectDirectory, TimeProvider Clock, Observability.ObservabilityService Watch);

/// <summary>The HTTP API, JSON in snake_case, every route but <c>/api/health</c> and the OpenAPI document behind a bearer token.</summary>
public static class ApiEndpoints
{
    private const string TokenItem = "capstan.token";

    public static void AddServices(IServiceCollection services)
    {
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJson.Default);
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        });
        services.AddOpenApi();
        // A body that is not the expected JSON reaches UnexpectedErrorsAsync, which answers what is wrong with it.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
    }

    public static void Map(WebApplication web)
    {
        ArgumentNullException.ThrowIfNull(web);
        web.Use(UnexpectedErrorsAsync);
        web.Use(AuthenticateAsync);
        web.MapOpenApi();
        web.MapGet("/api/health", () => Results.Text("ok")).WithSummary("Answers 200 while the server runs; no token needed");

        var apps = web.MapGroup("/api/apps/{app}");
        apps.MapPost("/deployments", DeployAsync).WithSummary("Deploy capstan.yaml's services to an environment");
        apps.MapGet("/deployments", ListDeploymentsAsync).WithSummary("Deployments, newest first");
        apps.MapGet("/deployments/{id}", GetDeploymentAsync).WithSummary("One deployment and the step it is at");
        apps.MapPost("/deployments/{id}/abort", AbortAsync).WithSummary("Abort a canary in its steps: weight 0 at once, then drain and stop it");
        apps.MapPost("/deployments/{id}/promote", PromoteAsync).WithSummary("Skip a canary's remaining steps: all traffic to it");
        apps.MapPost("/deployments/{id}/approve", ApproveAsync).WithSummary("Approve a deployment awaiting approval (not the token that started it)");
        apps.MapPost("/deployments/{id}/reject", RejectAsync).WithSummary("Reject a deployment awaiting approval, with a reason: it is cancelled");
        apps.MapPost("/promotions", PromoteFromAsync).WithSummary("Deploy to an environment exactly the artifacts another environment serves");
        apps.MapPost("/rollbacks", RollbackAsync).WithSummary("Move an environment's traffic back to an earlier release");
        apps.MapGet("/releases", ListReleasesAsync).WithSummary("Releases of an environment, newest first");
        apps.MapGet("/status", StatusAsync).WithSummary("Each service's release, instances, traffic and request figures");
        apps.MapGet("/dora", DoraAsync).WithSummary("DORA metrics of an environment over a window, from the recorded deployments");

        ObservabilityEndpoints.Map(web, apps);

        web.MapPost("/api/tokens", CreateTokenAsync).WithSummary("Make a token; it is shown once");
        web.MapGet("/api/tokens", ListTokensAsync).WithSummary("Tokens (names, never the tokens themselves)");
        web.MapDelete("/api/tokens/{name}", RevokeTokenAsync).WithSummary("Revoke a token");
    }

    /// <summary>A bug answers 500 with its type and message (never a stack trace), and is logged in full.</summary>
    private static async Task UnexpectedErrorsAsync(HttpContext http, RequestDelegate next)
    {
        try
        {
            await next(http).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex) when (!http.Response.HasStarted)
        {
            // "Failed to read parameter … as JSON", with the JSON reader's reason (a missing property, a bad token and where).
            http.Response.StatusCode = ex.StatusCode;
            var reason = ex.InnerException?.Message is { Length: > 0 } inner ? $": {inner}" : "";
            await http.Response.WriteAsJsonAsync(new ApiError($"bad request: {ex.Message}{reason}"), ApiJson.Default.ApiError, cancellationToken: http.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !http.Response.HasStarted)
        {
            http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Capstan.Server").LogError(ex, "{Method} {Path} failed", http.Request.Method, http.Request.Path);
            http.Response.StatusCode = StatusCodes.Status500InternalServerError;
            await http.Response.WriteAsJsonAsync(new ApiError($"unexpected error: {ex.GetType().Name}: {ex.Message}"), ApiJson.Default.ApiError, cancellationToken: http.RequestAborted).ConfigureAwait(false);
        }
    }

    private static async Task AuthenticateAsync(HttpContext http, RequestDelegate next)
    {
        var path = http.Request.Path;
        // /metrics is behind the token too: Prometheus sends it (authorization: { credentials: TOKEN }).
        if ((!path.StartsWithSegments("/api", StringComparison.Ordinal) && !path.Equals("/metrics", StringComparison.Ordinal)) || path.Equals("/api/health", StringComparison.Ordinal))
        {
            await next(http).ConfigureAwait(false);
            return;
        }

        var header = http.Request.Headers.Authorization.ToString();
        var api = http.RequestServices.GetRequiredService<ApiContext>();
        ApiToken? token = null;
        if (header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            token = await api.Store.Tokens.FindByHashAsync(ApiTokens.Hash(header["Bearer ".Length..].Trim()), http.RequestAborted).ConfigureAwait(false);
        }

        if (token is null)
        {
            // Never echo what was sent: it may be a real token of another server.
            http.Response.StatusCode = StatusCodes.Status401Unauthorized;
            http.Response.Headers.WWWAuthenticate = "Bearer";
            await http.Response.WriteAsJsonAsync(
                new ApiError(header.Length == 0
                    ? "this API needs a token: pass Authorization: Bearer TOKEN (the CLI reads .capstan/admin.token or CAPSTAN_TOKEN)"
                    : "the token is not valid here (unknown or revoked); 'capstan token create NAME' makes one"),
                ApiJson.Default.ApiError,
                cancellationToken: http.RequestAborted).ConfigureAwait(false);
            return;
        }

        http.Items[TokenItem] = token;
        // Last use is kept to the minute: a write per request would serialise every request on SQLite's write lock.
        var now = api.Clock.GetUtcNow();
        if (token.LastUsedAt is not { } used || now - used > TimeSpan.FromMinutes(1))
        {
            await api.Store.Tokens.TouchAsync(token.Id, now, http.RequestAborted).ConfigureAwait(false);
        }

        await next(http).ConfigureAwait(false);
    }

    internal static string Author(HttpContext http, string? actor)
    {
        var token = (ApiToken)http.Items[TokenItem]!;
        return actor is { Length: > 0 } ? $"{actor} (token {token.Name})" : $"token {token.Name}";
    }

    private static async Task<IResult> DeployAsync(string app, DeployRequest request, HttpContext http, ApiContext api, CancellationToken cancellationToken)
    {
        var loaded = ManifestLoader.Parse(request.Manifest, "capstan.yaml", api.ProjectDirectory);
        if (loaded.Manifest is not { } manifest)
        {
            return Error(StatusCodes.Status400BadRequest, $"capstan.yaml has {loaded.Errors.Count()} error(s): {string.Join("; ", loaded.Errors.Take(5))}");
        }

        if (manifest.App != app)
        {
            return Error(StatusCodes.Status400BadRequest, $"capstan.yaml is for app '{manifest.App}', but the request is for app '{app}'");
        }

        // The newest capstan.yaml also brings its alert rules, channels and rotation.
        await api.Watch.UpdateManifestAsync(manifest, request.Manifest, cancellationToken).ConfigureAwait(false);
        return await Guarded(async () =>
        {
            var deployments = await api.Controller.DeployAsync(
                manifest, api.ProjectDirectory, request.Environment, request.ArtifactDigest, Author(http, request.Actor), cancellationToken, new DeployOverride(request.Force, request.Reason, TokenName(http), request.Queue)).ConfigureAwait(false);
            return Results.Json(await ViewsAsync(api, deployments, cancellationToken).ConfigureAwait(false), ApiJson.Default.IReadOnlyListDeploymentView, statusCode: StatusCodes.Status202Accepted);
        }).ConfigureAwait(false);
    }

    private static async Task<IResult> RollbackAsync(string app, RollbackRequest request, HttpContext http, ApiContext api, CancellationToken cancellationToken) =>
        await Guarded(async () =>
        {
            var deployments = await api.Controller.RollbackAsync(app, request.Environment, request.Service, request.To, Author(http, request.Actor), cancellationToken).ConfigureAwait(false);
            return Results.Json(await ViewsAsync(api, deployments, cancellationToken).ConfigureAwait(false), ApiJson.Default.IReadOnlyListDeploymentView, statusCode: StatusCodes.Status202Accepted);
        }).ConfigureAwait(false);

    private static async Task<IResult> ApproveAsync(string app, string id, DeploymentActionRequest request, HttpContext http, ApiContext api, CancellationToken cancellationToken) =>
        await Guarded(async () =>
        {
            var deployment = await api.Controller.ApproveAsync(app, id, Author(http, request.Actor), TokenName(http), cancellationToken).ConfigureAwait(false);
            return Results.Json((await ViewsAsync(api, [deployment], cancellationToken).ConfigureAwait(false))[0], ApiJson.Default.DeploymentView);
        }).ConfigureAwait(false);

    private static async Task<IResult> RejectAsync(string app, string id, DeploymentActionRequest request, HttpContext http, ApiContext api, CancellationToken cancellationToken) =>
        await Guarded(async () =>
        {
            var deployment = await api.Controller.RejectAsync(app, id, Author(http, request.Actor), TokenName(http), request.Reason ?? "", cancellationToken).ConfigureAwait(false);
            return Results.Json((await ViewsAsync(api, [deployment], cancellationToken).ConfigureAwait(false))[0], ApiJson.Default.DeploymentView);
        }).ConfigureAwait(false);

    private static string TokenName(HttpContext http) => ((ApiToken)http.Items[TokenItem]!).Name;

    private static async Task<IResult> PromoteFromAsync(string app, PromoteRequest request, HttpContext http, ApiContext api, CancellationToken cancellationToken)
    {
        var loaded = ManifestLoader.Parse(request.Manifest, "capstan.yaml", api.ProjectDirectory);
        if (loaded.Manifest is not { } manifest)
        {
            return Error(StatusCodes.Status400BadRequest, $"capstan.yaml has {loaded.Errors.Count()} error(s): {string.Join("; ", loaded.Errors.Take(5))}");
        }

        if (manifest.App != app)
        {
            return Error(StatusCodes.Status400BadRequest, $"capstan.yaml is for app '{manifest.App}', but the request is for app '{app}'");
        }

        return await Guarded(async () =>
        {
            var deployments = await api.Controller.PromoteFromAsync(
                manifest, api.ProjectDirectory, request.Environment, request.From, Author(http, request.Actor), cancellationToken, new DeployOverride(request.Force, request.Reason, TokenName(http))).ConfigureAwait(false);
            return Results.Json(await ViewsAsync(api, deployments, cancellationToken).ConfigureAwait(false), ApiJson.Default.IReadOnlyListDeploymentView, statusCode: StatusCodes.Status202Accepted);
        }).ConfigureAwait(false);
    }

    private static async Task<IResult> AbortAsync(string app, string id, DeploymentActionRequest request, HttpContext http, ApiContext api, CancellationToken cancellationToken) =>
        await Guarded(async () =>
        {
            var deployment = await api.Controller.AbortAsync(app, id, Author(http, request.Actor), cancellationToken).ConfigureAwait(false);
            return Results.Json((await ViewsAsync(api, [deployment], cancellationToken).ConfigureAwait(false))[0], ApiJson.Default.DeploymentView, statusCode: StatusCodes.Status202Accepted);
        }).ConfigureAwait(false);

    private static async Task<IResult> PromoteAsync(string app, string id, DeploymentActionRequest request, HttpContext http, ApiContext api, CancellationToken cancellationToken) =>
        await Guarded(async () =>
        {
            var deployment = await api.Controller.PromoteAsync(app, id, Author(http, request.Actor), cancellationToken).ConfigureAwait(false);
            return Results.Json((await ViewsAsync(api, [deployment], cancellationToken).ConfigureAwait(false))[0], ApiJson.Default.DeploymentView, statusCode: StatusCodes.Status202Accepted);
        }).ConfigureAwait(false);

    private static async Task<IResult> ListDeploymentsAsync(string app, string? env, int? limit, ApiContext api, CancellationToken cancellationToken)
    {
        var deployments = await api.Store.Deployments.ListAsync(app, env, Math.Clamp(limit ?? 20, 1, 500), cancellationToken).ConfigureAwait(false);
        return Results.Json(await ViewsAsync(api, deployments, cancellationToken).ConfigureAwait(false), ApiJson.Default.IReadOnlyListDeploymentView);
    }

    private static async Task<IResult> GetDeploymentAsync(string app, string id, ApiContext api, CancellationToken cancellationToken)
    {
        var deployment = await api.Store.Deployments.GetAsync(id, cancellationToken).ConfigureAwait(false);
        return deployment is null || deployment.App != app
            ? Error(StatusCodes.Status404NotFound, $"app {app} has no deployment {id}")
            : Results.Json((await ViewsAsync(api, [deployment], cancellationToken).ConfigureAwait(false))[0], ApiJson.Default.DeploymentView);
    }

    private static async Task<IResult> ListReleasesAsync(string app, string? env, string? service, int? limit, ApiContext api, CancellationToken cancellationToken)
    {
        var releases = await api.Store.Releases.ListAsync(app, env, service, Math.Clamp(limit ?? 50, 1, 500), cancellationToken).ConfigureAwait(false);
        var views = releases.Select(r => new ReleaseView
        {
            Id = r.Id,
            Environment = r.Environment,
            Service = r.Service,
            Version = r.Version,
            ArtifactDigest = r.ArtifactDigest,
            ConfigHash = r.ConfigHash,
            SecretVersions = r.SecretVersions,
            CreatedAt = r.CreatedAt,
            CreatedBy = r.CreatedBy,
            Current = api.Agent.Traffic.ServingRelease(new ServiceKey(app, r.Environment, r.Service)) == r.Id,
        }).ToList();
        return Results.Json<IReadOnlyList<ReleaseView>>(views, ApiJson.Default.IReadOnlyListReleaseView);
    }

    private static async Task<IResult> StatusAsync(string app, string? env, ApiContext api, CancellationToken cancellationToken)
    {
        var routes = api.Agent.DesiredRoutes();
        var unfinished = await api.Store.Deployments.ListUnfinishedAsync(app, cancellationToken).ConfigureAwait(false);
        var services = new List<ServiceStatusView>();
        foreach (var key in api.Agent.Traffic.Keys.Where(k => k.App == app && (env is null || k.Environment == env))
                     .OrderBy(k => k.Environment, StringComparer.Ordinal).ThenBy(k => k.Service, StringComparer.Ordinal))
        {
            var serving = api.Agent.Traffic.ServingRelease(key);
            var release = serving is null ? null : await api.Store.Releases.GetAsync(serving, cancellationToken).ConfigureAwait(false);
            var instances = api.Agent.Instances(key);
            var backend = routes.Backends.FirstOrDefault(b => b.Name == key.BackendName);
            var spec = serving is null ? null : api.Agent.Specs.Find(serving);
            var stats = api.Agent.Edge.Metrics.Snapshot(key.BackendName, null, TimeSpan.FromMinutes(1));
            var deploying = unfinished.FirstOrDefault(d => d.Environment == key.Environment && api.Agent.Specs.Find(d.ReleaseId)?.Service == key.Service);
            services.Add(new ServiceStatusView
            {
                Environment = key.Environment,
                Service = key.Service,
                Url = spec?.Host is { } host ? api.Agent.UrlOf(host, spec.PathPrefix) : null,
                ReleaseId = release?.Id,
                Version = release?.Version,
                ArtifactDigest = release?.ArtifactDigest,
                Healthy = instances.Count(i => i.Phase == InstancePhase.Ready && i.ReleaseId == serving),
                Total = instances.Count(i => i.ReleaseId == serving),
                Traffic = Shares(api, backend, instances),
                RequestRate = stats.RequestsPerSecond,
                ErrorRate = stats.ServerErrorRate,
                P95Milliseconds = stats.P95?.TotalMilliseconds,
                Deploying = deploying is null ? null : (await ViewsAsync(api, [deploying], cancellationToken).ConfigureAwait(false))[0],
                Instances = [.. instances.Select(i => View(api, i))],
            });
        }

        return Results.Json(new StatusView { App = app, Services = services, Edge = api.Agent.EdgeUrl }, ApiJson.Default.StatusView);
    }

    private static IReadOnlyList<TrafficShareView> Shares(ApiContext api, EdgeBackend? backend, IReadOnlyList<InstanceStatus> instances)
    {
        if (backend is null)
        {
            return [];
        }

        var live = backend.Servers.Where(s => s.State == EdgeServerState.Ready && s.Weight > 0).ToList();
        var total = live.Sum(s => s.Weight);
        return [.. live
            .GroupBy(s => instances.FirstOrDefault(i => i.Id == s.Name)?.ReleaseId ?? "?")
            .Select(g => new TrafficShareView(g.Key, api.Agent.Specs.Find(g.Key)?.Version ?? 0, total == 0 ? 0 : 100.0 * g.Sum(s => s.Weight) / total))
            .OrderByDescending(s => s.Percent)];
    }

    private static InstanceView View(ApiContext api, InstanceStatus instance) => new()
    {
        Id = instance.Id,
        ReleaseId = instance.ReleaseId,
        Version = api.Agent.Specs.Find(instance.ReleaseId)?.Version ?? 0,
        Address = instance.Address,
        Pid = instance.Pid ?? 0,
        Phase = Phase(instance.Phase),
        Restarts = instance.Restarts,
        StartedAt = instance.StartedAt,
        LastExit = instance.LastExit?.ToString(),
        LastExitAt = instance.LastExit?.At,
        NextRestartAt = instance.NextRestartAt,
    };

    private static string Phase(InstancePhase phase) => phase switch
    {
        InstancePhase.BackingOff => "backing-off",
        _ => phase.ToString().ToLowerInvariant(),
    };

    private static async Task<IResult> CreateTokenAsync(TokenRequest request, HttpContext http, ApiContext api, CancellationToken cancellationToken)
    {
        if (!System.Text.RegularExpressions.Regex.IsMatch(request.Name, "^[a-z][a-z0-9-]{0,39}$"))
        {
            return Error(StatusCodes.Status400BadRequest, $"token name '{request.Name}' is not valid: use 1 to 40 lowercase letters, digits and dashes, starting with a letter");
        }

        var token = ApiTokens.New();
        try
        {
            await api.Store.Tokens.CreateAsync(
                new ApiToken
                {
                    Id = StateId.New("tok", api.Clock),
                    Name = request.Name,
                    Hash = ApiTokens.Hash(token),
                    Role = ApiTokenRole.Admin,
                    CreatedAt = api.Clock.GetUtcNow(),
                    CreatedBy = Author(http, null),
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (StateStoreException ex)
        {
            return Error(StatusCodes.Status409Conflict, ex.Message);
        }

        return Results.Json(new TokenCreated { Name = request.Name, Token = token }, ApiJson.Default.TokenCreated, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> ListTokensAsync(ApiContext api, CancellationToken cancellationToken)
    {
        var tokens = await api.Store.Tokens.ListAsync(cancellationToken).ConfigureAwait(false);
        IReadOnlyList<TokenView> views = [.. tokens.Where(t => t.RevokedAt is null).Select(t => new TokenView
        {
            Name = t.Name, Role = t.Role.ToString().ToLowerInvariant(), CreatedAt = t.CreatedAt, CreatedBy = t.CreatedBy, LastUsedAt = t.LastUsedAt,
        })];
        return Results.Json(views, ApiJson.Default.IReadOnlyListTokenView);
    }

    private static async Task<IResult> RevokeTokenAsync(string name, ApiContext api, CancellationToken cancellationToken) =>
        await api.Store.Tokens.RevokeAsync(name, api.Clock.GetUtcNow(), cancellationToken).ConfigureAwait(false)
            ? Results.NoContent()
            : Error(StatusCodes.Status404NotFound, $"no token named {name}");

    // DORA metrics (capstan dora): docs/deployments.md defines them; Dora.DoraReport computes them.
    private static async Task<IResult> DoraAsync(string app, string? env, string? since, ApiContext api, CancellationToken cancellationToken)
    {
        since ??= "30d";
        if (!Duration.TryParse(since, out var window, out var invalid))
        {
            return Error(StatusCodes.Status400BadRequest, $"since '{since}' is not a window: {invalid.Message}");
        }

        if (window.Value <= TimeSpan.Zero)
        {
            return Error(StatusCodes.Status400BadRequest, $"since '{since}' is an empty window: give a duration like 30d or 12w");
        }

        var loaded = ManifestLoader.Load(Path.Combine(api.ProjectDirectory, ManifestLoader.FileName));
        if (loaded.Manifest is not { } manifest)
        {
            return Error(StatusCodes.Status400BadRequest, $"capstan.yaml has {loaded.Errors.Count()} error(s), the first: {loaded.Errors.FirstOrDefault()}; run 'capstan validate'");
        }

        if (manifest.App != app)
        {
            return Error(StatusCodes.Status404NotFound, $"this server runs app '{manifest.App}', not '{app}'");
        }

        var environment = env ?? DoraReport.DefaultEnvironment(manifest.Environments.Keys);
        if (environment is null || !manifest.Environments.ContainsKey(environment))
        {
            return Error(StatusCodes.Status404NotFound, environment is null
                ? "capstan.yaml declares no environment, so nothing is deployed to measure"
                : $"environment '{environment}' is not declared in capstan.yaml (declared: {string.Join(", ", manifest.Environments.Keys)})");
        }

        var now = api.Clock.GetUtcNow();
        var history = await DoraHistory.LoadAsync(api.Store, new GitCommitTimes(api.ProjectDirectory), app, environment, now - window.Value, cancellationToken).ConfigureAwait(false);
        return Results.Json(DoraViews.From(app, since, DoraReport.Compute(history, environment, now, window.Value)), ApiJson.Default.DoraView);
    }

    public static async Task<IReadOnlyList<DeploymentView>> ViewsAsync(ApiContext api, IEnumerable<Deployment> deployments, CancellationToken cancellationToken)
    {
        var views = new List<DeploymentView>();
        foreach (var deployment in deployments)
        {
            var release = await api.Store.Releases.GetAsync(deployment.ReleaseId, cancellationToken).ConfigureAwait(false);
            var spec = api.Agent.Specs.Find(deployment.ReleaseId);
            var state = StateOf(deployment);
            views.Add(new DeploymentView
            {
                Id = deployment.Id,
                App = deployment.App,
                Environment = deployment.Environment,
                Service = release?.Service ?? "?",
                ReleaseId = deployment.ReleaseId,
                ReleaseVersion = release?.Version ?? 0,
                ArtifactDigest = release?.ArtifactDigest ?? "",
                Strategy = deployment.Strategy,
                Status = StatusText(deployment.Status),
                Step = deployment.Step,
                Reason = deployment.Reason,
                Analysis = state?.Analysis,
                Approval = state?.Approval is { } approval
                    ? $"{approval.Approvals.Count} of {approval.Reviewers} approval(s){(approval.Approvals.Count == 0 ? "" : " by " + string.Join(", ", approval.Approvals.Select(a => a.By)))}; " +
                      (approval.RejectedBy is { } rejecter ? $"rejected by {rejecter}" : $"expires {approval.ExpiresAt:yyyy-MM-dd HH:mm:ss} UTC")
                    : null,
                CreatedBy = deployment.CreatedBy,
                CreatedAt = deployment.CreatedAt,
                FinishedAt = deployment.FinishedAt,
                Url = spec?.Host is { } host ? api.Agent.UrlOf(host, spec.PathPrefix) : null,
            });
        }

        return views;
    }

    private static DeployState? StateOf(Deployment deployment)
    {
        try
        {
            return DeployState.Parse(deployment.State);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string StatusText(DeploymentStatus status) => status switch
    {
        DeploymentStatus.InProgress => "in_progress",
        DeploymentStatus.RollingBack => "rolling_back",
        DeploymentStatus.RolledBack => "rolled_back",
        _ => status.ToString().ToLowerInvariant(),
    };

    private static async Task<IResult> Guarded(Func<Task<IResult>> work)
    {
        try
        {
            return await work().ConfigureAwait(false);
        }
        catch (DeploymentException ex)
        {
            return Error(ex.Kind switch
            {
                DeploymentErrorKind.NotFound => StatusCodes.Status404NotFound,
                DeploymentErrorKind.Conflict => StatusCodes.Status409Conflict,
                DeploymentErrorKind.Forbidden => StatusCodes.Status403Forbidden,
                _ => StatusCodes.Status400BadRequest,
            }, ex.Message);
        }
        catch (Secrets.SecretsException ex)
        {
            return Error(StatusCodes.Status400BadRequest, ex.Message);
        }
        catch (RuntimeException ex)
        {
            return Error(StatusCodes.Status400BadRequest, ex.Message);
        }
        catch (EdgeException ex)
        {
            return Error(StatusCodes.Status503ServiceUnavailable, ex.Message);
        }
    }

    internal static IResult Error(int status, string message) => Results.Json(new ApiError(message), ApiJson.Default.ApiError, statusCode: status);
}
