using System.Diagnostics;
using Capstan.Pipelines.Running;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Capstan.Cli.Pipelines;

/// <summary>
/// A run as a live table on a terminal: every job of the DAG with what it needs, its state (pending, running with its
/// elapsed time, passed, failed, skipped, cached) and a note; redrawn ten times a second. When the run ends, the table
/// stays, followed by the last lines of each failed job's log and the totals.
/// </summary>
internal sealed class LiveProgress(IAnsiConsole console) : IPipelineObserver
{
    private readonly Lock _lock = new();
    private readonly List<string> _order = [];
    private readonly Dictionary<string, IReadOnlyList<string>> _needs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JobView> _jobs = new(StringComparer.Ordinal);
    private RunFinished? _finished;
    private string _title = "starting";

    public void OnEvent(PipelineEvent pipelineEvent)
    {
        ArgumentNullException.ThrowIfNull(pipelineEvent);
        lock (_lock)
        {
            switch (pipelineEvent)
            {
                case RunStarted started:
                    _title = $"run {started.RunId}" + (started.Environment is { } env ? $" · {env}" : "");
                    _order.AddRange(started.Jobs);
                    foreach (var (job, needs) in started.Needs)
                    {
                        _needs[job] = needs;
                        _jobs[job] = new JobView(JobOutcome.Pending, 0, null, null);
                    }

                    break;
                case JobStarted job:
                    _jobs[job.Job] = new JobView(JobOutcome.Running, Stopwatch.GetTimestamp(), job.Attempts > 1 ? $"attempt {job.Attempt} of {job.Attempts}" : null, null);
                    break;
                case JobRetrying retrying:
                    _jobs[retrying.Job] = _jobs[retrying.Job] with { Note = $"{retrying.Reason}; again in {RunSummary.Seconds(retrying.Delay)}" };
                    break;
                case JobFinished finished:
                    _jobs[finished.Report.Job] = new JobView(finished.Report.Outcome, 0, null, finished.Report);
                    break;
                case RunFinished run:
                    _finished = run;
                    break;
            }
        }
    }

    /// <summary>Shows the live table while <paramref name="run"/> runs, then the failures and totals.</summary>
    public async Task<RunFinished> ShowAsync(Func<Task<RunFinished>> run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var task = run();
        await console.Live(Render()).AutoClear(false).StartAsync(async context =>
        {
            while (!task.IsCompleted)
            {
                context.UpdateTarget(Render());
                await Task.WhenAny(task, Task.Delay(100)).ConfigureAwait(false);
            }

            context.UpdateTarget(Render());
        }).ConfigureAwait(false);

        var finished = await task.ConfigureAwait(false);
        foreach (var report in finished.Jobs.Where(j => j.Tail.Count > 0))
        {
            console.MarkupLine($"[red]{Markup.Escape(report.Job)}[/]: last lines of {Markup.Escape(report.LogPath ?? "its log")}");
            foreach (var line in report.Tail)
            {
                console.MarkupLine($"  [grey]│[/] {Markup.Escape(line)}");
            }
        }

        foreach (var line in RunSummary.Totals(finished))
        {
            console.MarkupLine(Markup.Escape(line));
        }

        return finished;
    }

    private IRenderable Render()
    {
        lock (_lock)
        {
            var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(_title));
            table.AddColumn("");
            table.AddColumn("job");
            table.AddColumn("needs");
            table.AddColumn("state");
            table.AddColumn(new TableColumn("time").RightAligned());
            table.AddColumn("note");
            foreach (var name in _order)
            {
                var view = _jobs[name];
                var report = view.Report;
                var time = view.Outcome == JobOutcome.Running
                    ? RunSummary.Seconds(Stopwatch.GetElapsedTime(view.Started))
                    : report is { Outcome: JobOutcome.Passed or JobOutcome.Failed or JobOutcome.TimedOut } ? RunSummary.Seconds(report.Duration) : "";
                var note = view.Note ?? Note(report);
                table.AddRow(
                    new Markup($"[{Colour(view.Outcome)}]{Markup.Escape(RunSummary.Symbol(view.Outcome))}[/]"),
                    new Text(name),
                    new Text(string.Join(", ", _needs[name])),
                    new Markup($"[{Colour(view.Outcome)}]{Markup.Escape(RunSummary.Word(view.Outcome))}[/]"),
                    new Text(time),
                    new Text(note));
            }

            if (_finished is not null)
            {
                table.Caption(Markup.Escape($"{_finished.Status.ToString().ToLowerInvariant()} in {RunSummary.Seconds(_finished.Duration)}"));
            }

            return table;
        }
    }

    private static string Note(JobReport? report)
    {
        if (report is null)
        {
            return "";
        }

        var parts = new List<string>();
        if (report.Outcome != JobOutcome.Passed && report.Reason is { } reason)
        {
            parts.Add(reason);
        }

        if (report.Tests is { } tests)
        {
            parts.Add("tests: " + RunSummary.Tests(tests));
        }

        if (report.ArtifactDigest is { } digest)
        {
            parts.Add("artifact " + RunSummary.ShortDigest(digest));
        }

        return string.Join(" · ", parts);
    }

    private static string Colour(JobOutcome outcome) => outcome switch
    {
        JobOutcome.Passed => "green",
        JobOutcome.Cached => "green",
        JobOutcome.Failed or JobOutcome.TimedOut => "red",
        JobOutcome.Running => "blue",
        JobOutcome.Cancelled => "yellow",
        _ => "grey",
    };

    private sealed record JobView(JobOutcome Outcome, long Started, string? Note, JobReport? Report);
}
