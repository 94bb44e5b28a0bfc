using System.Text;
using System.Text.RegularExpressions;

namespace Capstan.Cli.Init;

/// <summary>
/// Writes the starter capstan.yaml: the detected pipeline, one web service, staging and production with the seeds'
/// rollout rules, the seeds' starter alerts and an on-call channel.
/// </summary>
internal static partial class StarterManifest
{
    public static string Render(StarterProject project, string app)
    {
        var y = new StringBuilder();
        y.Append(
            $"""
            # capstan.yaml: everything about the operations of {app}, in one file.
            # Written by `capstan init` for {project.Summary}. Check it with `capstan validate`;
            # every key is documented in Capstan's docs/manifest.md.
            version: 1
            app: {app}

            services:
              web:

            """);
        if (project.Artifact is not null)
        {
            y.AppendLine("    artifact: build               # runs what the pipeline job 'build' produced");
        }

        y.AppendLine($"    run: {Scalar(project.Run)}");
        y.Append(
            $"""
                # Add readiness and liveness paths when the app has them; until then an open port counts as ready.
                # health: {"{"} readiness: /ready, liveness: /health {"}"}
                route:
                  host: {app}.localhost
                scale:
                  min: 2
                  max: 4
                  cpu: 70%

            """);
        if (project.Env.Count > 0)
        {
            y.AppendLine("    env:");
            foreach (var (name, value) in project.Env)
            {
                y.AppendLine($"      {name}: {Scalar(value)}");
            }
        }

        y.AppendLine();
        y.AppendLine("pipeline:");
        y.AppendLine("  jobs:");
        var beforeBuild = new List<string>();
        if (project.Lint is not null)
        {
            Job(y, "lint", project.Lint, needs: [], project.Inputs);
            beforeBuild.Add("lint");
        }

        if (project.Test is not null)
        {
            Job(y, "test", project.Test, needs: project.Lint is null ? [] : ["lint"], project.Inputs, cache: project);
            beforeBuild.Add("test");
        }

        Job(y, "scan", "capstan secret scan .", needs: [], inputs: []);
        beforeBuild.Add("scan");
        if (project.Build is not null)
        {
            Job(y, "build", project.Build, needs: beforeBuild.Where(j => j != "lint" || project.Test is null).ToList(), project.Inputs, cache: project, artifact: project.Artifact);
        }

        y.Append(
            """

            environments:
              staging:
                strategy: blue-green
              production:
                requires: [staging]               # the same artifact must have passed staging
                approval: { reviewers: 1 }        # someone other than the deployer approves
                strategy:
                  canary: [5%, 25%, 50%, 100%]
                  pause: 30s
                  abort_if: { error_rate_increase: 2%, p95_increase: 20% }

            # Starter alerts: error rate, latency, availability and resources. Add a runbook to each:
            # runbook: docs/runbooks/high-error-rate.md
            alerts:
              - name: HighErrorRate
                when: "error_rate(web) > 1%"
                for: 5m
                severity: critical
                notify: [oncall]
                guard: true
              - name: SlowResponses
                when: "latency_p95(web) > 1s"
                for: 5m
                severity: warning
                notify: [oncall]
              - name: VerySlowResponses
                when: "latency_p99(web) > 2s"
                for: 5m
                severity: critical
                notify: [oncall]
              - name: InstancesDown
                when: "up(web) < 1"
                for: 1m
                severity: critical
                notify: [oncall]
              - name: HighCpu
                when: "cpu(web) > 70%"
                for: 10m
                severity: warning
                notify: [oncall]
              - name: HighMemory
                when: "memory(web) > 80%"
                for: 10m
                severity: warning
                notify: [oncall]
              - name: DiskAlmostFull
                when: "disk_free() < 20%"
                for: 10m
                severity: warning
                notify: [oncall]
              # Once the app has a public TLS host, renew its certificate in time (the seeds: 30 days ahead):
              # - name: CertificateExpiring
              #   when: "cert_expiry_days(www.example.com) < 30"
              #   severity: warning
              #   notify: [oncall]

            notifications:
              oncall: { webhook: "${secret:ONCALL_WEBHOOK}" }

            # Who is paged, in turns; an unacknowledged page goes to the next person (docs/manifest.md, oncall):
            # oncall:
            #   people: { ana: oncall, ben: oncall }
            #   shift: 1w
            #   handoff: "Mon 09:00"

            # Back up what the app stores, e.g. a SQLite file in its data folder, and page when backups stop:
            # backups:
            #   db: { sqlite: app.db, schedule: "0 * * * *", keep: { hourly: 24, daily: 30 }, rpo: 1h, rto: 4h }
            # and under alerts:
            # - name: BackupStale
            #   when: "backup_age(db) > 2h"
            #   severity: critical
            #   notify: [oncall]

            secrets:
              ONCALL_WEBHOOK: { rotate: 90d, description: "webhook the critical alerts page" }

            """);
        return y.ToString();
    }

    private static void Job(StringBuilder y, string name, string run, IReadOnlyList<string> needs, IReadOnlyList<string> inputs, StarterProject? cache = null, string? artifact = null)
    {
        y.AppendLine($"    {name}:");
        if (needs.Count > 0)
        {
            y.AppendLine($"      needs: [{string.Join(", ", needs)}]");
        }

        y.AppendLine($"      run: {Scalar(run)}");
        if (inputs.Count > 0)
        {
            y.AppendLine($"      inputs: [{string.Join(", ", inputs.Select(Quoted))}]");
        }

        if (cache is { CacheKey.Count: > 0, CachePaths.Count: > 0 })
        {
            y.AppendLine($"      cache: {{ key: [{string.Join(", ", cache.CacheKey.Select(Scalar))}], paths: [{string.Join(", ", cache.CachePaths.Select(Scalar))}] }}");
        }

        if (artifact is not null)
        {
            y.AppendLine($"      artifact: {Scalar(artifact)}");
        }
    }

    /// <summary>A YAML scalar: plain when that reads back the same, double-quoted otherwise.</summary>
    internal static string Scalar(string value) => PlainSafe().IsMatch(value) && !value.Contains(": ", StringComparison.Ordinal) && !value.Contains(" #", StringComparison.Ordinal)
        ? value
        : Quoted(value);

    internal static string Quoted(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <summary>Starts with a character that cannot open another YAML construct, holds no flow indicators, no trailing space.</summary>
    [GeneratedRegex(@"^[A-Za-z0-9_./~$(][^,\[\]{}\t\n]*[^\s:]$|^[A-Za-z0-9_./~]$")]
    private static partial Regex PlainSafe();
}
