using System.Globalization;
using Capstan.Manifest.Alerts;
using Capstan.Manifest.Binding;
using Capstan.Manifest.Diagnostics;
using Capstan.Manifest.Model;

namespace Capstan.Manifest.Validation;

/// <summary>
/// Checks that need the whole manifest: references between sections, cycles, canary steps, unique routes.
/// Runs on a partially bound manifest too (after other errors), so that every problem is reported at once.
/// </summary>
internal sealed class ManifestValidator
{
    private static readonly DateTimeOffset ScheduleReference = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly CapstanManifest _manifest;
    private readonly SourceMap _map;
    private readonly DiagnosticBag _bag;
    private readonly string? _baseDirectory;

    private ManifestValidator(CapstanManifest manifest, SourceMap map, DiagnosticBag bag, string? baseDirectory)
    {
        _manifest = manifest;
        _map = map;
        _bag = bag;
        _baseDirectory = baseDirectory;
    }

    public static void Validate(CapstanManifest manifest, SourceMap map, IReadOnlyList<LocatedReference> references, DiagnosticBag bag, string? baseDirectory)
    {
        var validator = new ManifestValidator(manifest, map, bag, baseDirectory);
        validator.CheckJobs();
        validator.CheckServices();
        validator.CheckEnvironments();
        validator.CheckAlerts();
        validator.CheckOnCall();
        validator.CheckSecrets(references);
        validator.CheckBackups();
        validator.CheckReservedVariables();
    }

    private void CheckJobs()
    {
        var jobs = _manifest.Pipeline.Jobs;
        var names = jobs.Keys.ToList();
        foreach (var job in jobs.Values)
        {
            var needsPath = SourceMap.Path("pipeline", "jobs", job.Name, "needs");
            for (var i = 0; i < job.Needs.Count; i++)
            {
                var need = job.Needs[i];
                if (!jobs.ContainsKey(need))
                {
                    var others = names.Where(n => n != job.Name).ToList();
                    _bag.Error(_map.Item(needsPath, i), ErrorCodes.UnknownJob,
                        others.Count == 0
                            ? $"job '{job.Name}' needs unknown job '{need}'; no other jobs are declared"
                            : Unknown($"job '{job.Name}' needs unknown job '{need}'", need, others, "jobs"));
                }
            }

            for (var i = 0; i < job.Secrets.Count; i++)
            {
                CheckSecretName(job.Secrets[i], _map.Item(SourceMap.Path("pipeline", "jobs", job.Name, "secrets"), i), $"job '{job.Name}'");
            }
        }

        foreach (var cycle in Graph.FindCycles(names, n => jobs.TryGetValue(n, out var j) ? j.Needs : []))
        {
            var first = jobs[cycle[0]];
            var at = _map.Item(SourceMap.Path("pipeline", "jobs", first.Name, "needs"), IndexOf(first.Needs, cycle[1]));
            _bag.Error(at, ErrorCodes.JobCycle, cycle.Count == 2
                ? $"job '{cycle[0]}' needs itself"
                : $"jobs need each other in a cycle: {string.Join(" → ", cycle)}; a job can only need jobs that do not need it back");
        }
    }

