using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Capstan.Cli.Commands;
using Capstan.Cli.Output;
using Capstan.Cli.Secrets;
using Capstan.Pipelines.Running;
using Capstan.Secrets.Resolution;
using Capstan.State;
using Spectre.Console;

namespace Capstan.Cli.Pipelines;

/// <summary><c>capstan pipeline run|runs|logs</c>: run the pipeline of capstan.yaml and look back at runs.</summary>
internal static class PipelineCommands
{
    public static Command Create(CliConsole console) =>
        new("pipeline", "Run the CI/CD pipeline of capstan.yaml, list runs, print a job's log") { Run(console), Runs(console), Logs(console) };

    private static Command Run(CliConsole console)
    {
        var jobs = new Option<string[]>("--job", "-j")
        {
            Description = "Run only this job and the jobs it needs (repeat for several)",
            HelpName = "NAME",
            AllowMultipleArgumentsPerToken = true,
        };
        var environment = new Option<string?>("--env", "-e") { Description = "The environment whose secrets the jobs get (required when a job uses secrets)", HelpName = "ENV" };
        var parallel = new Option<int?>("--parallel") { Description = "At most N jobs at once (default: the number of cores)", HelpName = "N" };
        var force = new Option<bool>("--force") { Description = "Run every job, even one whose inputs did not change since it last succeeded" };
        var json = new Option<bool>("--json") { Description = "Print one JSON event per line instead of the live view" };
        var (project, state) = (SecretCommands.ProjectOption(), StateCommand.CreateStateOption());
        var command = new Command("run", "Run the pipeline: jobs in parallel where their needs allow, failing fast") { jobs, environment, parallel, force, json, project, state };
        command.SetAction(async (parse, ct) =>
        {
            var n = parse.GetValue(parallel) ?? Environment.ProcessorCount;
            if (n < 1)
            {
                throw new CommandException($"--parallel must be at least 1, not {n}", ExitCodes.Usage);
            }

            var directory = console.FullPath(parse.GetValue(project)!);
            var manifest = SecretsSession.LoadManifest(console, directory);
            PipelinePlan plan;
            try
            {
                plan = PipelinePlan.Create(manifest.Pipeline, parse.GetValue(jobs) ?? []);
                PipelineRunner.CheckEnvironment(manifest.Pipeline, plan, parse.GetValue(environment));
            }
            catch (PipelineException ex)
            {
                throw new CommandException(ex.Message, ExitCodes.InvalidInput);
            }

            var usesSecrets = plan.Jobs.Any(j => PipelineRunner.SecretsOf(manifest.Pipeline, j).Any());
            await using var session = await SecretsSession.OpenAsync(console, directory, parse.GetValue(state), usesSecrets ? KeyUse.Existing : KeyUse.None, ct).ConfigureAwait(false);
            var request = new PipelineRequest
            {
                Manifest = session.Manifest,
                ProjectDirectory = directory,
                Jobs = parse.GetValue(jobs) ?? [],
                Environment = parse.GetValue(environment),
                Parallelism = n,
                Commit = GitCommit(directory),
                CallerEnvironment = console.Environment,
                ToolPaths = ToolPaths(session.CapstanDirectory),
                KnownSecretValues = console.SecretValues.All,
                ReuseUnchangedJobs = !parse.GetValue(force),
            };
            var runner = new PipelineRunner(session.Store, usesSecrets ? new VaultSecretResolver(session.Vault) : null, TimeProvider.System);

            RunFinished finished;
            try
            {
                if (parse.GetValue(json))
                {
                    finished = await runner.RunAsync(request, new JsonEvents(console.Output), ct).ConfigureAwait(false);
                }
                else if (console.OutputIsTerminal)
                {
                    var live = new LiveProgress(AnsiConsole.Create(new AnsiConsoleSettings
                    {
                        Ansi = AnsiSupport.Yes,
                        ColorSystem = ColorSystemSupport.Standard,
                        Out = new AnsiConsoleOutput(console.Output),
                    }));
                    finished = await live.ShowAsync(() => runner.RunAsync(request, live, ct)).ConfigureAwait(false);
                }
                else
                {
                    finished = await runner.RunAsync(request, new PlainProgress(console.Output), ct).ConfigureAwait(false);
                }
            }
            catch (PipelineException ex)
            {
                throw new CommandException(ex.Message, ExitCodes.InvalidInput);
            }

            return finished.Status switch
            {
                RunStatus.Succeeded => ExitCodes.Success,
                RunStatus.Cancelled => ExitCodes.Cancelled,
                _ => ExitCodes.Failure,
            };
        });
        return command;
    }

