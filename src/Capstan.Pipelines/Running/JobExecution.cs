using System.Globalization;
using Capstan.Manifest.Model;
using Capstan.Manifest.Values;
using Capstan.Pipelines.Artifacts;
using Capstan.Pipelines.Caching;
using Capstan.Pipelines.Execution;
using Capstan.Pipelines.Inputs;
using Capstan.Pipelines.Reports;
using Capstan.State;

namespace Capstan.Pipelines.Running;

/// <summary>
/// One job of a run, from start to record: its environment, the reuse of an unchanged earlier result, the dependency
/// cache, its attempts (scripts or steps, each in its own process group), its test reports and its artifact.
/// </summary>
internal sealed class JobExecution(RunContext context, Job job, IReadOnlyDictionary<string, JobReport> needs)
{
    /// <summary>File times come from the kernel's coarse clock, which can lag the precise one by a tick.</summary>
    private static readonly TimeSpan ReportClockSlack = TimeSpan.FromMilliseconds(100);

    private readonly TimeProvider _time = context.Time;
    private readonly List<string> _warnings = [];

    public async Task<JobReport> RunAsync(CancellationToken cancellationToken, Func<string?> firstFailure)
    {
        var started = _time.GetTimestamp();
        var startedAt = _time.GetUtcNow();
        var log = new JobLog(context.LogPath(job.Name), context.Masker);
        await using var logOwner = log.ConfigureAwait(false);
        try
        {
            var report = await RunWithLogAsync(log, startedAt, cancellationToken, firstFailure).ConfigureAwait(false);
            report = report with
            {
                Duration = _time.GetElapsedTime(started),
                LogPath = log.Path,
                ContinueOnError = job.ContinueOnError,
                Warnings = _warnings,
                Tail = report.Outcome is JobOutcome.Failed or JobOutcome.TimedOut ? log.Tail : [],
            };
            await RecordAsync(report, startedAt).ConfigureAwait(false);
            context.Emit(new JobFinished { At = _time.GetUtcNow(), Report = report });
            return report;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArtifactException or CacheException)
        {
            // A problem of the job's files (an unreadable input, an artifact that is not a folder): the job fails, the
            // run goes on and says why.
            log.WriteLine($"capstan: {ex.Message}");
            var report = new JobReport
            {
                Job = job.Name,
                Outcome = JobOutcome.Failed,
                Reason = context.Masker.Mask(ex.Message),
                Duration = _time.GetElapsedTime(started),
                LogPath = log.Path,
                ContinueOnError = job.ContinueOnError,
                Warnings = _warnings,
                Tail = log.Tail,
            };
            await RecordAsync(report, startedAt).ConfigureAwait(false);
            context.Emit(new JobFinished { At = _time.GetUtcNow(), Report = report });
            return report;
        }
    }