    private void CheckServices()
    {
        var jobs = _manifest.Pipeline.Jobs;
        var withArtifacts = jobs.Values.Where(j => j.Artifact is not null).Select(j => j.Name).ToList();
        var routes = new Dictionary<(string Host, string Path), string>();
        foreach (var service in _manifest.Services.Values)
        {
            var path = SourceMap.Path("services", service.Name);
            if (service.Artifact is { } artifact)
            {
                if (!jobs.TryGetValue(artifact, out var job))
                {
                    _bag.Error(_map.Value(path + "/artifact"), ErrorCodes.UnknownArtifact,
                        Unknown($"service '{service.Name}' runs the artifact of unknown job '{artifact}'", artifact, withArtifacts, "jobs with an artifact"));
                }
                else if (job.Artifact is null)
                {
                    _bag.Error(_map.Value(path + "/artifact"), ErrorCodes.UnknownArtifact,
                        $"service '{service.Name}' runs the artifact of job '{artifact}', which produces none; add 'artifact: PATH' to job '{artifact}'"
                        + (withArtifacts.Count > 0 ? $" or name one of: {string.Join(", ", withArtifacts)}" : ""));
                }
            }

            if (service.Route is { Host.Length: > 0 } route)
            {
                if (routes.TryGetValue((route.Host, route.Path), out var other))
                {
                    var otherAt = _map.Value(SourceMap.Path("services", other, "route", "host"));
                    _bag.Error(_map.Value(path + "/route/host"), ErrorCodes.DuplicateRoute,
                        $"service '{service.Name}' routes {route.Host}{route.Path}, which service '{other}' already routes (line {otherAt.Line}); give each service its own host or path");
                }
                else
                {
                    routes.Add((route.Host, route.Path), service.Name);
                }
            }

            if (service.Scale.Max < service.Scale.Min)
            {
                _bag.Error(_map.Value(path + "/scale/max"), ErrorCodes.OutOfRange, string.Create(CultureInfo.InvariantCulture,
                    $"services.{service.Name}.scale.max is {service.Scale.Max}, below min {service.Scale.Min}"));
            }
        }
    }

    private void CheckEnvironments()
    {
        var environments = _manifest.Environments;
        var names = environments.Keys.ToList();
        foreach (var environment in environments.Values)
        {
            var path = SourceMap.Path("environments", environment.Name);
            for (var i = 0; i < environment.Requires.Count; i++)
            {
                var required = environment.Requires[i];
                if (!environments.ContainsKey(required))
                {
                    var others = names.Where(n => n != environment.Name).ToList();
                    _bag.Error(_map.Item(path + "/requires", i), ErrorCodes.UnknownEnvironment,
                        others.Count == 0
                            ? $"environment '{environment.Name}' requires unknown environment '{required}'; no other environments are declared"
                            : Unknown($"environment '{environment.Name}' requires unknown environment '{required}'", required, others, "environments"));
                }
            }

            if (environment.Strategy is CanaryStrategy canary)
            {
                CheckCanarySteps(environment.Name, canary, path + "/strategy");
            }
        }

        foreach (var cycle in Graph.FindCycles(names, n => environments.TryGetValue(n, out var e) ? e.Requires : []))
        {
            var first = environments[cycle[0]];
            var at = _map.Item(SourceMap.Path("environments", first.Name, "requires"), IndexOf(first.Requires, cycle[1]));
            _bag.Error(at, ErrorCodes.EnvironmentCycle, cycle.Count == 2
                ? $"environment '{cycle[0]}' requires itself"
                : $"environments require each other in a cycle: {string.Join(" → ", cycle)}; promotion must flow one way");
        }
    }

    private void CheckCanarySteps(string environment, CanaryStrategy canary, string strategyPath)
    {
        var stepsPath = strategyPath + "/canary";
        var steps = canary.Steps;
        for (var i = 1; i < steps.Count; i++)
        {
            if (steps[i] <= steps[i - 1])
            {
                _bag.Error(_map.Item(stepsPath, i), ErrorCodes.CanaryNotAscending,
                    $"canary steps of environment '{environment}' must increase: {steps[i]} comes after {steps[i - 1]}");
            }
        }

        if (steps.Count > 0 && steps[^1].Percent != 100)
        {
            _bag.Error(_map.Item(stepsPath, steps.Count - 1), ErrorCodes.CanaryNotComplete,
                $"canary steps of environment '{environment}' end at {steps[^1]}; the last step must be 100% so the release takes all traffic");
        }
    }

