using System.Text.Json.Nodes;
using Capstan.Manifest.Alerts;
using Capstan.Manifest.Diagnostics;
using Capstan.Manifest.Model;
using Capstan.Manifest.Values;
using Capstan.Manifest.Yaml;

namespace Capstan.Manifest.Binding;

/// <summary>The shape of capstan.yaml, version 1. docs/manifest.md documents every key declared here.</summary>
internal static class ManifestSchema
{
    private const string HostPattern = "^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$";
    private const string UrlPathPattern = "^/[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*$";
    private const string EmailPattern = "^[^@\\s]+@[^@\\s]+$";

    public static readonly NameRule ResourceName = new(
        "names start with a lowercase letter and hold lowercase letters, digits, '-' and '_' (at most 63)",
        Names.IsResourceName, "^[a-z][a-z0-9_-]{0,62}$");

    public static readonly NameRule VariableName = new(
        "variable names hold letters, digits and '_' and do not start with a digit",
        Names.IsVariableName, "^[A-Za-z_][A-Za-z0-9_]*$");

    /// <summary>Labels follow the variable rule (as Prometheus label names do).</summary>
    public static readonly NameRule LabelName = VariableName with
    {
        Description = "label names hold letters, digits and '_' and do not start with a digit",
    };

    private static readonly PatternShape AppName = new(
        "an application name (lowercase letters, digits and '-', starting with a letter, at most 63)",
        Names.IsAppName, "^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$");

    private static readonly PatternShape Name = new(
        "a name (" + ResourceName.Description + ")", Names.IsResourceName, ResourceName.JsonPattern);

    private static readonly PatternShape AlertName = new(
        "an alert name (letters, digits, '-' and '_', starting with a letter)",
        Names.IsAlertName, "^[A-Za-z][A-Za-z0-9_-]{0,127}$");

    private static readonly PatternShape SecretName = new(
        "a secret name (letters, digits and '_', not starting with a digit)", Names.IsVariableName, VariableName.JsonPattern);

    private static readonly PatternShape Host = new(
        "a host name like shop.localhost (lowercase letters, digits, '-' and dots)",
        Names.IsHost, HostPattern);

    private static readonly PatternShape UrlPath = new(
        "a URL path: '/' then letters, digits and -._~!$&'()*+,;=:@%/?", Names.IsUrlPath, UrlPathPattern, ErrorCodes.InvalidFormat);

    private static readonly PatternShape Email = new(
        "an email address", Names.IsEmail, EmailPattern, ErrorCodes.InvalidFormat);

    private static readonly TextShape Text = new();
    private static readonly TemplateShape Value = new(TemplateKind.Value, allowEmpty: true);
    private static readonly TemplateShape RequiredValue = new(TemplateKind.Value);
    private static readonly TemplateShape Script = new(TemplateKind.Script);
    private static readonly ProjectPathShape ProjectPath = new();
    private static readonly ProjectPathShape AnyPath = new(allowOutside: true);
    private static readonly ProjectPathShape DataPath = new(allowAbsolute: true, relativeTo: "the service's data folder");
    private static readonly BooleanShape Boolean = new();
    private static readonly DurationShape AnyDuration = new();
    private static readonly DurationShape PositiveDuration = new(min: new Duration(TimeSpan.FromMilliseconds(1)));
    private static readonly PercentageShape UpTo100 = new();
    private static readonly PercentageShape Relative = new(max: 1000);

    private static readonly MapShape<Template> EnvMap = new(VariableName, Value, "variable names to values");

    private static readonly ListShape<string> Globs = new(new TextShape(), acceptSingle: true);

    // ---- services -------------------------------------------------------------------------------

    private static readonly ObjectShape<HealthCheck> Health = new("health", "HTTP probes of each instance.", f => new HealthCheck
    {
        Readiness = f.OptionalOrNull("readiness", UrlPath, "Path answering 2xx when the instance can take traffic; gates every traffic switch. Without it, an open port counts as ready."),
        Liveness = f.OptionalOrNull("liveness", UrlPath, "Path answering 2xx while the process is healthy; repeated failures restart the instance."),
        Interval = f.Optional("interval", PositiveDuration, "Time between probes.", Duration.FromSeconds(1)),
        Timeout = f.Optional("timeout", PositiveDuration, "How long one probe may take.", Duration.FromSeconds(2)),
        StartPeriod = f.Optional("start_period", AnyDuration, "Liveness failures do not count for this long after a start.", Duration.FromSeconds(30)),
        FailureThreshold = f.Optional("failure_threshold", new IntegerShape(1, 100), "Consecutive failures that make an instance unready, or restart it.", 3),
    });

