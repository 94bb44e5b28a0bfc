using System.Diagnostics;
using System.Globalization;
using System.Text;
using Capstan.Contracts;
using DeployBench;

// dotnet run -c Release --project bench/DeployBench -- [--load-seconds 30] [--repeat 5] [--only edge,deploy,rollback,canary]
// Prints a Markdown report on stdout (progress on stderr); bench/deploy.sh writes it into docs/benchmarks.md.
// Everything runs on 127.0.0.1; every server, HAProxy and instance started here is stopped before the next part, and
// the whole run gives up after 20 minutes.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var loadSeconds = Option("--load-seconds") is { } l ? int.Parse(l, CultureInfo.InvariantCulture) : 30;
var repeat = Option("--repeat") is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : 5;
var only = Option("--only")?.Split(',') ?? ["edge", "deploy", "rollback", "canary"];
const int RatePerKind = 200; // keep-alive and new-connection each: 400 requests/s in all

using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(20));
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
var token = cancel.Token;
var run = Stopwatch.StartNew();
var body = new StringBuilder();

foreach (var (name, part) in new (string, Func<Task>)[] { ("edge", EdgeOverheadAsync), ("deploy", DeployUnderLoadAsync), ("rollback", RollbackAndSwitchAsync), ("canary", CanaryAbortAsync) })
{
    if (!only.Contains(name))
    {
        continue;
    }

    // A part that fails is reported as such and the others still run: the report says what went wrong.
    try
    {
        await part();
    }
    catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or HttpRequestException)
    {
        Progress($"{name}: FAILED: {ex}");
        body.AppendLine(CultureInfo.InvariantCulture, $"\n**The {name} part failed:** {ex.Message.ReplaceLineEndings(" ")}\n");
    }
}

Console.Write($"""
    Measured {DateTime.UtcNow:yyyy-MM-dd} with `bench/deploy.sh` on {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}, {await Wrk.VersionAsync(token)}, {await HaproxyVersionAsync()}, Release build.
    The whole run took {run.Elapsed.TotalMinutes:0.0} min. The server, HAProxy, the instances (tests/Capstan.TestApp, and examples/hello in part 1), the load and wrk all
    share the same {Environment.ProcessorCount} cores, on loopback.

    {body}
    """);
return 0;

// 1. wrk against one instance directly and through HAProxy, alternating, in the same run: the test app (a GET / that
// answers a constant) and the example app (a GET / that counts the visit in its SQLite database, as a real app works).
async Task EdgeOverheadAsync()
{
    body.AppendLine(CultureInfo.InvariantCulture, $"""
        **1. Edge overhead.** Goal: through HAProxy at least 0.8× the requests/s of the app directly, and at most 1 ms
        more p99. wrk on GET / of one instance: directly on `127.0.0.1:PORT` (the baseline), through a bare
        HAProxy (Capstan's generated configuration without its request log, runtime API and master-worker, on another
        port: what any HAProxy in front of the app costs here), and through Capstan's edge (`-H "Host: {BenchServer.Host}"`,
        {Math.Max(1, Environment.ProcessorCount / 2)} HAProxy thread(s), every request logged to Capstan), in turn, after a 3 s
        warm-up of each, 10 s per run: saturated (`-t2 -c32`, the most the machine serves) and moderate (`-t1 -c4`,
        four clients each sending its next request when the last is answered). Two apps: the **example app**
        (examples/hello published in Release; its GET / counts the visit in its SQLite database and answers JSON, as
        the issue asks) and the **test app** (tests/Capstan.TestApp; its GET / answers a constant string, the least
        work an app can do, so the proxy's own cost per request shows at its largest). "Logged" is how many of the
        edge's requests Capstan's metrics counted.

        | app | load | round | direct req/s | bare HAProxy req/s | edge req/s | **edge ÷ direct** | edge ÷ bare | direct p50 / p99 | bare p99 | edge p50 / p99 | **added p99** | errors | logged |
        |---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
        """);
    using var published = new Capstan.Testing.TempDirectory("capstan-deploybench-hello-");
    Progress("edge overhead: publishing examples/hello (Release)");
    var hello = await Capstan.Testing.ExampleApp.PublishAsync(published.Path, token);
    await EdgeOverheadOfAsync("example app", Capstan.Testing.ExampleApp.Manifest(hello), answer => answer.Contains("\"visits\"", StringComparison.Ordinal));
    await EdgeOverheadOfAsync("test app", null, answer => answer == "v1");
    body.AppendLine();
}