    private async Task<JobReport> RunWithLogAsync(JobLog log, DateTimeOffset startedAt, CancellationToken cancellationToken, Func<string?> firstFailure)
    {
        var project = context.ProjectDirectory;
        var workingDirectory = Path.GetFullPath(Path.Combine(project, job.WorkingDirectory ?? "."));
        if (!Directory.Exists(workingDirectory))
        {
            return Failed($"its working directory '{job.WorkingDirectory}' does not exist");
        }

        var environment = Environment(workingDirectory);
        string? inputsHash = null;
        if (job.Inputs.Count > 0)
        {
            try
            {
                inputsHash = await FingerprintAsync(environment, log, cancellationToken).ConfigureAwait(false);
            }
            catch (InputFilesException ex)
            {
                // The inputs cannot be known (an unreadable folder): the job cannot be skipped, but it can run.
                Warn(log, $"inputs: {ex.Message}; running the job");
            }
        }

        if (inputsHash is not null && context.Request.ReuseUnchangedJobs
            && await TryReuseAsync(inputsHash, log, cancellationToken).ConfigureAwait(false) is { } reused)
        {
            return reused;
        }

        var cache = job.Cache is null ? null : new CacheUse(context, job, environment);
        var cacheNote = cache is null ? null : await cache.RestoreAsync(log, cancellationToken).ConfigureAwait(false);

        var attempts = job.Retry.Attempts;
        AttemptResult result = default;
        var attempt = 0;
        while (true)
        {
            attempt++;
            context.Emit(new JobStarted { At = _time.GetUtcNow(), Job = job.Name, Attempt = attempt, Attempts = attempts });
            await context.Store.Runs.UpsertJobAsync(
                new JobRun { RunId = context.RunId, Job = job.Name, Status = JobStatus.Running, Attempt = attempt, StartedAt = startedAt, InputsHash = inputsHash },
                CancellationToken.None).ConfigureAwait(false);
            if (attempts > 1)
            {
                log.WriteLine($"capstan: attempt {attempt} of {attempts}");
            }

            environment["CAPSTAN_ATTEMPT"] = attempt.ToString(CultureInfo.InvariantCulture);
            result = await AttemptAsync(environment, workingDirectory, log, cancellationToken).ConfigureAwait(false);
            if (result.End != JobOutcome.Failed && result.End != JobOutcome.TimedOut || attempt == attempts)
            {
                break;
            }

            var delay = job.Retry.Backoff.Value * Math.Pow(2, attempt - 1);
            log.WriteLine($"capstan: {result.Reason}; trying again in {Format(delay)}");
            context.Emit(new JobRetrying { At = _time.GetUtcNow(), Job = job.Name, Attempt = attempt, Delay = delay, Reason = result.Reason ?? "failed" });
            try
            {
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                result = new AttemptResult(JobOutcome.Cancelled, null, "cancelled");
                break;
            }
        }

        var report = new JobReport { Job = job.Name, Outcome = result.End, Reason = result.Reason, ExitCode = result.ExitCode, Attempts = attempt };
        if (result.End == JobOutcome.Cancelled)
        {
            var failed = firstFailure();
            return report with { Reason = failed is null ? "cancelled" : $"cancelled: job '{failed}' failed" };
        }

        var tests = job.Reports.Count > 0 ? ReadReports(startedAt, log) : null;
        report = report with { Tests = tests };
        if (result.End != JobOutcome.Passed)
        {
            return report;
        }

        if (job.Artifact is not null)
        {
            var artifact = await StoreArtifactAsync(cancellationToken).ConfigureAwait(false);
            if (artifact is null)
            {
                return report with { Outcome = JobOutcome.Failed, Reason = $"its artifact '{job.Artifact}' was not produced (no such folder after the job)" };
            }

            log.WriteLine($"capstan: artifact {artifact.Digest} ({Sizes.Format(artifact.SizeBytes)})");
            report = report with { ArtifactDigest = artifact.Digest };
        }

        if (cache is not null)
        {
            cacheNote = await cache.SaveAsync(log, cancellationToken).ConfigureAwait(false) ?? cacheNote;
        }

        return report with { Cache = cacheNote, InputsHash = inputsHash };
    }

    private JobReport Failed(string why) => new() { Job = job.Name, Outcome = JobOutcome.Failed, Reason = why };

    /// <summary>The job's variables: the clean base, then the pipeline's, the job's and its secrets.</summary>
    private Dictionary<string, string> Environment(string workingDirectory)
    {
        var request = context.Request;
        var capstan = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["CAPSTAN_APP"] = request.Manifest.App,
            ["CAPSTAN_RUN_ID"] = context.RunId,
            ["CAPSTAN_JOB"] = job.Name,
            ["CAPSTAN_PROJECT_DIR"] = context.ProjectDirectory,
            ["CAPSTAN_WORKING_DIR"] = workingDirectory,
        };
        if (request.Environment is not null)
        {
            capstan["CAPSTAN_ENVIRONMENT"] = request.Environment;
        }

        if (request.Commit is not null)
        {
            capstan["CAPSTAN_COMMIT"] = request.Commit;
        }

        var environment = JobEnvironment.Create(request.CallerEnvironment, request.ToolPaths, capstan);
        foreach (var (name, value) in request.Manifest.Pipeline.Env)
        {
            environment[name] = Render(value, environment);
        }

        foreach (var (name, value) in job.Env)
        {
            environment[name] = Render(value, environment);
        }

        foreach (var name in job.Secrets)
        {
            environment[name] = context.Secrets[name].Value;
        }