    private static readonly HealthCheck DefaultHealth = Bind(Health);

    private static readonly ObjectShape<Route> RouteShape = new("route", "How the edge proxy routes requests to the service.", f => new Route
    {
        Host = f.Required("host", Host, "Host name the service answers on (e.g. shop.localhost).", ""),
        Path = f.Optional("path", UrlPath, "Path prefix routed to the service.", "/"),
    });

    private static readonly ObjectShape<Resources> ResourcesShape = new("resources", "What one instance may use.", f => new Resources
    {
        Cpu = f.OptionalValue("cpu", new NumberShape(0.01, 256), "CPU cores (0.5 is half a core)."),
        Memory = f.OptionalValue("memory", new SizeShape(), "Memory limit (512Mi, 2Gi)."),
    });

    private static readonly ObjectShape<ScalePolicy> Scale = new("scale", "How many instances run, and when to add or remove some.", f =>
    {
        var min = f.Optional("min", new IntegerShape(0, 1000), "Fewest instances.", 1);
        var max = f.OptionalValue("max", new IntegerShape(0, 1000), "Most instances (default: min).");
        return new ScalePolicy
        {
            Min = min,
            Max = max ?? min,
            Cpu = f.OptionalValue("cpu", new PercentageShape(allowZero: false), "Average CPU use above which instances are added (the seeds use 70%)."),
            Memory = f.OptionalValue("memory", new PercentageShape(allowZero: false), "Average memory use above which instances are added (the seeds use 80%)."),
        };
    });

    private static readonly ObjectShape<Service> ServiceShape = new ObjectShape<Service>("service", "A long-running process Capstan deploys, routes to and watches.", f =>
    {
        var replicas = f.OptionalValue("replicas", new IntegerShape(0, 1000), "A fixed number of instances (shorthand for scale: {min: N, max: N}).");
        var scale = f.OptionalOrNull("scale", Scale, "Instance count bounds and autoscaling targets.");
        return new Service
        {
            Name = f.Name,
            Artifact = f.OptionalOrNull("artifact", Name, "The pipeline job whose artifact this service runs; without it, the service runs from the project folder."),
            Run = f.Required("run", RequiredValue, "Command that starts one instance; it must listen on 127.0.0.1:${PORT}.", Template.Literal("")),
            WorkingDirectory = f.OptionalOrNull("working_directory", ProjectPath, "Folder the command starts in, relative to the artifact (or project) root."),
            Health = f.Optional("health", Health, "HTTP health probes.", DefaultHealth),
            Route = f.OptionalOrNull("route", RouteShape, "Where the edge proxy routes requests from; without it the service gets no traffic from the edge."),
            Resources = f.OptionalOrNull("resources", ResourcesShape, "CPU and memory limits of one instance."),
            Scale = scale ?? new ScalePolicy { Min = replicas ?? 1, Max = replicas ?? 1 },
            Env = f.Optional("env", EnvMap, "Environment variables of every instance; values may use ${secret:NAME} and ${VAR}.", Empty<Template>()),
            GracePeriod = f.Optional("grace_period", AnyDuration, "Time between SIGTERM and SIGKILL when an instance stops.", Duration.FromSeconds(30)),
            DrainTimeout = f.Optional("drain_timeout", AnyDuration, "How long in-flight requests may take once traffic moves away from an instance.", Duration.FromSeconds(30)),
            Metrics = f.OptionalOrNull("metrics", UrlPath, "Path of the instances' Prometheus metrics (e.g. /metrics), scraped every 15 s."),
        };
    }).AtMostOneOf("replicas", "scale");

    // ---- pipeline -------------------------------------------------------------------------------

    private static readonly ChoiceShape<JobCondition> Condition = new(
        ("success()", JobCondition.Success), ("failure()", JobCondition.Failure), ("always()", JobCondition.Always));

    private static readonly ObjectShape<RetryPolicy> Retry = new("retry", "Attempts of a failing job.", f => new RetryPolicy
    {
        Attempts = f.Optional("attempts", new IntegerShape(1, 10), "Total attempts, the first one included.", 1),
        Backoff = f.Optional("backoff", AnyDuration, "Wait before the second attempt; doubles for each further one.", Duration.FromSeconds(5)),
    });

    private static readonly ObjectShape<JobCache> Cache = new("cache", "A dependency cache restored before and saved after the job.", f => new JobCache
    {
        Key = f.Required("key", new ListShape<string>(ProjectPath, acceptSingle: true, minItems: 1), "Files whose content keys the cache (lock files).", []),
        Paths = f.Required("paths", new ListShape<string>(AnyPath, acceptSingle: true, minItems: 1), "Folders saved and restored.", []),
    });

