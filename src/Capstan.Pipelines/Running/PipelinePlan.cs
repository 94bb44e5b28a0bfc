using Capstan.Manifest.Diagnostics;
using Capstan.Manifest.Model;

namespace Capstan.Pipelines.Running;

/// <summary>A problem with what was asked, found before anything runs: an unknown job, a missing environment or secret.</summary>
public sealed class PipelineException(string message) : Exception(message);

/// <summary>The jobs a run will consider, in a topological order (a job after everything it needs).</summary>
public sealed record PipelinePlan(IReadOnlyList<Job> Jobs)
{
    /// <summary>
    /// The jobs asked for and, transitively, the jobs they need; all jobs when none are asked for. The manifest has been
    /// validated, so needs exist and have no cycle; both are still checked, since a plan must never loop.
    /// </summary>
    /// <exception cref="PipelineException">An asked-for job does not exist (the message lists the known ones), or the needs have a cycle.</exception>
    public static PipelinePlan Create(Pipeline pipeline, IReadOnlyList<string> asked)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(asked);
        if (pipeline.Jobs.Count == 0)
        {
            throw new PipelineException("capstan.yaml has no pipeline jobs; add them under pipeline.jobs");
        }

        var unknown = asked.Where(name => !pipeline.Jobs.ContainsKey(name)).Distinct(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            var known = pipeline.Jobs.Keys.Order(StringComparer.Ordinal).ToList();
            var hints = unknown.Select(name => Suggestions.Closest(name, known) is { } close ? $"'{name}' (did you mean '{close}'?)" : $"'{name}'");
            throw new PipelineException($"unknown job {string.Join(", ", hints)}; the pipeline's jobs are: {string.Join(", ", known)}");
        }

        var roots = asked.Count == 0 ? pipeline.Jobs.Keys.Order(StringComparer.Ordinal) : asked.Distinct(StringComparer.Ordinal);
        var order = new List<Job>();
        var state = new Dictionary<string, bool>(StringComparer.Ordinal); // false: on the path, true: done
        foreach (var root in roots)
        {
            Visit(root, []);
        }

        return new PipelinePlan(order);

        void Visit(string name, List<string> path)
        {
            if (state.TryGetValue(name, out var done))
            {
                if (!done)
                {
                    throw new PipelineException($"jobs need each other in a cycle: {string.Join(" → ", path.SkipWhile(p => p != name).Append(name))}");
                }

                return;
            }

            if (!pipeline.Jobs.TryGetValue(name, out var job))
            {
                throw new PipelineException($"job '{path[^1]}' needs unknown job '{name}'");
            }

            state[name] = false;
            path.Add(name);
            foreach (var need in job.Needs)
            {
                Visit(need, path);
            }

            path.RemoveAt(path.Count - 1);
            state[name] = true;
            order.Add(job);
        }
    }
}