        return environment;
    }

    /// <summary><c>${secret:NAME}</c> from the run's resolved secrets, <c>${VAR}</c> from the variables so far (empty when unset, as bash does).</summary>
    private string Render(Template template, IReadOnlyDictionary<string, string> variables) =>
        template.Render(reference => reference.IsSecret
            ? context.Secrets[reference.Name].Value
            : variables.GetValueOrDefault(reference.Name) ?? string.Empty);

    /// <summary>
    /// Everything the job's result depends on: its scripts, its declared variables, the versions of its secrets, the
    /// hashes of the jobs it needs, and its input files. Values of variables are hashed, never stored.
    /// </summary>
    private async Task<string> FingerprintAsync(Dictionary<string, string> environment, JobLog log, CancellationToken cancellationToken)
    {
        var fingerprint = new JobFingerprint()
            .AddText("fingerprint-version", "1")
            .AddText("job", job.Name)
            .AddText("working-directory", job.WorkingDirectory ?? ".")
            .AddText("artifact", job.Artifact ?? string.Empty)
            .AddText("environment", context.Request.Environment ?? string.Empty);
        if (job.Run is not null)
        {
            fingerprint.AddText("run", job.Run.Text);
        }

        foreach (var step in job.Steps)
        {
            fingerprint.AddText("step", step.Name ?? string.Empty).AddText("step-run", step.Run.Text);
            fingerprint.AddEnvironment(step.Env.ToDictionary(p => p.Key, p => p.Value.Text, StringComparer.Ordinal));
        }

        var declared = context.Request.Manifest.Pipeline.Env.Keys.Concat(job.Env.Keys).Distinct(StringComparer.Ordinal);
        fingerprint.AddEnvironment(declared.ToDictionary(name => name, name => environment[name], StringComparer.Ordinal));
        foreach (var name in PipelineRunner.SecretsOf(context.Request.Manifest.Pipeline, job).Order(StringComparer.Ordinal))
        {
            fingerprint.AddSecretVersion(name, context.Secrets[name].Version);
        }

        foreach (var (name, report) in needs.OrderBy(n => n.Key, StringComparer.Ordinal))
        {
            fingerprint.AddText("needs", name).AddText("needs-inputs", report.InputsHash ?? string.Empty).AddText("needs-artifact", report.ArtifactDigest ?? string.Empty);
        }

        var files = InputFiles.Match(context.ProjectDirectory, job.Inputs, cancellationToken);
        if (files.Count == 0)
        {
            Warn(log, $"inputs: nothing matches {string.Join(", ", job.Inputs)}");
        }

        await fingerprint.AddFilesAsync(context.ProjectDirectory, files, cancellationToken).ConfigureAwait(false);
        return fingerprint.Hash;
    }

    /// <summary>The result of the last successful run with the same fingerprint, with its artifact put back; null to run the job.</summary>
    private async Task<JobReport?> TryReuseAsync(string inputsHash, JobLog log, CancellationToken cancellationToken)
    {
        var previous = await context.Store.Runs.FindLastSucceededAsync(context.Request.Manifest.App, job.Name, inputsHash, cancellationToken).ConfigureAwait(false);
        if (previous is null)
        {
            return null;
        }

        if (job.Artifact is not null)
        {
            var repository = new ArtifactRepository(Path.Combine(context.CapstanDirectory, "artifacts"));
            if (previous.ArtifactDigest is null || !repository.Exists(previous.ArtifactDigest))
            {
                log.WriteLine($"capstan: inputs unchanged since run {previous.RunId}, but its artifact is gone; running the job");
                return null;
            }

            var target = Path.Combine(context.ProjectDirectory, job.Artifact);
            await repository.ExtractAsync(previous.ArtifactDigest, target, ExistingTarget.Replace, cancellationToken).ConfigureAwait(false);
        }

        log.WriteLine($"capstan: inputs unchanged since run {previous.RunId}; reused its result" + (previous.ArtifactDigest is { } digest ? $" and artifact {digest}" : string.Empty));
        return new JobReport
        {
            Job = job.Name,
            Outcome = JobOutcome.Cached,
            Reason = $"inputs unchanged since run {previous.RunId}",
            Tests = previous.Tests,
            ArtifactDigest = previous.ArtifactDigest,
            ReusedRunId = previous.RunId,
            InputsHash = inputsHash,
        };
    }

    private async Task<AttemptResult> AttemptAsync(Dictionary<string, string> environment, string workingDirectory, JobLog log, CancellationToken cancellationToken)
    {
        var limit = job.Timeout.Value;
        if (job.Run is not null)
        {
            var result = await RunScriptAsync(Render(job.Run, environment), environment, workingDirectory, limit, log, cancellationToken).ConfigureAwait(false);
            return Outcome(result, subject: null, $"timed out after {PipelineRunner.Describe(job.Timeout)}");
        }

        var started = _time.GetTimestamp();
        for (var i = 0; i < job.Steps.Count; i++)
        {
            var step = job.Steps[i];
            var name = step.Name ?? $"step {i + 1}";
            var remaining = limit - _time.GetElapsedTime(started);
            var stepLimited = step.Timeout is { } own && own.Value < remaining;
            var stepEnvironment = new Dictionary<string, string>(environment, StringComparer.Ordinal);
            foreach (var (variable, value) in step.Env)
            {
                stepEnvironment[variable] = Render(value, stepEnvironment);
            }

            log.WriteLine($"▶ {name}");
            var result = remaining <= TimeSpan.Zero
                ? new ScriptResult(ScriptEnd.TimedOut, -1, TimeSpan.Zero)
                : await RunScriptAsync(Render(step.Run, stepEnvironment), stepEnvironment, workingDirectory, stepLimited ? step.Timeout!.Value.Value : remaining, log, cancellationToken).ConfigureAwait(false);
            var timedOut = stepLimited ? $"step '{name}' timed out after {PipelineRunner.Describe(step.Timeout!.Value)}" : $"timed out after {PipelineRunner.Describe(job.Timeout)}";
            var outcome = Outcome(result, $"step '{name}'", timedOut);
            if (outcome.End == JobOutcome.Passed)
            {
                continue;
            }

            if (outcome.End == JobOutcome.Failed && step.ContinueOnError)
            {
                log.WriteLine($"capstan: {outcome.Reason}; continuing (continue_on_error)");
                continue;
            }

            return outcome;
        }

        return new AttemptResult(JobOutcome.Passed, 0, null);
    }

    private Task<ScriptResult> RunScriptAsync(string script, IReadOnlyDictionary<string, string> environment, string workingDirectory, TimeSpan limit, JobLog log, CancellationToken cancellationToken) =>
        ScriptProcess.RunAsync(
            new ScriptStart { Script = script, Environment = environment, WorkingDirectory = workingDirectory, Timeout = limit, KillGrace = context.Request.KillGrace },
            log,
            _time,
            cancellationToken);

    private static AttemptResult Outcome(ScriptResult result, string? subject, string timedOut) => result.End switch
    {
        ScriptEnd.TimedOut => new AttemptResult(JobOutcome.TimedOut, null, timedOut),
        ScriptEnd.Cancelled => new AttemptResult(JobOutcome.Cancelled, null, "cancelled"),
        _ when result.ExitCode == 0 => new AttemptResult(JobOutcome.Passed, 0, null),
        _ => new AttemptResult(JobOutcome.Failed, result.ExitCode, (subject is null ? "" : subject + " ") + $"exited with code {result.ExitCode}"),
    };

    /// <summary>
    /// The job's test reports written during this job (older files matching the globs are results of earlier runs).
    /// A broken report or a glob matching nothing is a warning: the job's own exit code says whether it failed.
    /// </summary>
    private TestSummary ReadReports(DateTimeOffset startedAt, JobLog log)
    {
        var collected = TestReportReader.ReadAll(context.ProjectDirectory, job.Reports, startedAt.UtcDateTime - ReportClockSlack);
        foreach (var problem in collected.Problems)
        {
            Warn(log, problem.ToString());
        }

        foreach (var warning in collected.Warnings)
        {
            Warn(log, warning + " written during the job");
        }

        var combined = collected.Report;
        return new TestSummary
        {
            Passed = combined.Passed,
            Failed = combined.Failed,
            Skipped = combined.Skipped,
            FailedTests = combined.Failures.Select(f => context.Masker.Mask(f.Name)).Take(TestSummary.MaxFailedTests).ToList(),
        };
    }

    private void Warn(JobLog log, string message)
    {
        var masked = context.Masker.Mask(message);
        _warnings.Add(masked);
        log.WriteLine($"capstan: warning: {masked}");
    }

    private async Task<StoredArtifact?> StoreArtifactAsync(CancellationToken cancellationToken)
    {
        var folder = Path.Combine(context.ProjectDirectory, job.Artifact!);
        if (!Directory.Exists(folder))
        {
            return null;
        }

        var repository = new ArtifactRepository(Path.Combine(context.CapstanDirectory, "artifacts"));
        var stored = await repository.StoreFolderAsync(folder, cancellationToken).ConfigureAwait(false);
        await context.Store.Artifacts.AddAsync(
            new Artifact
            {
                Digest = stored.Digest,
                App = context.Request.Manifest.App,
                Job = job.Name,
                RunId = context.RunId,
                SizeBytes = stored.SizeBytes,
                Location = Path.GetRelativePath(context.ProjectDirectory, stored.Path),
                CreatedAt = _time.GetUtcNow(),
            },
            CancellationToken.None).ConfigureAwait(false);
        return stored;
    }

    private Task RecordAsync(JobReport report, DateTimeOffset startedAt) =>
        context.Store.Runs.UpsertJobAsync(
            new JobRun
            {
                RunId = context.RunId,
                Job = job.Name,
                Status = report.Outcome switch
                {
                    JobOutcome.Passed => JobStatus.Succeeded,
                    JobOutcome.Cached or JobOutcome.Skipped => JobStatus.Skipped,
                    JobOutcome.Cancelled => JobStatus.Cancelled,
                    _ => JobStatus.Failed,
                },
                Attempt = Math.Max(report.Attempts, 1),
                StartedAt = startedAt,
                FinishedAt = _time.GetUtcNow(),
                ExitCode = report.ExitCode,
                InputsHash = report.InputsHash,
                Detail = report.Reason,
                Tests = report.Tests,
                ArtifactDigest = report.ArtifactDigest,
                ReusedRunId = report.ReusedRunId,
            },
            CancellationToken.None);

    internal static string Format(TimeSpan span) => new Duration(span).ToString();

    private readonly record struct AttemptResult(JobOutcome End, int? ExitCode, string? Reason);
}