    private static readonly ObjectShape<JobStep> Step = new("step", "One named script of a job.", f => new JobStep
    {
        Name = f.OptionalOrNull("name", Text, "Name shown in logs."),
        Run = f.Required("run", Script, "Bash script (bash -e -o pipefail).", Template.Literal("", TemplateKind.Script)),
        Env = f.Optional("env", EnvMap, "Variables of this step, over the job's.", Empty<Template>()),
        Timeout = f.OptionalValue("timeout", PositiveDuration, "Longest the step may run."),
        ContinueOnError = f.Optional("continue_on_error", Boolean, "A failure of this step does not fail the job.", false),
    });

    private static readonly ObjectShape<Job> JobShape = new ObjectShape<Job>("job", "A pipeline job.", f => new Job
    {
        Name = f.Name,
        Needs = f.Optional("needs", new ListShape<string>(Name, acceptSingle: true, unique: true), "Jobs that must end before this one starts.", []),
        Run = f.OptionalOrNull("run", Script, "Bash script run with bash -e -o pipefail (give run or steps)."),
        Steps = f.Optional("steps", new ListShape<JobStep>(Step, minItems: 1), "Named scripts run in order (give run or steps).", []),
        Env = f.Optional("env", EnvMap, "Variables of the job, over the pipeline's.", Empty<Template>()),
        Secrets = f.Optional("secrets", new ListShape<string>(SecretName, acceptSingle: true, unique: true), "Secrets injected as environment variables of the same name.", []),
        If = f.Optional("if", Condition, "When the job runs, given how the jobs it needs ended.", JobCondition.Success),
        Timeout = f.Optional("timeout", PositiveDuration, "Longest the job may run; past it the job is killed and reported as timed out.", Duration.FromMinutes(30)),
        Retry = f.Optional("retry", Retry, "Attempts of a failing job.", RetryPolicy.None),
        ContinueOnError = f.Optional("continue_on_error", Boolean, "A failure of this job does not fail the pipeline.", false),
        WorkingDirectory = f.OptionalOrNull("working_directory", ProjectPath, "Folder the scripts run in, relative to capstan.yaml."),
        Cache = f.OptionalOrNull("cache", Cache, "Dependency cache."),
        Inputs = f.Optional("inputs", Globs, "Globs of the files the job reads; an unchanged job is skipped.", []),
        Artifact = f.OptionalOrNull("artifact", ProjectPath, "Path the job produces, packaged as the artifact that services deploy."),
        Reports = f.Optional("reports", Globs, "Globs of JUnit XML and TRX test reports.", []),
    }).ExactlyOneOf("run", "steps");

    private static readonly ObjectShape<Pipeline> PipelineShape = new("pipeline", "The CI/CD pipeline.", f => new Pipeline
    {
        Env = f.Optional("env", EnvMap, "Variables every job gets.", Empty<Template>()),
        Jobs = f.Required("jobs", new MapShape<Job>(ResourceName, JobShape, "job names to jobs"), "The jobs, by name.", Empty<Job>()),
    });

    // ---- environments ---------------------------------------------------------------------------

    private static readonly ObjectShape<CanaryThresholds> Thresholds = new("abort_if", "What makes a canary abort.", f => new CanaryThresholds
    {
        ErrorRateIncrease = f.Optional("error_rate_increase", UpTo100, "Canary error rate minus stable error rate, in percentage points.", CanaryThresholds.Default.ErrorRateIncrease),
        P95Increase = f.Optional("p95_increase", Relative, "Canary p95 latency over stable p95 latency, relative.", CanaryThresholds.Default.P95Increase),
        ErrorRate = f.Optional("error_rate", UpTo100, "Ceiling on the canary's own error rate.", CanaryThresholds.Default.ErrorRate),
    });

    private static readonly ObjectShape<RecreateStrategy> RecreateOptions = new("recreate_options", "Recreate takes no settings.", _ => new RecreateStrategy());

    private static readonly ObjectShape<RollingStrategy> RollingOptions = new("rolling_options", "Rolling update settings.", f =>
    {
        var rolling = new RollingStrategy
        {
            MaxSurge = f.Optional("max_surge", new IntegerShape(0, 100), "Instances allowed above the desired count during the rollout.", 1),
            MaxUnavailable = f.Optional("max_unavailable", new IntegerShape(0, 100), "Instances allowed below the desired count during the rollout.", 0),
        };
        if (rolling is { MaxSurge: 0, MaxUnavailable: 0 })
        {
            f.Error("max_surge", ErrorCodes.OutOfRange, $"{SourceMap.Display(f.Path)} has max_surge 0 and max_unavailable 0, so the rollout can never replace an instance; allow one of them");
        }

        return rolling;
    });

