using System.Text;
using System.Text.Json;
using Capstan.Pipelines.Running;
using Capstan.State;

namespace Capstan.Cli.Pipelines;

/// <summary>
/// A run as one JSON object per line (<c>--json</c>), written as events happen: <c>run.started</c>, <c>job.started</c>,
/// <c>job.retrying</c>, <c>job.finished</c>, <c>run.finished</c>. Every field is documented in <c>docs/pipelines.md</c>.
/// </summary>
internal sealed class JsonEvents(TextWriter output) : IPipelineObserver
{
    private readonly Lock _lock = new();

    public void OnEvent(PipelineEvent pipelineEvent)
    {
        ArgumentNullException.ThrowIfNull(pipelineEvent);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("at", pipelineEvent.At);
            switch (pipelineEvent)
            {
                case RunStarted started:
                    writer.WriteString("event", "run.started");
                    writer.WriteString("run", started.RunId);
                    writer.WriteString("commit", started.Commit);
                    writer.WriteString("environment", started.Environment);
                    writer.WriteStartArray("jobs");
                    foreach (var job in started.Jobs)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("name", job);
                        writer.WriteStartArray("needs");
                        foreach (var need in started.Needs[job])
                        {
                            writer.WriteStringValue(need);
                        }

                        writer.WriteEndArray();
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                    break;
                case JobStarted job:
                    writer.WriteString("event", "job.started");
                    writer.WriteString("job", job.Job);
                    writer.WriteNumber("attempt", job.Attempt);
                    writer.WriteNumber("attempts", job.Attempts);
                    break;
                case JobRetrying retrying:
                    writer.WriteString("event", "job.retrying");
                    writer.WriteString("job", retrying.Job);
                    writer.WriteNumber("attempt", retrying.Attempt);
                    writer.WriteNumber("delay_ms", (long)retrying.Delay.TotalMilliseconds);
                    writer.WriteString("reason", retrying.Reason);
                    break;
                case JobFinished finished:
                    writer.WriteString("event", "job.finished");
                    WriteJob(writer, finished.Report);
                    break;
                case RunFinished run:
                    writer.WriteString("event", "run.finished");
                    writer.WriteString("run", run.RunId);
                    writer.WriteString("status", run.Status switch { RunStatus.Succeeded => "succeeded", RunStatus.Cancelled => "cancelled", _ => "failed" });
                    writer.WriteNumber("duration_ms", (long)run.Duration.TotalMilliseconds);
                    break;
            }

            writer.WriteEndObject();
        }

        lock (_lock)
        {
            output.WriteLine(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
            output.Flush();
        }
    }

    private static void WriteJob(Utf8JsonWriter writer, JobReport report)
    {
        writer.WriteString("job", report.Job);
        writer.WriteString("outcome", RunSummary.Word(report.Outcome).Replace(' ', '_'));
        writer.WriteString("reason", report.Reason);
        writer.WriteNumber("duration_ms", (long)report.Duration.TotalMilliseconds);
        writer.WriteNumber("attempts", report.Attempts);
        if (report.ExitCode is { } code)
        {
            writer.WriteNumber("exit_code", code);
        }
        else
        {
            writer.WriteNull("exit_code");
        }

        writer.WriteBoolean("continue_on_error", report.ContinueOnError);
        writer.WriteString("log", report.LogPath);
        writer.WriteString("artifact", report.ArtifactDigest);
        writer.WriteString("reused_run", report.ReusedRunId);
        writer.WriteString("cache", report.Cache);
        if (report.Tests is { } tests)
        {
            writer.WriteStartObject("tests");
            writer.WriteNumber("passed", tests.Passed);
            writer.WriteNumber("failed", tests.Failed);
            writer.WriteNumber("skipped", tests.Skipped);
            writer.WriteStartArray("failed_tests");
            foreach (var name in tests.FailedTests)
            {
                writer.WriteStringValue(name);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNull("tests");
        }

        writer.WriteStartArray("tail");
        foreach (var line in report.Tail)
        {
            writer.WriteStringValue(line);
        }

        writer.WriteEndArray();
        writer.WriteStartArray("warnings");
        foreach (var warning in report.Warnings)
        {
            writer.WriteStringValue(warning);
        }

        writer.WriteEndArray();
    }
}
