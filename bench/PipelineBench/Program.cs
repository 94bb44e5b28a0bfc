using System.Diagnostics;
using System.Globalization;
using System.Text;
using Capstan.Manifest;
using Capstan.Pipelines.Running;
using Capstan.State;

// dotnet run -c Release --project bench/PipelineBench -- [--repeat N] [--capstan PATH] [--skip-example]
// Prints a Markdown report; bench/pipeline.sh writes it into docs/benchmarks.md.
var repeat = Option("--repeat") is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : 5;
var root = FindRepositoryRoot();
var capstan = Option("--capstan") ?? Path.Combine(root, "artifacts", "cli", "capstan");
var report = new StringBuilder();

report.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd} with `bench/pipeline.sh` (best of {repeat} runs for the job overhead), on {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}.");
report.AppendLine();

// 1. Per-job overhead: 200 jobs of `/bin/true`, in a chain and fanned out, against one bash script running the same commands.
const int Jobs = 200;
var script = await Best(repeat, () => TimeProcess("bash", "-e", "-o", "pipefail", "-c", string.Join('\n', Enumerable.Repeat("/bin/true", Jobs))));
var chain = await Best(repeat, () => TimePipeline(Enumerable.Range(0, Jobs).Select(i => $"j{i:000}: {{ run: /bin/true{(i > 0 ? $", needs: [j{i - 1:000}]" : "")} }}"), 1));
var fan = await Best(repeat, () => TimePipeline(Enumerable.Range(0, Jobs).Select(i => $"j{i:000}: {{ run: /bin/true }}"), Environment.ProcessorCount));
report.AppendLine("| 200 jobs of `/bin/true` | total | per job | overhead per job vs the script |");
report.AppendLine("|---|---:|---:|---:|");
report.AppendLine(Row("baseline: one bash script running the 200 commands", script, script));
report.AppendLine(Row("pipeline: a chain (each job needs the one before)", chain, script));
report.AppendLine(Row($"pipeline: fanned out (no needs, --parallel {Environment.ProcessorCount})", fan, script));
report.AppendLine();

// 2. Memory while a job floods 100 MB of output, against the same pipeline with a job that prints nothing.
var idle = await PeakMemory(capstan, "true");
var flood = await PeakMemory(capstan, "head -c 50000000 /dev/zero | tr '\\\\0' a; echo; head -c 50000000 < <(yes 0123456789012345678901234567890123456789012345678 2>/dev/null)");
report.AppendLine("| `capstan pipeline run`, one job | peak RSS (VmHWM) |");
report.AppendLine("|---|---:|");
report.AppendLine(CultureInfo.InvariantCulture, $"| baseline: the job prints nothing | {idle / 1024.0 / 1024:0.0} MiB |");
report.AppendLine(CultureInfo.InvariantCulture, $"| the job prints 100 MB (a 50 MB line without a line break, then 50 MB of 50-byte lines) | {flood / 1024.0 / 1024:0.0} MiB |");
report.AppendLine(CultureInfo.InvariantCulture, $"| **difference** | **{(flood - idle) / 1024.0 / 1024:0.0} MiB** |");
report.AppendLine();

// 3. The example pipeline, cold (a fresh copy: nothing built, nothing recorded) and rerun unchanged.
if (!args.Contains("--skip-example"))
{
    using var copy = new TempFolder();
    CopyExample(Path.Combine(root, "examples", "hello"), copy.Path);
    File.Copy(Path.Combine(root, "nuget.config"), Path.Combine(copy.Path, "nuget.config"));
    var cold = await TimeProcess(capstan, "pipeline", "run", "--project", copy.Path);
    var warm = await TimeProcess(capstan, "pipeline", "run", "--project", copy.Path);
    report.AppendLine("| `capstan pipeline run` on a copy of examples/hello | time |");
    report.AppendLine("|---|---:|");
    report.AppendLine(CultureInfo.InvariantCulture, $"| baseline: cold (lint, scan, test, publish all run) | {cold.TotalSeconds:0.00} s |");
    report.AppendLine(CultureInfo.InvariantCulture, $"| unchanged rerun (lint, test, build reused; scan runs) | {warm.TotalSeconds:0.00} s |");
    report.AppendLine(CultureInfo.InvariantCulture, $"| **speed-up** | **{cold / warm:0.0}×** |");
}

Console.Write(report.ToString());
return 0;