    private static readonly ObjectShape<BlueGreenStrategy> BlueGreenOptions = new("blue_green_options", "Blue-green settings.", f => new BlueGreenStrategy
    {
        Retention = f.Optional("retention", AnyDuration, "How long the previous set keeps running for an instant rollback.", BlueGreenStrategy.Default.Retention),
    });

    private static readonly string[] StrategyKinds = ["recreate", "rolling", "blue-green", "canary"];
    private static readonly string[] CanaryOnly = ["pause", "abort_if", "min_requests"];

    private static readonly ObjectShape<DeploymentStrategy> DetailedStrategy = new("strategy", "One strategy with its settings.", f =>
    {
        var recreate = f.OptionalOrNull("recreate", RecreateOptions, "Stop the old instances, then start the new ones.");
        var rolling = f.OptionalOrNull("rolling", RollingOptions, "Replace instances a few at a time.");
        var blueGreen = f.OptionalOrNull("blue-green", BlueGreenOptions, "Start a full new set, switch all traffic at once, keep the old set for rollback.");
        var steps = f.OptionalOrNull("canary", new ListShape<Percentage>(new PercentageShape(allowZero: false), minItems: 1), "Traffic steps of a canary, ending at 100%.");
        var pause = f.Optional("pause", PositiveDuration, "Time at each canary step before its analysis decides.", Duration.FromSeconds(30));
        var abortIf = f.Optional("abort_if", Thresholds, "What makes the canary abort.", CanaryThresholds.Default);
        var minRequests = f.Optional("min_requests", new IntegerShape(1, 1_000_000), "Requests the canary must serve in a step before a verdict.", 50);
        var written = f.InFileOrder(StrategyKinds.Where(f.IsWritten));
        if (written.Length == 0)
        {
            f.Error("", ErrorCodes.ConflictingKeys, $"{SourceMap.Display(f.Path)} needs one of 'recreate', 'rolling', 'blue-green' or 'canary'");
            return RollingStrategy.Default;
        }

        if (written.Length > 1)
        {
            f.Error(written[1], ErrorCodes.ConflictingKeys, $"{SourceMap.Display(f.Path)} has both '{written[0]}' and '{written[1]}'; give one strategy");
        }

        if (written[0] != "canary")
        {
            foreach (var key in CanaryOnly.Where(f.IsWritten))
            {
                f.Error(key, ErrorCodes.ConflictingKeys, $"'{key}' in {SourceMap.Display(f.Path)} applies to the canary strategy only");
            }
        }

        return written[0] switch
        {
            "recreate" => recreate ?? new RecreateStrategy(),
            "rolling" => rolling ?? RollingStrategy.Default,
            "blue-green" => blueGreen ?? BlueGreenStrategy.Default,
            _ => new CanaryStrategy { Steps = steps ?? CanaryStrategy.DefaultSteps, Pause = pause, AbortIf = abortIf, MinRequests = minRequests },
        };
    });

    private static readonly StrategyShape Strategy = new(
        new ChoiceShape<DeploymentStrategy>(
            ("recreate", new RecreateStrategy()),
            ("rolling", RollingStrategy.Default),
            ("blue-green", BlueGreenStrategy.Default),
            ("canary", new CanaryStrategy { Steps = CanaryStrategy.DefaultSteps, Pause = Duration.FromSeconds(30), AbortIf = CanaryThresholds.Default, MinRequests = 50 })),
        DetailedStrategy);

    private static readonly ObjectShape<ApprovalPolicy> Approval = new("approval", "Approvals a deployment waits for.", f => new ApprovalPolicy
    {
        Reviewers = f.Optional("reviewers", new IntegerShape(1, 20), "Distinct people, other than the deployer, who must approve.", 1),
        Timeout = f.Optional("timeout", PositiveDuration, "How long a deployment waits for approval before it expires.", new Duration(TimeSpan.FromHours(24))),
    });

    private static readonly FreezePointShape PointInTime = new();

    private static readonly ObjectShape<FreezeWindow?> FreezeDetail = new("freeze_window", "A span of time when deployments are refused unless forced.", f =>
    {
        var from = f.Required("from", PointInTime, "Start, inclusive: a weekday and time (Fri 16:00) for every week, or a date and time (2026-12-24 00:00) for once.", null);
        var to = f.Required("to", PointInTime, "End, exclusive, written like from; a weekly window may wrap the week's end (Fri to Mon).", null);
        var zone = f.Optional("timezone", new TimeZoneShape(), "IANA time zone the times are read in.", TimeZoneInfo.Utc);
        var reason = f.OptionalOrNull("reason", Text, "Why deployments are frozen; shown when one is refused.");
        if (from is not { } start || to is not { } end)
        {
            return null;
        }

        if (!FreezeSyntax.TryCombine(start, end, zone, reason, out var window, out var problem))
        {
            f.ErrorAtValue("to", ErrorCodes.InvalidFreezeWindow, $"{SourceMap.Display(f.Path)}: {problem}");
            return null;
        }

        return window;
    });