    private void CheckAlerts()
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var a = 0; a < _manifest.Alerts.Count; a++)
        {
            var alert = _manifest.Alerts[a];
            var path = SourceMap.Path("alerts", a);
            var label = alert.Name.Length > 0 ? $"alert '{alert.Name}'" : SourceMap.Display(path);
            if (alert.Name.Length > 0 && !seen.TryAdd(alert.Name, a))
            {
                var first = SourceMap.Path("alerts", seen[alert.Name]);
                _bag.Error(_map.Value(path + "/name"), ErrorCodes.DuplicateName, string.Create(CultureInfo.InvariantCulture,
                    $"alert name '{alert.Name}' is already used by {SourceMap.Display(first)} (line {_map.Value(first + "/name").Line}); alert names are unique"));
            }

            CheckConditionArguments(alert, path + "/when", label);

            for (var i = 0; i < alert.Notify.Count; i++)
            {
                var channel = alert.Notify[i];
                if (!_manifest.Notifications.ContainsKey(channel))
                {
                    _bag.Error(_map.Item(path + "/notify", i), ErrorCodes.UnknownChannel,
                        Unknown($"{label} notifies unknown channel '{channel}'", channel, [.. _manifest.Notifications.Keys], "channels (the notifications section)"));
                }
            }

            if (alert.Runbook is { } runbook && _baseDirectory is not null && !runbook.Contains("://", StringComparison.Ordinal))
            {
                var file = Path.Combine(_baseDirectory, runbook.Split('#')[0]);
                if (!File.Exists(file))
                {
                    _bag.Warning(_map.Value(path + "/runbook"), ErrorCodes.MissingFile,
                        $"runbook '{runbook}' of {label} does not exist (looked for {Path.GetRelativePath(_baseDirectory, file)} beside capstan.yaml)");
                }
            }
        }
    }

    /// <summary>Each person of the rotation is paged through a declared channel.</summary>
    private void CheckOnCall()
    {
        foreach (var person in _manifest.OnCall?.People ?? [])
        {
            if (!_manifest.Notifications.ContainsKey(person.Notify))
            {
                _bag.Error(_map.Value(SourceMap.Path("oncall", "people", person.Name)), ErrorCodes.UnknownChannel,
                    Unknown($"on-call person '{person.Name}' is paged through unknown channel '{person.Notify}'", person.Notify, [.. _manifest.Notifications.Keys], "channels (the notifications section)"));
            }
        }
    }

    private void CheckConditionArguments(AlertRule alert, string whenPath, string label)
    {
        var function = alert.When.Definition;
        if (function is null)
        {
            return;
        }

        for (var i = 0; i < alert.When.Arguments.Count; i++)
        {
            var name = alert.When.Arguments[i].Value;
            var at = _map.Value(SourceMap.Child(whenPath, i));
            switch (function.Argument)
            {
                case AlertArgumentKind.Service when !_manifest.Services.ContainsKey(name):
                    _bag.Error(at, ErrorCodes.UnknownService,
                        Unknown($"{label} watches unknown service '{name}'", name, [.. _manifest.Services.Keys], "services"));
                    break;
                case AlertArgumentKind.Secret:
                    CheckSecretName(name, at, label);
                    break;
                case AlertArgumentKind.Backup when !_manifest.Backups.ContainsKey(name):
                    _bag.Error(at, ErrorCodes.UnknownBackup,
                        Unknown($"{label} watches unknown backup '{name}'", name, [.. _manifest.Backups.Keys], "backups"));
                    break;
            }
        }
    }

    private void CheckSecrets(IReadOnlyList<LocatedReference> references)
    {
        foreach (var located in references)
        {
            if (located.Reference.IsSecret)
            {
                CheckSecretName(located.Reference.Name, located.At, SourceMap.Display(located.Path), reference: true);
            }
        }
    }

    private void CheckSecretName(string name, SourcePosition at, string user, bool reference = false)
    {
        if (_manifest.Secrets.ContainsKey(name))
        {
            return;
        }

        var message = reference
            ? $"${{secret:{name}}} in {user} names a secret not declared in the secrets section"
            : $"{user} uses secret '{name}', which is not declared in the secrets section";
        _bag.Error(at, ErrorCodes.UndeclaredSecret, Unknown(message, name, [.. _manifest.Secrets.Keys], "secrets"));
    }

    private void CheckBackups()
    {
        foreach (var backup in _manifest.Backups.Values)
        {
            var path = SourceMap.Path("backups", backup.Name);
            if (backup.Service is { } service && !_manifest.Services.ContainsKey(service))
            {
                _bag.Error(_map.Value(path + "/service"), ErrorCodes.UnknownService,
                    Unknown($"backup '{backup.Name}' names unknown service '{service}'", service, [.. _manifest.Services.Keys], "services"));
            }
            else if (backup.Service is null && backup.Path is { } file && !file.StartsWith('/') && _manifest.Services.Count != 1)
            {
                _bag.Error(_map.Key(path), ErrorCodes.MissingValue, _manifest.Services.Count == 0
                    ? $"backup '{backup.Name}' has the relative path '{file}', but there is no service whose data folder it could be in; write an absolute path or declare the service"
                    : $"backup '{backup.Name}' has the relative path '{file}' but names no service, and there are {_manifest.Services.Count}; add 'service: NAME' to say whose data folder it is in");
            }

            if (ReferenceEquals(backup.Schedule, ManifestSchema.InvalidSchedule))
            {
                continue; // its error is already reported
            }

            var gap = backup.Schedule.LongestGap(ScheduleReference);
            if (gap is { } longest && longest > backup.Rpo.Value)
            {
                _bag.Warning(_map.Value(SourceMap.Path("backups", backup.Name, "schedule")), ErrorCodes.BackupMissesRpo,
                    $"backup '{backup.Name}' runs as rarely as every {new Values.Duration(longest)} ('{backup.Schedule.Text}') but its rpo is {backup.Rpo}; a restore could lose up to {new Values.Duration(longest)} of data");
            }
        }
    }

    /// <summary>Capstan sets PORT and the CAPSTAN_ variables of every instance and job; a manifest may not.</summary>
    private void CheckReservedVariables()
    {
        foreach (var service in _manifest.Services.Values)
        {
            CheckReserved(service.Env.Keys, SourceMap.Path("services", service.Name, "env"), includePort: true);
        }

        foreach (var environment in _manifest.Environments.Values)
        {
            CheckReserved(environment.Env.Keys, SourceMap.Path("environments", environment.Name, "env"), includePort: true);
        }

        CheckReserved(_manifest.Pipeline.Env.Keys, SourceMap.Path("pipeline", "env"), includePort: false);
        foreach (var job in _manifest.Pipeline.Jobs.Values)
        {
            CheckReserved(job.Env.Keys, SourceMap.Path("pipeline", "jobs", job.Name, "env"), includePort: false);
            for (var i = 0; i < job.Steps.Count; i++)
            {
                var stepPath = SourceMap.Child(SourceMap.Path("pipeline", "jobs", job.Name, "steps"), i);
                CheckReserved(job.Steps[i].Env.Keys, stepPath + "/env", includePort: false);
            }
        }
    }

    private void CheckReserved(IEnumerable<string> names, string path, bool includePort)
    {
        foreach (var name in names)
        {
            if ((includePort && name == "PORT") || name.StartsWith("CAPSTAN_", StringComparison.Ordinal))
            {
                _bag.Error(_map.Key(SourceMap.Child(path, name)), ErrorCodes.InvalidName,
                    $"{name} in {SourceMap.Display(path)} is set by Capstan itself; use it (${{{name}}}) but do not set it");
            }
        }
    }

    private static int IndexOf(IReadOnlyList<string> list, string item)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] == item)
            {
                return i;
            }
        }

        return 0;
    }

    private static string Known(string what, IEnumerable<string> names)
    {
        var list = names.ToList();
        return list.Count == 0 ? $"no {what} are declared" : $"known {what}: {string.Join(", ", list)}";
    }

    /// <summary>"&lt;what&gt;; did you mean 'test'? known jobs: lint, test" or "&lt;what&gt;; known jobs: lint, test".</summary>
    private static string Unknown(string message, string name, IReadOnlyCollection<string> candidates, string what) =>
        Suggestions.Closest(name, candidates) is { } match
            ? $"{message}; did you mean '{match}'? {Known(what, candidates)}"
            : $"{message}; {Known(what, candidates)}";
}