    private static Command Runs(CliConsole console)
    {
        var limit = new Option<int>("--limit") { Description = "At most the newest N runs", DefaultValueFactory = _ => 20 };
        var json = new Option<bool>("--json") { Description = "Print the runs as JSON" };
        var (project, state) = (SecretCommands.ProjectOption(), StateCommand.CreateStateOption());
        var command = new Command("runs", "List the pipeline's runs, newest first: id, commit, status, duration, jobs") { limit, json, project, state };
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(limit) < 1)
            {
                throw new CommandException("--limit must be at least 1", ExitCodes.Usage);
            }

            await using var session = await SecretsSession.OpenAsync(console, parse.GetValue(project)!, parse.GetValue(state), KeyUse.None, ct).ConfigureAwait(false);
            var runs = await session.Store.Runs.ListRecentAsync(session.Manifest.App, parse.GetValue(limit), ct).ConfigureAwait(false);
            var details = new List<PipelineRunDetails>();
            foreach (var run in runs)
            {
                details.Add((await session.Store.Runs.GetAsync(run.Id, ct).ConfigureAwait(false))!);
            }

            if (parse.GetValue(json))
            {
                WriteRunsJson(console, details);
            }
            else
            {
                WriteRuns(console, details);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Logs(CliConsole console)
    {
        var run = new Argument<string?>("RUN") { Description = "The run's id (default: the latest run)", Arity = ArgumentArity.ZeroOrOne };
        var job = new Option<string?>("--job", "-j") { Description = "Only this job's log", HelpName = "NAME" };
        var (project, state) = (SecretCommands.ProjectOption(), StateCommand.CreateStateOption());
        var command = new Command("logs", "Print the masked logs of a run's jobs") { run, job, project, state };
        command.SetAction(async (parse, ct) =>
        {
            await using var session = await SecretsSession.OpenAsync(console, parse.GetValue(project)!, parse.GetValue(state), KeyUse.None, ct).ConfigureAwait(false);
            var id = parse.GetValue(run)
                ?? (await session.Store.Runs.ListRecentAsync(session.Manifest.App, 1, ct).ConfigureAwait(false)).FirstOrDefault()?.Id
                ?? throw new CommandException("there are no runs yet; start one with: capstan pipeline run", ExitCodes.InvalidInput);
            var details = await session.Store.Runs.GetAsync(id, ct).ConfigureAwait(false);
            if (details is null || details.Run.App != session.Manifest.App)
            {
                throw new CommandException($"there is no run '{id}' of {session.Manifest.App}; see: capstan pipeline runs", ExitCodes.InvalidInput);
            }

            var jobs = details.Jobs.Select(j => j.Job).ToList();
            if (parse.GetValue(job) is { } only)
            {
                if (!jobs.Contains(only, StringComparer.Ordinal))
                {
                    throw new CommandException($"run {id} has no job '{only}'; its jobs are: {string.Join(", ", jobs)}", ExitCodes.InvalidInput);
                }

                jobs = [only];
            }

            var printed = 0;
            foreach (var name in jobs)
            {
                var path = RunLogs.PathOf(session.CapstanDirectory, id, name);
                if (!File.Exists(path))
                {
                    if (jobs.Count == 1)
                    {
                        throw new CommandException($"job '{name}' of run {id} has no log here ({console.DisplayPath(path)}): it did not run, or ran on another machine", ExitCodes.InvalidInput);
                    }

                    continue;
                }

                if (jobs.Count > 1)
                {
                    console.Output.WriteLine($"── {name} ──");
                }

                // Logs were masked when written; they are copied as they are, without reading them whole into memory.
                using var reader = new StreamReader(path);
                var buffer = new char[64 * 1024];
                int read;
                while ((read = await reader.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
                {
                    await console.Output.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
                }

                printed++;
            }

            return printed > 0 ? ExitCodes.Success : throw new CommandException($"no job of run {id} left a log here", ExitCodes.InvalidInput);
        });
        return command;
    }

    private static void WriteRuns(CliConsole console, List<PipelineRunDetails> runs)
    {
        if (runs.Count == 0)
        {
            console.Output.WriteLine("no runs yet; start one with: capstan pipeline run");
            return;
        }

        var rows = runs.Select(d => (IReadOnlyList<string>)
        [
            d.Run.Id,
            d.Run.Status.ToString().ToLowerInvariant(),
            d.Run.Commit is { } commit ? commit[..Math.Min(12, commit.Length)] : "-",
            d.Run.StartedAt.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            d.Run.FinishedAt is { } end ? RunSummary.Seconds(end - d.Run.StartedAt) : "-",
            JobCounts(d.Jobs),
        ]).ToList();
        TextTable.Write(console.Output, ["RUN", "STATUS", "COMMIT", "STARTED", "DURATION", "JOBS"], rows);
    }

    private static string JobCounts(IReadOnlyList<JobRun> jobs) =>
        string.Join(", ", jobs.GroupBy(RunSummary.Word)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{g.Count()} {g.Key}"));

    private static void WriteRunsJson(CliConsole console, List<PipelineRunDetails> runs) =>
        JsonOutput.Write(console.Output, w =>
        {
            w.WriteStartArray();
            foreach (var d in runs)
            {
                w.WriteStartObject();
                w.WriteString("id", d.Run.Id);
                w.WriteString("status", d.Run.Status.ToString().ToLowerInvariant());
                w.WriteString("trigger", d.Run.Trigger);
                w.WriteString("commit", d.Run.Commit);
                w.WriteString("environment", d.Run.Environment);
                w.WriteString("started_at", d.Run.StartedAt);
                if (d.Run.FinishedAt is { } end)
                {
                    w.WriteString("finished_at", end);
                    w.WriteNumber("duration_ms", (long)(end - d.Run.StartedAt).TotalMilliseconds);
                }

                w.WriteStartArray("jobs");
                foreach (var job in d.Jobs)
                {
                    w.WriteStartObject();
                    w.WriteString("name", job.Job);
                    w.WriteString("status", RunSummary.Word(job));
                    w.WriteNumber("attempts", job.Attempt);
                    w.WriteString("detail", job.Detail);
                    w.WriteString("artifact", job.ArtifactDigest);
                    w.WriteString("reused_run", job.ReusedRunId);
                    if (job.Tests is { } tests)
                    {
                        w.WriteStartObject("tests");
                        w.WriteNumber("passed", tests.Passed);
                        w.WriteNumber("failed", tests.Failed);
                        w.WriteNumber("skipped", tests.Skipped);
                        w.WriteEndObject();
                    }

                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
        });

    /// <summary>The commit checked out in <paramref name="directory"/>, or null outside a git repository (or without git).</summary>
    internal static string? GitCommit(string directory)
    {
        try
        {
            var info = new ProcessStartInfo("git") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = directory };
            foreach (var argument in (string[])["rev-parse", "--verify", "-q", "HEAD"])
            {
                info.ArgumentList.Add(argument);
            }

            using var git = Process.Start(info)!;
            var output = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no git installed
        }
    }

    /// <summary>
    /// A folder to put first on the jobs' PATH so that a job can call this <c>capstan</c>: the executable's own folder,
    /// or, when it runs as <c>dotnet capstan.dll</c>, a folder with a <c>capstan</c> script that does the same.
    /// </summary>
    private static IReadOnlyList<string> ToolPaths(string capstanDirectory)
    {
        if (OperatingSystem.IsWindows() || Environment.ProcessPath is not { } host)
        {
            return [];
        }

        if (Path.GetFileNameWithoutExtension(host) == "capstan")
        {
            return [Path.GetDirectoryName(host)!];
        }

        var dll = Path.Combine(AppContext.BaseDirectory, "capstan.dll");
        if (Path.GetFileNameWithoutExtension(host) != "dotnet" || !File.Exists(dll))
        {
            return [];
        }

        var bin = Path.Combine(capstanDirectory, "bin");
        Directory.CreateDirectory(bin);
        var shim = Path.Combine(bin, "capstan");
        File.WriteAllText(shim, $"#!/bin/sh\nexec {Quote(host)} {Quote(dll)} \"$@\"\n");
        File.SetUnixFileMode(shim, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return [bin];

        static string Quote(string text) => "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }
}