    private static readonly ObjectShape<DeploymentEnvironment> EnvironmentShape = new("environment", "A place the application is deployed to.", f => new DeploymentEnvironment
    {
        Name = f.Name,
        Strategy = f.Optional("strategy", Strategy, "How a new release replaces the running one.", RollingStrategy.Default),
        Requires = f.Optional("requires", new ListShape<string>(Name, acceptSingle: true, unique: true), "Environments where the same artifact must have been deployed successfully first.", []),
        Approval = f.OptionalOrNull("approval", Approval, "Approvals required before deploying."),
        Env = f.Optional("env", EnvMap, "Variables for every service in this environment, over the services' own.", Empty<Template>()),
        Smoke = f.OptionalOrNull("smoke", Script, "Script run against the new instances before traffic switches ($CAPSTAN_TARGET_URL points at one)."),
        ProgressDeadline = f.Optional("progress_deadline", PositiveDuration, "How long new instances may take to become ready before the deployment fails.", DeploymentEnvironment.DefaultProgressDeadline),
        Freeze = f.Optional("freeze", new ListShape<FreezeWindow>(new FreezeWindowShape(FreezeDetail)), "Times when deployments are refused unless forced with a reason; rollbacks are never refused.", []),
    });

    // ---- alerts and notifications ---------------------------------------------------------------

    private static readonly ChoiceShape<AlertSeverity> Severity = new(
        ("critical", AlertSeverity.Critical), ("warning", AlertSeverity.Warning), ("info", AlertSeverity.Info));

    private static readonly AlertConditionShape ConditionShape = new();

    private static readonly ObjectShape<AlertRule> Alert = new("alert", "An alert rule.", f => new AlertRule
    {
        Name = f.Required("name", AlertName, "Unique name (HighErrorRate).", ""),
        When = f.Required("when", ConditionShape, "Condition, e.g. \"error_rate(api) > 1%\".", AlertConditionShape.Placeholder),
        For = f.Optional("for", AnyDuration, "How long the condition must hold before the alert fires.", new Duration(TimeSpan.Zero)),
        Severity = f.Optional("severity", Severity, "critical pages at once, warning notifies the channel, info records.", AlertSeverity.Warning),
        Runbook = f.OptionalOrNull("runbook", Text, "What to do: a path in the repository or a URL."),
        Notify = f.Optional("notify", new ListShape<string>(Name, acceptSingle: true, unique: true), "Notification channels to send to.", []),
        Labels = f.Optional("labels", new MapShape<string>(LabelName, new TextShape(allowEmpty: true), "label names to values"), "Extra labels for routing and grouping.", Empty<string>()),
        Summary = f.OptionalOrNull("summary", Text, "One line shown in notifications."),
        Guard = f.Optional("guard", Boolean, "While firing, block deployments of the environment (rollback stays allowed).", false),
    });

    private static readonly ObjectShape<EmailSettings> EmailShape = new("email", "Email over SMTP.", f => new EmailSettings(
        f.Required("to", new ListShape<string>(Email, acceptSingle: true, minItems: 1), "Recipients.", []),
        f.OptionalOrNull("from", Email, "Sender address."),
        f.Required("smtp", RequiredValue, "SMTP server URL, smtp://user:password@host:587; use ${secret:NAME}.", Template.Literal(""))));

    private static readonly ObjectShape<NotificationChannel> Channel = new ObjectShape<NotificationChannel>("channel", "Where notifications go.", f =>
    {
        var webhook = f.OptionalOrNull("webhook", RequiredValue, "URL receiving an Alertmanager-compatible JSON POST; use ${secret:NAME} when it carries a token.");
        var slack = f.OptionalOrNull("slack", RequiredValue, "Slack-compatible incoming webhook URL; use ${secret:NAME}.");
        var email = f.OptionalOrNull("email", EmailShape, "Email recipients and SMTP server.");
        var command = f.OptionalOrNull("command", Script, "Script receiving the notification as JSON on stdin.");
        NotificationChannel channel = (webhook, slack, email, command) switch
        {
            (not null, _, _, _) => new WebhookChannel { Name = f.Name, Url = webhook },
            (_, not null, _, _) => new SlackChannel { Name = f.Name, Url = slack },
            (_, _, not null, _) => new EmailChannel { Name = f.Name, To = email.To, From = email.From, Smtp = email.Smtp },
            _ => new CommandChannel { Name = f.Name, Command = command ?? Template.Literal("", TemplateKind.Script) },
        };
        return channel;
    }).ExactlyOneOf("webhook", "slack", "email", "command");

