// A web app for tests and benchmarks of the runtime, the edge and deployments. Everything it does is set
// through the environment, the way Capstan starts a service:
//   PORT                 the port to listen on, on 127.0.0.1 (required)
//   APP_VERSION          the text GET / answers (default "v0")
//   READY_DELAY_MS       /ready answers 503 until this long after start (default 0)
//   NEVER_READY=1        /ready always answers 503
//   CRASH_AFTER_MS       the process exits with code 3 this long after start
//   EXIT_AT_START=CODE   the process exits at once with CODE, before listening
//   LIVENESS_FAIL_AFTER_MS  /health answers 500 from this long after start
//   PRINT_ENV=NAME       prints "NAME=value" to stdout at start (masking tests)
//   LATENCY_MS           GET / waits this long before answering
//   FAULT_RATE           the share of GET / answered 500, spread evenly (0.05: every 20th request)
//   QUEUE_DEPTH          the value of the gauge testapp_queue_depth{queue="mail"} at GET /metrics (default 0)
// GET / answers "VERSION (not ready)" while /ready does not answer 200.
// GET /metrics answers Prometheus text: testapp_requests_total, testapp_faults_total, testapp_queue_depth.
// GET /pid answers the process id. SIGTERM stops it gracefully: in-flight requests finish first.
using System.Diagnostics;
using System.Globalization;

var started = Stopwatch.StartNew();
string? Env(string name) => Environment.GetEnvironmentVariable(name);
int? Millis(string name) => int.TryParse(Env(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

if (Env("EXIT_AT_START") is { Length: > 0 } exitCode)
{
    Console.Error.WriteLine($"testapp: exiting at start with code {exitCode}, as asked");
    return int.Parse(exitCode, CultureInfo.InvariantCulture);
}

if (!int.TryParse(Env("PORT"), NumberStyles.None, CultureInfo.InvariantCulture, out var port))
{
    Console.Error.WriteLine("testapp: PORT is not set");
    return 2;
}

var version = Env("APP_VERSION") ?? "v0";
var readyDelay = Millis("READY_DELAY_MS") ?? 0;
var neverReady = Env("NEVER_READY") == "1";
var livenessFailAfter = Millis("LIVENESS_FAIL_AFTER_MS");
var latency = Millis("LATENCY_MS") ?? 0;
var faultRate = double.TryParse(Env("FAULT_RATE"), NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) ? Math.Clamp(rate, 0, 1) : 0;
var queueDepth = Env("QUEUE_DEPTH") ?? "0";
long served = 0;
long faults = 0;

if (Env("PRINT_ENV") is { Length: > 0 } printed)
{
    Console.WriteLine($"{printed}={Env(printed)}");
}

if (Millis("CRASH_AFTER_MS") is { } crashAfter)
{
    _ = Task.Run(async () =>
    {
        await Task.Delay(crashAfter);
        Console.Error.WriteLine("testapp: crashing, as asked");
        Environment.Exit(3);
    });
}

var builder = WebApplication.CreateSlimBuilder(args);
builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
await using var app = builder.Build();

app.MapGet("/", async (CancellationToken cancellationToken) =>
{
    if (latency > 0)
    {
        await Task.Delay(latency, cancellationToken);
    }

    // A request that arrives before the instance is ready says so: tests of readiness gating look for it.
    var ready = !neverReady && started.ElapsedMilliseconds >= readyDelay;
    var n = Interlocked.Increment(ref served);
    if (faultRate > 0 && Math.Floor(n * faultRate) > Math.Floor((n - 1) * faultRate))
    {
        Interlocked.Increment(ref faults);
        return Results.Text($"{version} fault", statusCode: 500);
    }

    return Results.Text(ready ? version : $"{version} (not ready)");
});
app.MapGet("/ready", () => !neverReady && started.ElapsedMilliseconds >= readyDelay
    ? Results.Text("ready")
    : Results.Text("not ready", statusCode: 503));
app.MapGet("/health", () => livenessFailAfter is { } failAfter && started.ElapsedMilliseconds >= failAfter
    ? Results.Text("unhealthy", statusCode: 500)
    : Results.Text("ok"));
app.MapGet("/metrics", () => Results.Text(
    $$"""
    # HELP testapp_requests_total Requests to GET /.
    # TYPE testapp_requests_total counter
    testapp_requests_total{path="/"} {{Interlocked.Read(ref served)}}
    # HELP testapp_faults_total Requests to GET / answered 500 on purpose.
    # TYPE testapp_faults_total counter
    testapp_faults_total {{Interlocked.Read(ref faults)}}
    # HELP testapp_queue_depth Messages waiting, per queue.
    # TYPE testapp_queue_depth gauge
    testapp_queue_depth{queue="mail"} {{queueDepth}}

    """,
    "text/plain; version=0.0.4; charset=utf-8"));
app.MapGet("/pid", () => Results.Text(Environment.ProcessId.ToString(CultureInfo.InvariantCulture)));

Console.WriteLine($"testapp {version} listening on 127.0.0.1:{port}");
await app.RunAsync();
return 0;