async Task EdgeOverheadOfAsync(string app, string? manifest, Func<string, bool> serves)
{
    Progress($"edge overhead, {app}: starting a server and deploying v1");
    await using var bench = await BenchServer.StartAsync("blue-green", 1, token, manifest);
    await bench.SucceedAsync(await bench.DeployAsync(token), token);
    await bench.EdgeServesAsync(serves, $"v1 of the {app}", token);
    var instance = bench.Server.Agent.Instances().Single();
    var direct = $"http://127.0.0.1:{instance.Port}/";
    var edge = bench.EdgeUri.ToString();
    Progress($"edge overhead, {app}: warming up (3 s each, not reported)");
    await Wrk.RunAsync(direct, null, TimeSpan.FromSeconds(3), token);
    await Wrk.RunAsync(edge, BenchServer.Host, TimeSpan.FromSeconds(3), token);

    await using var bare = await BareHaproxy.StartAsync(Path.Combine(bench.Server.Agent.Edge.Options.Directory, "haproxy.cfg"), bench.EdgePort, token);
    await Wrk.RunAsync(bare.Url, BenchServer.Host, TimeSpan.FromSeconds(3), token);
    foreach (var (load, threads, connections) in new[] { ("saturated", 2, 32), ("moderate", 1, 4) })
    {
        for (var round = 1; round <= 2; round++)
        {
            Progress($"edge overhead, {app}: {load}, round {round}, direct");
            var d = await Wrk.RunAsync(direct, null, TimeSpan.FromSeconds(10), token, threads, connections);
            Progress($"edge overhead, {app}: {load}, round {round}, bare HAProxy");
            var b = await Wrk.RunAsync(bare.Url, BenchServer.Host, TimeSpan.FromSeconds(10), token, threads, connections);
            Progress($"edge overhead, {app}: {load}, round {round}, through the edge");
            var before = bench.Server.Agent.Edge.Metrics.LogLines;
            var e = await Wrk.RunAsync(edge, BenchServer.Host, TimeSpan.FromSeconds(10), token, threads, connections);
            await Task.Delay(TimeSpan.FromSeconds(1), token);
            var logged = bench.Server.Agent.Edge.Metrics.LogLines - before;
            body.AppendLine(CultureInfo.InvariantCulture,
                $"| {app} | {load} | {round} | {d.RequestsPerSecond:0} | {b.RequestsPerSecond:0} | {e.RequestsPerSecond:0} | **{e.RequestsPerSecond / d.RequestsPerSecond:0.00}×** | {e.RequestsPerSecond / b.RequestsPerSecond:0.00}× | {d.P50Ms:0.00} / {d.P99Ms:0.00} ms | {b.P99Ms:0.00} ms | {e.P50Ms:0.00} / {e.P99Ms:0.00} ms | **{e.P99Ms - d.P99Ms:+0.00;-0.00} ms** | {d.Non2xx + b.Non2xx + e.Non2xx + d.SocketErrors + b.SocketErrors + e.SocketErrors} | {logged} of {e.Requests} |");
        }
    }
}