    // Each severity's keys default to that severity's timings: a critical block that sets only repeat_interval still
    // notifies at once.
    private static ObjectShape<RouteTimings> Timings(string severity, RouteTimings defaults) => new($"route_timings_{severity}", $"When {severity} notifications go out.", f => new RouteTimings(
        f.Optional("group_wait", AnyDuration, "Wait before a new group's first notification, for more alerts to join it.", defaults.GroupWait),
        f.Optional("group_interval", PositiveDuration, "Wait before notifying changes of a group already notified.", defaults.GroupInterval),
        f.Optional("repeat_interval", PositiveDuration, "Wait before repeating an unchanged, unacknowledged firing alert.", defaults.RepeatInterval)));

    private static readonly ObjectShape<AlertRouting> Routing = new("routing", "Notification timings per severity; info alerts are recorded, never sent.", f => new AlertRouting(
        f.Optional("critical", Timings("critical", RouteTimings.Critical), "Timings of critical alerts (default: at once, updates after 1m, repeats every 1h).", RouteTimings.Critical),
        f.Optional("warning", Timings("warning", RouteTimings.Warning), "Timings of warnings (default: 30s, 5m, 4h, as Alertmanager).", RouteTimings.Warning)));

    private static readonly ObjectShape<OnCallPolicy> OnCall = new("oncall", "Who is paged, in turns, and when a page escalates.", f =>
    {
        var people = f.Required("people", new MapShape<string>(ResourceName, Name, "people to the channel that pages them"), "People in rotation order, each with the notification channel that pages them.", Empty<string>());
        var shift = f.Optional("shift", PositiveDuration, "Length of one person's turn.", new Duration(TimeSpan.FromDays(7)));
        var handoff = f.Optional("handoff", PointInTime, "When a turn starts: a weekday and time (Mon 09:00) or a date and time (2026-01-05 09:00).", null);
        var zone = f.Optional("timezone", new TimeZoneShape(), "IANA time zone the handoff is read in.", TimeZoneInfo.Utc);
        var escalate = f.OptionalValue("escalate_after", PositiveDuration, "Time a page may go unacknowledged before the next person is paged (default: the severity's response target).");
        if (people.Count == 0)
        {
            f.Error("people", ErrorCodes.OutOfRange, $"{SourceMap.Display(f.Path)}/people names nobody; a rotation needs at least one person");
        }

        // A weekly handoff counts from the week of Monday 2024-01-01; shifts then follow each other from it.
        var anchor = handoff switch
        {
            { Day: { } day } point => new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Unspecified).AddDays(((int)day + 6) % 7) + point.Time.ToTimeSpan(),
            { } point => point.DateTime,
            null => new DateTime(2024, 1, 1, 9, 0, 0, DateTimeKind.Unspecified),
        };
        return new OnCallPolicy
        {
            People = [.. people.Select(p => new OnCallPerson(p.Key, p.Value))],
            Shift = shift,
            Handoff = anchor,
            TimeZone = zone,
            EscalateAfter = escalate,
        };
    });

    // ---- backups and secrets --------------------------------------------------------------------

    private static readonly ObjectShape<BackupRetention> Retention = new ObjectShape<BackupRetention>("keep", "How many backups to keep per period; periods not written keep none.", f =>
    {
        var keep = new BackupRetention
        {
            Hourly = f.Optional("hourly", new IntegerShape(0, 10_000), "Hourly backups kept.", 0),
            Daily = f.Optional("daily", new IntegerShape(0, 10_000), "Daily backups kept.", 0),
            Weekly = f.Optional("weekly", new IntegerShape(0, 10_000), "Weekly backups kept.", 0),
            Monthly = f.Optional("monthly", new IntegerShape(0, 10_000), "Monthly backups kept.", 0),
        };
        if (!f.IsDescribing && keep is { Hourly: 0, Daily: 0, Weekly: 0, Monthly: 0 })
        {
            f.Error("", ErrorCodes.OutOfRange, $"{SourceMap.Display(f.Path)} keeps no backup at all; keep at least one period (the seeds keep daily: 30)");
        }

        return keep;
    }).RejectsEmpty();

    private static readonly ChoiceShape<VerifyFrequency> Verify = new(
        ("never", VerifyFrequency.Never), ("every", VerifyFrequency.EveryBackup), ("daily", VerifyFrequency.Daily),
        ("weekly", VerifyFrequency.Weekly), ("monthly", VerifyFrequency.Monthly));

    /// <summary>Stands for a schedule that is missing or invalid (already reported), so that no check runs on it.</summary>
    internal static readonly CronExpression InvalidSchedule = CronExpression.Parse("@daily");

    private static readonly ObjectShape<BackupPolicy> Backup = new ObjectShape<BackupPolicy>("backup", "What is backed up, when, for how long, and how restores are proven.", f =>
    {
        var sqlite = f.OptionalOrNull("sqlite", DataPath, "SQLite database file: relative to the service's data folder, or absolute.");
        var postgres = f.OptionalOrNull("postgres", RequiredValue, "PostgreSQL connection URL; use ${secret:NAME}.");
        var directory = f.OptionalOrNull("directory", DataPath, "Folder to archive: relative to the service's data folder, or absolute.");
        return new BackupPolicy
        {
            Name = f.Name,
            Kind = sqlite is not null ? BackupSourceKind.Sqlite : postgres is not null ? BackupSourceKind.Postgres : BackupSourceKind.Directory,
            Path = sqlite ?? directory,
            ConnectionUrl = postgres,
            Service = f.OptionalOrNull("service", Name, "The service whose data folder relative paths start from (default: the only service)."),
            Schedule = f.Required("schedule", new CronShape(), "When backups run, as a 5-field cron expression in UTC.", InvalidSchedule),
            Keep = f.Optional("keep", Retention, "How many backups to keep per period.", BackupRetention.Default),
            Verify = f.Optional("verify", Verify, "How often a backup is restored to prove it works.", VerifyFrequency.Daily),
            Rpo = f.Optional("rpo", PositiveDuration, "Recovery point objective: the most data, in time, a restore may lose.", new Duration(TimeSpan.FromHours(1))),
            Rto = f.Optional("rto", PositiveDuration, "Recovery time objective: the longest a restore may take.", new Duration(TimeSpan.FromHours(4))),
        };
    }).ExactlyOneOf("sqlite", "postgres", "directory");

    private static readonly ObjectShape<SecretDeclaration> Secret = new("secret", "A secret the application uses; its values live encrypted in Capstan's store.", f => new SecretDeclaration
    {
        Name = f.Name,
        Description = f.OptionalOrNull("description", Text, "What the secret is for."),
        Rotate = f.OptionalValue("rotate", PositiveDuration, "Maximum age before rotation is due (seeds: 90d for database credentials, 30d for API keys)."),
        RotateCommand = f.OptionalOrNull("rotate_command", Script, "Script that makes a new value effective; it receives the value on stdin."),
        Grace = f.OptionalValue("grace", AnyDuration, "How long a replaced version stays readable after a rotation, so running releases keep working (default 24h)."),
    });

    // ---- the document ---------------------------------------------------------------------------

    public static readonly ObjectShape<CapstanManifest> Document = new("capstan", "capstan.yaml: everything about one application's operations.", f => new CapstanManifest
    {
        Version = f.Required("version", new IntegerShape(CapstanManifest.CurrentVersion, CapstanManifest.CurrentVersion), "Manifest format version; this Capstan reads 1.", CapstanManifest.CurrentVersion),
        App = f.Required("app", AppName, "Application name.", ""),
        Services = f.Optional("services", new MapShape<Service>(ResourceName, ServiceShape, "service names to services"), "Long-running processes, by name.", Empty<Service>()),
        Pipeline = f.Optional("pipeline", PipelineShape, "The CI/CD pipeline.", Pipeline.Empty),
        Environments = f.Optional("environments", new MapShape<DeploymentEnvironment>(ResourceName, EnvironmentShape, "environment names to environments"), "Deployment targets, by name, in promotion order.", Empty<DeploymentEnvironment>()),
        Alerts = f.Optional("alerts", new ListShape<AlertRule>(Alert), "Alert rules.", []),
        Notifications = f.Optional("notifications", new MapShape<NotificationChannel>(ResourceName, Channel, "channel names to channels"), "Notification channels, by name.", Empty<NotificationChannel>()),
        Routing = f.Optional("routing", Routing, "Notification timings per severity.", AlertRouting.Default),
        OnCall = f.OptionalOrNull("oncall", OnCall, "The on-call rotation and its escalation."),
        Backups = f.Optional("backups", new MapShape<BackupPolicy>(ResourceName, Backup, "backup names to backups"), "Backups, by name.", Empty<BackupPolicy>()),
        Secrets = f.Optional("secrets", new MapShape<SecretDeclaration>(VariableName, Secret, "secret names to declarations"), "Secrets the application uses, by name.", Empty<SecretDeclaration>()),
    });

    /// <summary>Every naming rule with its JSON Schema pattern, for the test that both agree.</summary>
    internal static IEnumerable<(string Name, Func<string, bool> IsValid, string JsonPattern)> NameRules()
    {
        yield return ("app", Names.IsAppName, "^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$");
        yield return ("resource", ResourceName.IsValid, ResourceName.JsonPattern);
        yield return ("variable", VariableName.IsValid, VariableName.JsonPattern);
        yield return ("alert", Names.IsAlertName, "^[A-Za-z][A-Za-z0-9_-]{0,127}$");
        yield return ("host", Names.IsHost, HostPattern);
        yield return ("url path", Names.IsUrlPath, UrlPathPattern);
        yield return ("email", Names.IsEmail, EmailPattern);
    }

    /// <summary>Every object shape, for documentation checks.</summary>
    internal static IEnumerable<(string Definition, IReadOnlyList<FieldInfo> Fields)> Objects()
    {
        yield return ("capstan", Document.FieldList);
        yield return ("service", ServiceShape.FieldList);
        yield return ("health", Health.FieldList);
        yield return ("route", RouteShape.FieldList);
        yield return ("resources", ResourcesShape.FieldList);
        yield return ("scale", Scale.FieldList);
        yield return ("pipeline", PipelineShape.FieldList);
        yield return ("job", JobShape.FieldList);
        yield return ("step", Step.FieldList);
        yield return ("retry", Retry.FieldList);
        yield return ("cache", Cache.FieldList);
        yield return ("environment", EnvironmentShape.FieldList);
        yield return ("strategy", DetailedStrategy.FieldList);
        yield return ("rolling_options", RollingOptions.FieldList);
        yield return ("blue_green_options", BlueGreenOptions.FieldList);
        yield return ("abort_if", Thresholds.FieldList);
        yield return ("approval", Approval.FieldList);
        yield return ("freeze_window", FreezeDetail.FieldList);
        yield return ("alert", Alert.FieldList);
        yield return ("channel", Channel.FieldList);
        yield return ("email", EmailShape.FieldList);
        yield return ("backup", Backup.FieldList);
        yield return ("keep", Retention.FieldList);
        yield return ("secret", Secret.FieldList);
    }

    /// <summary>The JSON Schema (draft 2020-12) of capstan.yaml.</summary>
    public static JsonObject JsonSchema()
    {
        var builder = new SchemaBuilder();
        var root = Document.ToJsonSchema(builder);
        return new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$id"] = "https://capstan.dev/schema/capstan.v1.json",
            ["title"] = "capstan.yaml",
            ["description"] = "One file describing an application's operations: services, pipeline, environments, alerts, notifications, backups and secrets.",
            ["$ref"] = root["$ref"]!.DeepClone(),
            ["$defs"] = builder.Definitions(),
        };
    }

    private static HealthCheck Bind(ObjectShape<HealthCheck> shape)
    {
        // The health defaults are those of an empty health mapping.
        var bag = new DiagnosticBag("");
        shape.TryBind(new YamlMapping([], SourcePosition.Start, SourcePosition.Start), new BindContext(bag, new SourceMap("")), "/health", out var value);
        return value;
    }

    private static IReadOnlyDictionary<string, T> Empty<T>() => new Dictionary<string, T>();








    private sealed record EmailSettings(IReadOnlyList<string> To, string? From, Template Smtp);
}

