using System.Diagnostics;
using Hello;

if (!HelloSettings.TryLoad(Environment.GetEnvironmentVariable, out var settings, out var errors))
{
    Console.Error.WriteLine("hello: cannot start, invalid settings:");
    foreach (var error in errors)
    {
        Console.Error.WriteLine($"  {error}");
    }

    return ExitCodes.InvalidSettings;
}

var store = new VisitStore(settings.DataDirectory);
if (await store.InitializeAsync(CancellationToken.None) is { } databaseError)
{
    Console.Error.WriteLine($"hello: cannot start, the database {store.DatabasePath} is unusable: {databaseError}");
    return ExitCodes.CannotStart;
}

var builder = WebApplication.CreateBuilder(args);

// --urls (or ASPNETCORE_URLS) wins; otherwise PORT, on loopback only: HAProxy is in front.
if (settings.Port is { } port && string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
}

builder.Logging.AddSimpleConsole(console =>
{
    console.SingleLine = true;
    console.UseUtcTimestamp = true;
    console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
});
// One line per start from this app instead of the host's own start-up lines and a line per request.
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);

await using var app = builder.Build();

var faults = new FaultInjector(settings.FaultRate, settings.FaultSeed, settings.FaultFile);
var metrics = new RequestMetrics();
var readiness = new Readiness(store, app.Services.GetRequiredService<ILogger<Readiness>>());

app.Use(async (context, next) =>
{
    if (!RequestMetrics.Counts(context.Request.Path))
    {
        await next(context);
        return;
    }

    var started = Stopwatch.GetTimestamp();
    metrics.RequestStarted();
    var completed = false;
    try
    {
        await next(context);
        completed = true;
    }
    finally
    {
        // A client that gave up is not a server error; an exception that escapes is answered 500 by the server.
        var statusCode = context.RequestAborted.IsCancellationRequested ? StatusCodes.Status499ClientClosedRequest
            : completed ? context.Response.StatusCode
            : StatusCodes.Status500InternalServerError;
        metrics.RequestFinished(statusCode, Stopwatch.GetElapsedTime(started));
    }
});

app.MapGet("/", async (CancellationToken cancellationToken) =>
{
    if (settings.Latency > TimeSpan.Zero)
    {
        await Task.Delay(settings.Latency, cancellationToken);
    }

    if (faults.FaultFileExists())
    {
        return Results.Text("injected fault (FAULT_FILE)", statusCode: StatusCodes.Status500InternalServerError);
    }

    if (faults.ShouldFail())
    {
        return Results.Text("injected fault (FAULT_RATE)", statusCode: StatusCodes.Status500InternalServerError);
    }

    var visit = await store.IncrementAsync(cancellationToken);
    return visit.Succeeded
        ? Results.Ok(new VisitResponse(settings.Version, visit.Visits))
        : Results.Text($"database unusable: {visit.Error}", statusCode: StatusCodes.Status503ServiceUnavailable);
});

// Liveness: the process answers. It touches nothing else, so a database problem never gets it restarted.
app.MapGet("/health", () => Results.Text("ok"));

app.MapGet("/ready", (CancellationToken cancellationToken) => readiness.ProbeAsync(cancellationToken));

app.MapGet("/metrics", async (CancellationToken cancellationToken) =>
{
    var visits = await store.ReadAsync(cancellationToken);
    return Results.Text(metrics.Render(visits.Succeeded ? visits.Visits : null), RequestMetrics.ContentType);
});

try
{
    await app.StartAsync();
}
catch (IOException ex)
{
    // Kestrel reports an address it cannot bind (in use, not allowed) as an IOException.
    Console.Error.WriteLine($"hello: cannot start, {ex.Message}");
    return ExitCodes.CannotStart;
}

Log.Started(app.Logger, settings.Version, string.Join(", ", app.Urls), store.DatabasePath);
app.Lifetime.ApplicationStopping.Register(() => Log.Stopping(app.Logger, settings.Version));

// SIGTERM and Ctrl+C stop the host: it stops accepting, lets the requests in flight finish, then returns.
await app.WaitForShutdownAsync();
return ExitCodes.Success;

internal sealed record VisitResponse(string Version, long Visits);

internal static class ExitCodes
{
    public const int Success = 0;
    public const int CannotStart = 1;
    public const int InvalidSettings = 2;
}