// 2. Per strategy: a steady load through the edge while a new release (a changed variable) is deployed in the middle.
async Task DeployUnderLoadAsync()
{
    body.AppendLine(CultureInfo.InvariantCulture, $"""
        **2. Failed requests while deploying.** Goal: 0 for blue-green and rolling; recreate stops the old release
        before starting the new one, so its failures are its expected downtime. A load of {RatePerKind} requests/s that keep
        their connection alive plus {RatePerKind}/s that each open a new connection (`Connection: close`), open-loop
        (sent on schedule, 5 s timeout), on GET / through the edge for {loadSeconds} s; at 10 s, v2 (the same app with a changed
        environment variable) is deployed. A failure is any answer other than a 200 with a version, or a socket
        error or timeout. Switch: from the supervisor reporting the first v2 instance Ready to the first v2 answer
        through the edge.

        | strategy | replicas | requests (req/s) | **failed** | deployment took | switch | last v1 → first v2 answer |
        |---|---:|---:|---:|---:|---:|---:|
        """);
    var details = new StringBuilder();
    foreach (var (strategy, replicas) in new[] { ("blue-green", 1), ("rolling", 2), ("recreate", 1) })
    {
        Progress($"deploy under load: {strategy} ({replicas} replica(s)): starting a server and deploying v1");
        await using var bench = await BenchServer.StartAsync(strategy, replicas, token);
        await bench.SucceedAsync(await bench.DeployAsync(token), token);
        await bench.EdgeServesAsync("v1", token);

        await using var load = new RateLoad(bench.EdgeUri, RatePerKind);
        await Task.Delay(TimeSpan.FromSeconds(10), token);
        Progress($"deploy under load: {strategy}: deploying v2");
        bench.WriteManifest("green");
        var posted = Stopwatch.GetTimestamp();
        string took;
        try
        {
            var ended = await bench.SucceedAsync(await bench.DeployAsync(token), token);
            took = $"{(ended.FinishedAt!.Value - ended.CreatedAt).TotalSeconds:0.00} s";
        }
        catch (InvalidOperationException ex)
        {
            took = "FAILED";
            details.AppendLine(CultureInfo.InvariantCulture, $"- {strategy}: the deployment failed: {ex.Message}");
        }

        var rest = TimeSpan.FromSeconds(loadSeconds) - Stopwatch.GetElapsedTime(load.Started);
        await Task.Delay(rest > TimeSpan.FromSeconds(2) ? rest : TimeSpan.FromSeconds(2), token);
        await load.StopAsync();

        var samples = load.Samples.ToList();
        var seconds = Time.Ms(load.Started, load.Stopped) / 1000;
        var failed = samples.Where(s => !(Time.IsVersion(s, "v1") || Time.IsVersion(s, "v2"))).ToList();
        var firstV2 = samples.Where(s => Time.IsVersion(s, "v2")).Select(s => s.Done).DefaultIfEmpty().Min();
        var lastV1 = samples.Where(s => Time.IsVersion(s, "v1")).Select(s => s.Done).DefaultIfEmpty().Max();
        var ready = bench.ReadyAt("v2");
        var switched = ready.Count > 0 && firstV2 != 0 ? $"{Time.Ms(ready[0], firstV2):0} ms" : "n/a";
        var gap = firstV2 != 0 && lastV1 != 0 ? $"{Time.Ms(lastV1, firstV2):0} ms" : "n/a";
        body.AppendLine(CultureInfo.InvariantCulture,
            $"| {strategy} | {replicas} | {samples.Count} ({samples.Count / seconds:0}) | **{failed.Count}** | {took} | {switched} | {gap} |");
        foreach (var group in failed.GroupBy(s => (s.NewConnection, s.Failure)).OrderBy(g => g.Min(s => s.Sent)))
        {
            details.AppendLine(CultureInfo.InvariantCulture,
                $"- {strategy}: {group.Count()} × {group.Key.Failure} on {(group.Key.NewConnection ? "new connections" : "keep-alive connections")}, sent {Time.Ms(posted, group.Min(s => s.Sent)) / 1000:0.000}–{Time.Ms(posted, group.Max(s => s.Sent)) / 1000:0.000} s after the deploy was posted");
        }

        if (ready.Count > 0)
        {
            details.AppendLine(CultureInfo.InvariantCulture,
                $"- {strategy}: timeline after the deploy was posted: v2 instance(s) ready at {string.Join(", ", ready.Select(t => $"{Time.Ms(posted, t) / 1000:0.000}"))} s; last v1 answer {(lastV1 == 0 ? "none" : $"{Time.Ms(posted, lastV1) / 1000:0.000} s")}; first v2 answer {(firstV2 == 0 ? "none" : $"{Time.Ms(posted, firstV2) / 1000:0.000} s")}.");
        }
    }

    body.AppendLine();
    body.Append(details);
    body.AppendLine();
}