/// <summary>An alert condition written as one string.</summary>
internal sealed class AlertConditionShape : ScalarShape<AlertCondition>
{
    /// <summary>Stands for a condition that failed to parse, so that binding can go on.</summary>
    public static readonly AlertCondition Placeholder = new()
    {
        Text = "",
        Function = "up",
        IsSeries = false,
        Arguments = [],
        Labels = new Dictionary<string, string>(),
        Operator = ComparisonOperator.GreaterThan,
        Threshold = new AlertThreshold(ThresholdKind.Number, 0, "0"),
    };

    public override string Expectation => AlertConditionParser.Expectation;

    protected override bool TryParse(YamlScalar scalar, BindContext context, string path, out AlertCondition value)
    {
        var condition = AlertConditionParser.Parse(scalar.Value, out var error);
        if (condition is null)
        {
            value = Placeholder;
            return Fail(scalar, context, path, ErrorCodes.InvalidAlertCondition, error);
        }

        for (var i = 0; i < condition.Arguments.Count; i++)
        {
            context.Map.RecordInside(SourceMap.Child(path, i), scalar.PositionOf(condition.Arguments[i].Offset));
        }

        value = condition;
        return true;
    }

    internal override JsonObject ToJsonSchema(SchemaBuilder schema) =>
        new() { ["type"] = "string", ["minLength"] = 1, ["description"] = Expectation };
}
