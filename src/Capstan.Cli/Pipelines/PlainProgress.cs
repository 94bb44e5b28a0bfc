using System.Globalization;
using Capstan.Cli.Output;
using Capstan.Pipelines.Running;

namespace Capstan.Cli.Pipelines;

/// <summary>
/// A run as plain timestamped lines, for CI logs and anything that is not a terminal: one line when a job starts,
/// retries and ends, the last lines of a failed job's log, and the totals at the end.
/// </summary>
internal sealed class PlainProgress(TextWriter output) : IPipelineObserver
{
    private readonly Lock _lock = new();

    public void OnEvent(PipelineEvent pipelineEvent)
    {
        ArgumentNullException.ThrowIfNull(pipelineEvent);
        lock (_lock)
        {
            var at = pipelineEvent.At.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture);
            switch (pipelineEvent)
            {
                case RunStarted started:
                    output.WriteLine($"{at} run {started.RunId}: {started.Jobs.Count} jobs" + (started.Commit is { } commit ? $" at {commit[..Math.Min(12, commit.Length)]}" : "")
                        + (started.Environment is { } env ? $", environment {env}" : ""));
                    break;
                case JobStarted job:
                    output.WriteLine($"{at} ▶ {job.Job} started" + (job.Attempts > 1 ? $" (attempt {job.Attempt} of {job.Attempts})" : ""));
                    break;
                case JobRetrying retrying:
                    output.WriteLine($"{at} ↻ {retrying.Job}: {retrying.Reason}; trying again in {RunSummary.Seconds(retrying.Delay)}");
                    break;
                case JobFinished finished:
                    output.WriteLine($"{at} {RunSummary.Line(finished.Report)}");
                    WriteTail(finished.Report);
                    break;
                case RunFinished run:
                    WriteTable(run);
                    foreach (var line in RunSummary.Totals(run))
                    {
                        output.WriteLine(line);
                    }

                    break;
            }

            output.Flush();
        }
    }

    /// <summary>Every job once more, aligned: state, time, tests, and what it produced or reused.</summary>
    private void WriteTable(RunFinished run)
    {
        var rows = run.Jobs.Select(j => (IReadOnlyList<string>)
        [
            RunSummary.Symbol(j.Outcome) + " " + j.Job,
            RunSummary.Word(j.Outcome),
            j.Outcome is JobOutcome.Passed or JobOutcome.Failed or JobOutcome.TimedOut ? RunSummary.Seconds(j.Duration) : "",
            j.Tests is { } tests ? RunSummary.Tests(tests) : "",
            j.ArtifactDigest is { } digest ? RunSummary.ShortDigest(digest) : j.ReusedRunId is { } reused ? "from " + reused : "",
        ]).ToList();
        TextTable.Write(output, ["JOB", "STATE", "TIME", "TESTS", "ARTIFACT"], rows);
    }

    private void WriteTail(JobReport report)
    {
        if (report.Tail.Count == 0)
        {
            return;
        }

        output.WriteLine($"  last lines of {report.LogPath}:");
        foreach (var line in report.Tail)
        {
            output.WriteLine($"  │ {line}");
        }
    }
}
