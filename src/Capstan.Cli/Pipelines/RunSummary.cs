using System.Globalization;
using System.Text;
using Capstan.Pipelines.Running;
using Capstan.State;

namespace Capstan.Cli.Pipelines;

/// <summary>The words and symbols every view of a run shares.</summary>
internal static class RunSummary
{
    public static string Symbol(JobOutcome outcome) => outcome switch
    {
        JobOutcome.Pending => "·",
        JobOutcome.Running => "▶",
        JobOutcome.Passed => "✓",
        JobOutcome.Failed => "✗",
        JobOutcome.TimedOut => "⧗",
        JobOutcome.Cancelled => "⊘",
        JobOutcome.Skipped => "-",
        JobOutcome.Cached => "↺",
        _ => "?",
    };

    public static string Word(JobOutcome outcome) => outcome switch
    {
        JobOutcome.TimedOut => "timed out",
        JobOutcome.Passed => "passed",
        _ => outcome.ToString().ToLowerInvariant(),
    };

    public static string Seconds(TimeSpan span) => span.TotalSeconds < 60
        ? span.TotalSeconds.ToString("0.0s", CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalMinutes}m{span.Seconds:00}s");

    /// <summary><c>sha256:</c> and the first 12 hex digits, enough to name an artifact in a view.</summary>
    public static string ShortDigest(string digest) => digest[..Math.Min(digest.Length, 19)];

    /// <summary>A stored job's state in words, telling a reused job (<c>cached</c>) from one whose condition was false.</summary>
    public static string Word(JobRun job) => job.Status == JobStatus.Skipped && job.ReusedRunId is not null
        ? "cached"
        : job.Status.ToString().ToLowerInvariant();

    public static string Tests(TestSummary? tests) => tests is null
        ? ""
        : string.Create(CultureInfo.InvariantCulture, $"{tests.Passed} passed, {tests.Failed} failed, {tests.Skipped} skipped");

    /// <summary>One line about a finished job: <c>✗ test failed in 2.0s: exited with code 1</c>.</summary>
    public static string Line(JobReport report)
    {
        var line = new StringBuilder($"{Symbol(report.Outcome)} {report.Job} {Word(report.Outcome)}");
        if (report.Outcome is JobOutcome.Passed or JobOutcome.Failed or JobOutcome.TimedOut)
        {
            line.Append(" in ").Append(Seconds(report.Duration));
        }

        if (report.Reason is not null && report.Outcome != JobOutcome.Passed)
        {
            line.Append(": ").Append(report.Reason);
        }

        if (report.ContinueOnError && report.Outcome is JobOutcome.Failed or JobOutcome.TimedOut)
        {
            line.Append(" (continue_on_error)");
        }

        if (report.Tests is { } tests)
        {
            line.Append(" · tests: ").Append(Tests(tests));
        }

        if (report.ArtifactDigest is { } digest)
        {
            line.Append(" · artifact ").Append(ShortDigest(digest));
        }

        if (report.Cache is { } cache)
        {
            line.Append(" · cache ").Append(cache);
        }

        return line.ToString();
    }

    /// <summary>The closing lines: the run's end, job counts, test totals and the failed tests' names.</summary>
    public static IEnumerable<string> Totals(RunFinished finished)
    {
        var counts = finished.Jobs.GroupBy(j => j.Outcome).OrderBy(g => g.Key).Select(g => $"{g.Count()} {Word(g.Key)}");
        var verb = finished.Status switch
        {
            RunStatus.Succeeded => "succeeded",
            RunStatus.Cancelled => "was cancelled",
            _ => "failed",
        };
        yield return $"run {finished.RunId} {verb} in {Seconds(finished.Duration)}: {string.Join(", ", counts)}";
        var tested = finished.Jobs.Where(j => j.Tests is not null).ToList();
        if (tested.Count > 0)
        {
            var passed = tested.Sum(j => j.Tests!.Passed);
            var failed = tested.Sum(j => j.Tests!.Failed);
            var skipped = tested.Sum(j => j.Tests!.Skipped);
            yield return string.Create(CultureInfo.InvariantCulture, $"tests: {passed} passed, {failed} failed, {skipped} skipped");
            foreach (var name in tested.SelectMany(j => j.Tests!.FailedTests.Select(t => $"{j.Job}: {t}")).Take(20))
            {
                yield return $"  failed: {name}";
            }
        }

        foreach (var warning in finished.Jobs.SelectMany(j => j.Warnings.Select(w => $"{j.Job}: {w}")))
        {
            yield return $"warning: {warning}";
        }
    }
}
