using System.Diagnostics;
using System.Globalization;
using AlertBench;
using Capstan.Testing;

// dotnet run -c Release --project bench/AlertBench -- [latency|series|all] [--rounds 5] [--evaluations 200]
// Prints a Markdown report on stdout (progress on stderr); bench/alerts.sh writes it into docs/benchmarks.md.
// Everything runs on 127.0.0.1; every server, Prometheus, Alertmanager, HAProxy and instance started here is stopped
// before the part ends, and the whole run gives up after 14 minutes.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var part = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "all";
var rounds = Option("--rounds") is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : 5;
var evaluations = Option("--evaluations") is { } e ? int.Parse(e, CultureInfo.InvariantCulture) : 200;
if (part is not ("latency" or "series" or "all") || rounds < 1 || evaluations < 1)
{
    Console.Error.WriteLine("usage: AlertBench [latency|series|all] [--rounds N (5)] [--evaluations N (200)]");
    return 2;
}

using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(14));
Console.CancelKeyPress += (_, args) =>
{
    args.Cancel = true;
    cancel.Cancel();
};
var token = cancel.Token;
var run = Stopwatch.StartNew();
var loadBefore = LoadAverage();
var body = new System.Text.StringBuilder();
var failed = false;
foreach (var (name, measure) in new (string, Func<Task<string>>)[]
{
    ("latency", () => LatencyBench.RunAsync(rounds, Progress, token)),
    ("series", () => SeriesBench.RunAsync(evaluations, Progress, token)),
})
{
    if (part != "all" && part != name)
    {
        continue;
    }

    // A part that fails is reported as such and the other still runs: the report says what went wrong.
    try
    {
        body.AppendLine(await measure());
    }
    catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or HttpRequestException or IOException
        || (ex is OperationCanceledException && token.IsCancellationRequested))
    {
        Progress($"{name}: FAILED: {ex}");
        var why = ex is OperationCanceledException ? "the run was stopped (interrupted, or past its 14 minutes)" : ex.Message.ReplaceLineEndings(" ");
        body.AppendLine(CultureInfo.InvariantCulture, $"**The {name} part failed:** {why}\n");
        failed = true;
    }
}

var memory = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
var os = File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?["PRETTY_NAME=".Length..].Trim('"') ?? Environment.OSVersion.ToString();
Console.Write($"""
    Measured {DateTime.UtcNow:yyyy-MM-dd} with `bench/alerts.sh` (`dotnet run -c Release --project bench/AlertBench -- {part}`) on {Environment.ProcessorCount} cores,
    {long.Parse(memory, CultureInfo.InvariantCulture) / (1024.0 * 1024):0} GiB, {os}, .NET {Environment.Version}, {await VersionAsync("prometheus", "prometheus")},
    {await VersionAsync("prometheus-alertmanager", "prometheus-alertmanager", "alertmanager")}, {await VersionAsync("haproxy", "haproxy")}, Release build. The whole run took
    {run.Elapsed.TotalMinutes:0.0} min. Capstan, HAProxy, the app, the load, Prometheus and Alertmanager share the same cores, on loopback;
    the machine's load average (1 min) was {loadBefore} at the start and {LoadAverage()} at the end.

    {body}
    """);
return failed ? 1 : 0;

string? Option(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];

static void Progress(string message) => Console.Error.WriteLine($"alertbench {DateTime.Now:HH:mm:ss}: {message}");

async Task<string> VersionAsync(string debianPackage, params string[] names)
{
    var binary = InstalledTool.Find(names[0], debianPackage, names);
    var result = await ProcessRunner.RunAsync(binary, binary.EndsWith("haproxy", StringComparison.Ordinal) ? ["-v"] : ["--version"], TimeSpan.FromSeconds(10), token);
    var first = (result.StandardOutput + result.StandardError).Split('\n')[0];
    return first.Split(" - ")[0].Split(" (branch")[0].Trim();
}