string? Option(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

static string Row(string what, TimeSpan total, TimeSpan baseline) => string.Create(
    CultureInfo.InvariantCulture,
    $"| {what} | {total.TotalMilliseconds:0} ms | {total.TotalMilliseconds / Jobs:0.00} ms | {(total - baseline).TotalMilliseconds / Jobs:0.00} ms |");

static async Task<TimeSpan> Best(int times, Func<Task<TimeSpan>> measure)
{
    var best = TimeSpan.MaxValue;
    for (var i = 0; i < times + 1; i++)
    {
        var time = await measure();
        if (i > 0 && time < best)
        {
            best = time; // the first run warms up
        }
    }

    return best;
}

static async Task<TimeSpan> TimePipeline(IEnumerable<string> jobs, int parallelism)
{
    using var folder = new TempFolder();
    File.WriteAllText(Path.Combine(folder.Path, "capstan.yaml"), "version: 1\napp: bench\npipeline:\n  jobs:\n" + string.Concat(jobs.Select(j => "    " + j + "\n")));
    var manifest = ManifestLoader.Load(Path.Combine(folder.Path, "capstan.yaml")).Manifest ?? throw new InvalidOperationException("invalid benchmark manifest");
    await using var store = await StateStore.OpenAsync(StateLocation.ForSqliteFile(Path.Combine(folder.Path, ".capstan", "state.db")), TimeProvider.System, CancellationToken.None);
    var runner = new PipelineRunner(store, null, TimeProvider.System);
    var clock = Stopwatch.StartNew();
    var finished = await runner.RunAsync(new PipelineRequest { Manifest = manifest, ProjectDirectory = folder.Path, Parallelism = parallelism }, new Silent(), CancellationToken.None);
    clock.Stop();
    if (finished.Status != RunStatus.Succeeded)
    {
        throw new InvalidOperationException($"the benchmark pipeline ended {finished.Status}");
    }

    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    return clock.Elapsed;
}

static async Task<TimeSpan> TimeProcess(string file, params string[] arguments)
{
    var info = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var argument in arguments)
    {
        info.ArgumentList.Add(argument);
    }

    var clock = Stopwatch.StartNew();
    using var process = Process.Start(info)!;
    var output = process.StandardOutput.ReadToEndAsync();
    var error = process.StandardError.ReadToEndAsync();
    await process.WaitForExitAsync();
    clock.Stop();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await output}\n{await error}");
    }

    return clock.Elapsed;
}

// The peak resident memory of `capstan pipeline run` on a one-job pipeline, read from /proc while it runs.
static async Task<long> PeakMemory(string capstan, string script)
{
    using var folder = new TempFolder();
    File.WriteAllText(Path.Combine(folder.Path, "capstan.yaml"), $"version: 1\napp: bench\npipeline:\n  jobs:\n    job:\n      run: \"{script}\"\n");
    var info = new ProcessStartInfo(capstan) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var argument in (string[])["pipeline", "run", "--project", folder.Path])
    {
        info.ArgumentList.Add(argument);
    }

    using var process = Process.Start(info)!;
    var output = process.StandardOutput.ReadToEndAsync();
    var error = process.StandardError.ReadToEndAsync();
    long peak = 0;
    while (!process.HasExited)
    {
        try
        {
            var line = File.ReadLines($"/proc/{process.Id}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            if (line is not null)
            {
                peak = Math.Max(peak, long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024);
            }
        }
        catch (IOException)
        {
            break; // exited between the check and the read
        }

        await Task.Delay(5);
    }

    await process.WaitForExitAsync();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"the memory benchmark's pipeline failed:\n{await output}\n{await error}");
    }

    return peak;
}

static void CopyExample(string from, string to)
{
    foreach (var directory in Directory.EnumerateDirectories(from))
    {
        if (Path.GetFileName(directory) is not ("bin" or "obj" or "out" or "TestResults" or ".capstan" or "data"))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetFileName(directory)));
            CopyExample(directory, Path.Combine(to, Path.GetFileName(directory)));
        }
    }

    foreach (var file in Directory.EnumerateFiles(from))
    {
        File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }
}

static string FindRepositoryRoot()
{
    for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
    {
        if (File.Exists(Path.Combine(folder.FullName, "Capstan.slnx")))
        {
            return folder.FullName;
        }
    }

    throw new InvalidOperationException("run from inside the repository");
}

internal sealed class Silent : IPipelineObserver
{
    public void OnEvent(PipelineEvent pipelineEvent)
    {
    }
}

internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("capstan-bench-").FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
