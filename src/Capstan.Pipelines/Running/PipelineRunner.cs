using Capstan.Manifest.Model;
using Capstan.Manifest.Values;
using Capstan.Secrets;
using Capstan.Secrets.Masking;
using Capstan.Secrets.Resolution;
using Capstan.State;

namespace Capstan.Pipelines.Running;

/// <summary>
/// Runs a pipeline: the jobs of a <see cref="PipelinePlan"/> as a DAG of real processes, up to
/// <see cref="PipelineRequest.Parallelism"/> at once. A job that fails (and does not continue on error) fails the run
/// fast: running jobs are cancelled, except those that continue on error, and only jobs whose <c>if</c> is
/// <c>failure()</c> or <c>always()</c> start after it. Ctrl+C (the token) cancels everything. Every job's output goes
/// through one secret masker into its log; the run and its jobs are recorded in the state store.
/// </summary>
public sealed class PipelineRunner(IStateStore store, ISecretResolver? secrets, TimeProvider time)
{
    /// <exception cref="PipelineException">The request cannot run (unknown job, missing environment or secret); nothing ran.</exception>
    /// <exception cref="OperationCanceledException">Never for Ctrl+C: a cancelled run ends with <see cref="RunStatus.Cancelled"/>.</exception>
    public async Task<RunFinished> RunAsync(PipelineRequest request, IPipelineObserver observer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(observer);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(request.Parallelism);

        var plan = PipelinePlan.Create(request.Manifest.Pipeline, request.Jobs);
        var resolved = await ResolveSecretsAsync(request, plan, cancellationToken).ConfigureAwait(false);
        var masker = SecretMasker.Create(request.KnownSecretValues.Concat(resolved.Values.Select(s => s.Value)));

        var started = time.GetTimestamp();
        var runId = StateId.New("run", time);
        var run = new PipelineRun
        {
            Id = runId,
            App = request.Manifest.App,
            Status = RunStatus.Running,
            Trigger = request.Trigger,
            Commit = request.Commit,
            Environment = request.Environment,
            StartedAt = time.GetUtcNow(),
        };
        await store.InTransactionAsync(
            async (session, ct) =>
            {
                await session.Runs.CreateAsync(run, ct).ConfigureAwait(false);
                foreach (var job in plan.Jobs)
                {
                    await session.Runs.UpsertJobAsync(new JobRun { RunId = runId, Job = job.Name, Status = JobStatus.Pending, Attempt = 0 }, ct).ConfigureAwait(false);
                }
            },
            cancellationToken).ConfigureAwait(false);

        observer.OnEvent(new RunStarted
        {
            At = time.GetUtcNow(),
            RunId = runId,
            Jobs = plan.Jobs.Select(j => j.Name).ToList(),
            Needs = plan.Jobs.ToDictionary(j => j.Name, j => j.Needs, StringComparer.Ordinal),
            Commit = request.Commit,
            Environment = request.Environment,
        });

        var context = new RunContext(request, runId, masker, resolved, store, time, observer);
        var reports = await ScheduleAsync(context, plan, cancellationToken).ConfigureAwait(false);

        var status = cancellationToken.IsCancellationRequested ? RunStatus.Cancelled
            : reports.Any(r => r.FailsPipeline) ? RunStatus.Failed
            : RunStatus.Succeeded;
        // The run's record is finished even when the run was cancelled: that is what it is for.
        await store.Runs.UpdateStatusAsync(runId, status, time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
        var finished = new RunFinished { At = time.GetUtcNow(), RunId = runId, Status = status, Duration = time.GetElapsedTime(started), Jobs = reports };
        observer.OnEvent(finished);
        return finished;
    }

    /// <summary>Every secret the planned jobs use, resolved before anything runs, so that a missing one stops the run at once.</summary>
    private async Task<Dictionary<string, Secrets.Vault.RevealedSecret>> ResolveSecretsAsync(PipelineRequest request, PipelinePlan plan, CancellationToken cancellationToken)
    {
        var users = SecretUsers(request.Manifest.Pipeline, plan);
        CheckEnvironment(users, request.Environment);
        var resolved = new Dictionary<string, Secrets.Vault.RevealedSecret>(StringComparer.Ordinal);
        if (users.Count == 0)
        {
            return resolved;
        }

        if (secrets is null)
        {
            var (first, user) = users.First();
            throw new PipelineException($"job '{user}' uses secret '{first}', and no secret store is open");
        }

        foreach (var name in users.Keys.Order(StringComparer.Ordinal))
        {
            try
            {
                resolved[name] = await secrets.ResolveAsync(request.Environment!, name, cancellationToken).ConfigureAwait(false);
            }
            catch (SecretsException ex)
            {
                throw new PipelineException($"job '{users[name]}': {ex.Message}");
            }
        }

        return resolved;
    }

    /// <summary>Refuses a plan whose jobs use secrets when no environment was chosen: the secrets of which one?</summary>
    /// <exception cref="PipelineException">A job uses a secret and <paramref name="environment"/> is null.</exception>
    public static void CheckEnvironment(Pipeline pipeline, PipelinePlan plan, string? environment)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(plan);
        CheckEnvironment(SecretUsers(pipeline, plan), environment);
    }

    private static void CheckEnvironment(Dictionary<string, string> users, string? environment)
    {
        if (environment is null && users.Count > 0)
        {
            var (first, user) = users.First();
            throw new PipelineException($"job '{user}' uses secret '{first}'; choose the environment whose secrets the jobs get with --env ENV");
        }
    }