// 3 and 4. Blue-green deploys of new releases, each followed by a rollback to the release it replaced (in standby),
// under a steady poll of GET / through the edge.
async Task RollbackAndSwitchAsync()
{
    Progress("rollback: starting a server and deploying v1");
    await using var bench = await BenchServer.StartAsync("blue-green", 1, token);
    await bench.SucceedAsync(await bench.DeployAsync(token), token);
    await bench.EdgeServesAsync("v1", token);
    var serving = "v1";
    var rows = new StringBuilder();
    var rollbacks = new List<double>();
    var switches = new List<double>();
    var failures = 0;
    var requests = 0;
    for (var i = 1; i <= repeat; i++)
    {
        await using var poll = new RateLoad(bench.EdgeUri, 400);
        await Task.Delay(TimeSpan.FromMilliseconds(500), token);
        bench.WriteManifest($"c{i}");
        DeploymentView deployed;
        try
        {
            deployed = await bench.SucceedAsync(await bench.DeployAsync(token), token);
        }
        catch (InvalidOperationException ex)
        {
            Progress($"rollback {i}/{repeat}: the deploy failed: {ex.Message}");
            rows.AppendLine(CultureInfo.InvariantCulture, $"| {i} | the blue-green deploy failed: {ex.Message.ReplaceLineEndings(" ")} | | | | | | |");
            continue;
        }

        var version = $"v{deployed.ReleaseVersion}";
        await bench.EdgeServesAsync(version, token);
        await Task.Delay(TimeSpan.FromMilliseconds(500), token);

        Progress($"rollback {i}/{repeat}: {version} → {serving}");
        var posted = Stopwatch.GetTimestamp();
        var rollback = await bench.RollbackAsync(serving, token);
        var accepted = Stopwatch.GetTimestamp();
        var ended = await bench.SucceedAsync(rollback, token);
        await Task.Delay(TimeSpan.FromSeconds(1), token);
        await poll.StopAsync();

        var samples = poll.Samples.ToList();
        var target = serving;
        // Done: the first answer from the target after which every answer is from the target.
        var lastOther = samples.Where(s => s.Done >= posted && !Time.IsVersion(s, target)).Select(s => s.Done).DefaultIfEmpty(posted).Max();
        var converged = samples.Where(s => s.Done >= lastOther && Time.IsVersion(s, target)).Select(s => s.Done).Min();
        var rollbackMs = Time.Ms(posted, converged);
        rollbacks.Add(rollbackMs);
        var firstNew = samples.Where(s => Time.IsVersion(s, version)).Select(s => s.Done).Min();
        var switchMs = Time.Ms(bench.ReadyAt(version).Last(), firstNew);
        switches.Add(switchMs);
        var failedHere = samples.Count(s => !(s.Ok && s.Body is { Length: > 1 } b && b[0] == 'v' && b[1..].All(char.IsAsciiDigit)));
        failures += failedHere;
        requests += samples.Count;
        rows.AppendLine(CultureInfo.InvariantCulture,
            $"| {i} | {serving} → {version} | {switchMs:0} ms | {version} → {target} | {Time.Ms(posted, accepted):0} ms | **{rollbackMs:0} ms** | {(ended.FinishedAt!.Value - ended.CreatedAt).TotalMilliseconds:0} ms | {failedHere} of {samples.Count} |");
    }

    body.AppendLine(CultureInfo.InvariantCulture, $"""
        **3. Rollback time and 4. switch time.** Goals: each at most 1 s. One blue-green server; {repeat} times: deploy a new
        release (a changed variable) by blue-green, then roll back to the release it replaced, which stands by. A poll
        of 400 requests/s on keep-alive connections plus 400/s on new connections runs through the edge throughout.
        Switch: from the supervisor reporting the new instance Ready to the first answer from the new version through
        the edge. Rollback: from posting `POST /api/apps/shop/rollbacks` to the first answer from the target after
        which every answer is from the target (resolution about 1 ms at this rate).

        | # | deploy | **switch** | rollback | POST answered | **rollback until 100% target** | rollback per the API | failed requests |
        |---|---|---:|---|---:|---:|---:|---:|
        {rows.ToString().TrimEnd()}

        | {switches.Count} of {repeat} repeats | median | max |
        |---|---:|---:|
        | switch (Ready → first answer from the new version) | {Median(switches):0} ms | {switches.Max():0} ms |
        | rollback (POST → 100% of answers from the target) | {Median(rollbacks):0} ms | {rollbacks.Max():0} ms |

        Failed requests over all {repeat} deploys and rollbacks: {failures} of {requests}.

        """);
}

// 5. A canary with 5% errors under 200 requests/s, until its automatic abort (CanaryAbortBench.cs).
async Task CanaryAbortAsync() => body.Append(await CanaryAbortBench.RunAsync(repeat, Progress, token));

string? Option(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

static void Progress(string message) => Console.Error.WriteLine($"deploybench: {message}");

static async Task<string> HaproxyVersionAsync()
{
    using var process = Process.Start(new ProcessStartInfo("/usr/sbin/haproxy", "-v") { RedirectStandardOutput = true })!;
    var first = (await process.StandardOutput.ReadToEndAsync()).Split('\n')[0];
    await process.WaitForExitAsync();
    return first.Split(" - ")[0].Trim();
}