    /// <summary>Each secret the planned jobs use, with the first job (in plan order) that uses it.</summary>
    private static Dictionary<string, string> SecretUsers(Pipeline pipeline, PipelinePlan plan)
    {
        var users = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var job in plan.Jobs)
        {
            foreach (var name in SecretsOf(pipeline, job))
            {
                users.TryAdd(name, job.Name);
            }
        }

        return users;
    }

    /// <summary>The secrets a job reads: listed under <c>secrets:</c>, or referenced in its scripts or variables.</summary>
    public static IEnumerable<string> SecretsOf(Pipeline pipeline, Job job)
    {
        var templates = pipeline.Env.Values.Concat(job.Env.Values)
            .Concat(job.Steps.SelectMany(s => s.Env.Values.Append(s.Run)));
        if (job.Run is not null)
        {
            templates = templates.Append(job.Run);
        }

        return job.Secrets.Concat(templates.SelectMany(t => t.Secrets).Select(r => r.Name)).Distinct(StringComparer.Ordinal);
    }

    private static async Task<IReadOnlyList<JobReport>> ScheduleAsync(RunContext context, PipelinePlan plan, CancellationToken cancellationToken)
    {
        using var failFast = new CancellationTokenSource();
        var links = new List<CancellationTokenSource>();
        var reports = new Dictionary<string, JobReport>(StringComparer.Ordinal);
        var running = new Dictionary<Task<JobReport>, Job>();
        var pending = plan.Jobs.ToList();
        string? firstFailure = null;

        while (pending.Count > 0 || running.Count > 0)
        {
            // Decide, in plan order, every pending job whose needs have all ended.
            for (var i = 0; i < pending.Count; i++)
            {
                var job = pending[i];
                if (!job.Needs.All(reports.ContainsKey))
                {
                    continue;
                }

                var decision = Decide(job, reports, plan, cancellationToken.IsCancellationRequested, firstFailure);
                if (decision is not null)
                {
                    pending.RemoveAt(i--);
                    reports[job.Name] = decision;
                    await context.RecordSkippedAsync(decision).ConfigureAwait(false);
                    continue;
                }

                if (running.Count >= context.Request.Parallelism)
                {
                    break;
                }

                pending.RemoveAt(i--);
                var token = cancellationToken;
                // After a failure, the jobs that still start are failure() and always() jobs: the failure does not stop them.
                if (!job.ContinueOnError && !failFast.IsCancellationRequested)
                {
                    var link = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, failFast.Token);
                    links.Add(link);
                    token = link.Token;
                }

                running.Add(Task.Run(() => new JobExecution(context, job, reports.Where(r => job.Needs.Contains(r.Key)).ToDictionary()).RunAsync(token, () => firstFailure), CancellationToken.None), job);
            }

            if (running.Count == 0)
            {
                if (pending.Count > 0)
                {
                    throw new InvalidOperationException($"no pending job can start: {string.Join(", ", pending.Select(j => j.Name))}");
                }

                break;
            }

            var done = await Task.WhenAny(running.Keys).ConfigureAwait(false);
            running.Remove(done);
            var report = await done.ConfigureAwait(false);
            reports[report.Job] = report;
            if (report.FailsPipeline && firstFailure is null)
            {
                firstFailure = report.Job;
                await failFast.CancelAsync().ConfigureAwait(false);
            }
        }

        foreach (var link in links)
        {
            link.Dispose();
        }

        return plan.Jobs.Select(j => reports[j.Name]).ToList();
    }

    /// <summary>Null when the job should run; otherwise the report of why it does not.</summary>
    private static JobReport? Decide(Job job, Dictionary<string, JobReport> reports, PipelinePlan plan, bool cancelled, string? firstFailure)
    {
        if (cancelled)
        {
            return NotRun(job, JobOutcome.Cancelled, "cancelled");
        }

        var needs = job.Needs.Select(n => reports[n]).ToList();
        switch (job.If)
        {
            case JobCondition.Always:
                return null;
            case JobCondition.Failure:
                return UpstreamFailed(job, reports, plan) ? null : NotRun(job, JobOutcome.Skipped, "if: failure(), and no job it needs failed");
            default:
                if (firstFailure is not null)
                {
                    return NotRun(job, JobOutcome.Cancelled, $"not started: job '{firstFailure}' failed");
                }

                var unsuccessful = needs.FirstOrDefault(r => !r.CountsAsSuccess);
                return unsuccessful is null ? null : NotRun(job, JobOutcome.Skipped, $"needs '{unsuccessful.Job}', which did not succeed");
        }
    }

    private static bool UpstreamFailed(Job job, Dictionary<string, JobReport> reports, PipelinePlan plan)
    {
        var jobs = plan.Jobs.ToDictionary(j => j.Name, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>(job.Needs);
        while (stack.TryPop(out var name))
        {
            if (!seen.Add(name))
            {
                continue;
            }

            if (reports[name].FailsPipeline)
            {
                return true;
            }

            foreach (var need in jobs[name].Needs)
            {
                stack.Push(need);
            }
        }

        return false;
    }

    private static JobReport NotRun(Job job, JobOutcome outcome, string reason) =>
        new() { Job = job.Name, Outcome = outcome, Reason = reason, ContinueOnError = job.ContinueOnError };

    internal static string Describe(Duration duration) => duration.ToString();
}
