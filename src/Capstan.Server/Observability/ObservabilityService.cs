using Capstan.Deployments.Agent;
using Capstan.Deployments.Control;
using Capstan.Manifest.Model;
using Capstan.Observability;
using Capstan.Observability.Alerting;
using Capstan.Observability.Exposition;
using Capstan.Observability.Incidents;
using Capstan.Observability.Metrics;
using Capstan.Runtime.Instances;
using Capstan.Secrets.Audit;
using Capstan.Secrets.Masking;
using Capstan.Secrets.Resolution;
using Capstan.Secrets.Vault;
using Capstan.State;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using IncidentRecord = Capstan.State.Incident;
using StoredAlert = Capstan.State.AlertState;

namespace Capstan.Server.Observability;

/// <summary>
/// The server's watch: once a second it samples the edge's requests into the series store, evaluates capstan.yaml's
/// alert rules, routes what fires (grouping, silences, inhibition, acknowledgements) to the receivers with retries,
/// opens incidents for critical alerts, pages the on-call rotation and escalates, and tells the deployment controller
/// which guard alerts fire. Instances and the host are sampled every 5 s, services' <c>/metrics</c> every 15 s, TLS
/// certificates hourly and secret ages every minute. Everything it decides is saved in the state store.
/// </summary>
public sealed class ObservabilityService : IAsyncDisposable
{
    public static readonly TimeSpan EvaluationInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan ResourceInterval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan ScrapeInterval = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan ScrapeTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan CertificateInterval = TimeSpan.FromHours(1);
    public static readonly TimeSpan SecretInterval = TimeSpan.FromMinutes(1);

    private readonly string _app;
    private readonly string _capstanDirectory;
    private readonly IStateStore _store;
    private readonly LocalAgent _agent;
    private readonly DeploymentController _controller;
    private readonly SecretVault _vault;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly HttpClient _http = new();
    private readonly EdgeRequestFeed _edge = new();
    private readonly HostCollector _host;
    private readonly InstanceCollector _instances;
    private readonly CertificateProbe _certificates;
    private readonly MetricsScraper _scraper;
    private readonly MetricsConditionSource _source;
    private readonly IncidentManager _incidents;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly HashSet<string> _seenDeployments = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _guarded = new(StringComparer.Ordinal);
    private readonly HashSet<(string Environment, string Name, int Version)> _seenSecrets = [];
    private CapstanManifest _manifest;
    private string? _manifestText;
    private RuleEvaluator _evaluator;
    private AlertDispatcher _dispatcher;
    private DeliveryQueue _deliveries;
    private SecretMasker _masker = SecretMasker.Empty;
    private EscalationPolicy? _escalation;
    private DateTimeOffset _nextResources = DateTimeOffset.MinValue;
    private DateTimeOffset _nextScrape = DateTimeOffset.MinValue;
    private DateTimeOffset _nextCertificates = DateTimeOffset.MinValue;
    private DateTimeOffset _nextSecrets = DateTimeOffset.MinValue;
    private Task _scraping = Task.CompletedTask;
    private Task _loop = Task.CompletedTask;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Task, bool> _deliveryRuns = new();
    private int _disposed;

    private ObservabilityService(CapstanManifest manifest, IStateStore store, LocalAgent agent, DeploymentController controller, SecretVault vault, string capstanDirectory, TimeProvider clock, ILogger? logger)
    {
        _app = manifest.App;
        _capstanDirectory = capstanDirectory;
        _manifest = manifest;
        _store = store;
        _agent = agent;
        _controller = controller;
        _vault = vault;
        _clock = clock;
        _logger = logger ?? NullLogger.Instance;
        Series = new SeriesStore(clock: clock);
        _host = new HostCollector(Series, [capstanDirectory]);
        _instances = new InstanceCollector(Series);
        _certificates = new CertificateProbe(Series);
        _scraper = new MetricsScraper(_http, clock);
        _source = new MetricsConditionSource(Series);
        _incidents = new IncidentManager(store.Incidents, clock);
        _evaluator = new RuleEvaluator(manifest.Alerts, _source);
        _dispatcher = new AlertDispatcher(manifest.Alerts, OptionsOf(manifest));
        _deliveries = new DeliveryQueue(new Dictionary<string, INotificationReceiver>(), _masker);
    }

    /// <summary>Every series Capstan keeps, for <c>/metrics</c> and <c>capstan metrics</c>.</summary>
    public SeriesStore Series { get; }

    public string App => _app;

    /// <summary>The on-call person now, when capstan.yaml has a rotation.</summary>
    public string? OnCallNow => _escalation?.Schedule.At(_clock.GetUtcNow()).Person;

    /// <summary>Starts the watch: restores alert states, silences and acknowledgements from the store, then ticks every second.</summary>
    public static async Task<ObservabilityService> StartAsync(
        CapstanManifest manifest, IStateStore store, LocalAgent agent, DeploymentController controller, SecretVault vault, string capstanDirectory, TimeProvider clock, ILogger? logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var service = new ObservabilityService(manifest, store, agent, controller, vault, capstanDirectory, clock, logger);
        await service.ApplyManifestAsync(manifest, restore: true, cancellationToken).ConfigureAwait(false);
        service._loop = Task.Run(() => service.RunAsync(service._stopping.Token), CancellationToken.None);
        return service;
    }

    /// <summary>
    /// A capstan.yaml sent with a deploy: when its text changed, its rules, channels and rotation apply at once,
    /// keeping every alert's state, silences, acknowledgements and what was notified. Deliveries still waiting for a
    /// retry are retried through the new channels (<see cref="DeliveryQueue.HandOver"/>).
    /// </summary>
    public async Task UpdateManifestAsync(CapstanManifest manifest, string text, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (text == _manifestText)
            {
                return;
            }

            await ApplyManifestAsync(manifest, restore: false, cancellationToken).ConfigureAwait(false);
            _manifestText = text;

            // The new dispatcher learns the current alerts now, so that acknowledgements and the API see them at once.
            var now = _clock.GetUtcNow();
            _deliveries.Enqueue(_dispatcher.Dispatch(_evaluator.Alerts, now), now);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task ApplyManifestAsync(CapstanManifest manifest, bool restore, CancellationToken cancellationToken)
    {
        IEnumerable<Alert>? previous = _evaluator.Alerts;
        var dispatcherState = _dispatcher.Snapshot();
        if (restore)
        {
            dispatcherState = dispatcherState with { NotificationLog = ReadNotificationLog() };
            var stored = await _store.Alerts.ListActiveAsync(_app, cancellationToken).ConfigureAwait(false);
            previous = [.. stored.Select(a => ToAlert(a, manifest)).OfType<Alert>()];
            var silences = await _store.Silences.ListActiveAsync(_app, _clock.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            dispatcherState = dispatcherState with
            {
                Silences = [.. silences.Select(s => new Capstan.Observability.Alerting.Silence
                {
                    Id = s.Id,
                    Matchers = LabelSet.From(s.Matchers),
                    StartsAt = s.StartsAt,
                    EndsAt = s.EndsAt,
                    CreatedBy = s.CreatedBy,
                    CreatedAt = s.StartsAt,
                    Reason = s.Reason,
                })],
                Acknowledgements = [.. stored.Where(a => a.AcknowledgedBy is not null && a.ActiveSince is not null)
                    .Select(a => new Acknowledgement(a.Fingerprint, a.ActiveSince!.Value, a.AcknowledgedBy!, a.AcknowledgedAt ?? a.LastEvaluatedAt))],
            };
        }

        _manifest = manifest;
        _evaluator = new RuleEvaluator(manifest.Alerts, _source, previous);
        _evaluator.Transitioned += OnTransition;
        _dispatcher = new AlertDispatcher(manifest.Alerts, OptionsOf(manifest), dispatcherState);
        var (receivers, masker) = await ReceiversAsync(manifest, cancellationToken).ConfigureAwait(false);
        _masker = masker;
        var previousDeliveries = _deliveries;
        _deliveries = new DeliveryQueue(receivers, masker);
        _deliveries.Attempted += OnAttempt;
        previousDeliveries.HandOver(_deliveries);
        _escalation = manifest.OnCall is { } oncall
            ? new EscalationPolicy(
                new OnCallSchedule([.. oncall.People.Select(p => p.Name)], oncall.Shift.Value, new DateTimeOffset(DateTime.SpecifyKind(oncall.Handoff, DateTimeKind.Unspecified), oncall.TimeZone.GetUtcOffset(oncall.Handoff)), oncall.TimeZone),
                oncall.EscalateAfter?.Value)
            : null;
    }

    private static DispatcherOptions OptionsOf(CapstanManifest manifest) => new()
    {
        Critical = new RoutingTimings(manifest.Routing.Critical.GroupWait.Value, manifest.Routing.Critical.GroupInterval.Value, manifest.Routing.Critical.RepeatInterval.Value),
        Warning = new RoutingTimings(manifest.Routing.Warning.GroupWait.Value, manifest.Routing.Warning.GroupInterval.Value, manifest.Routing.Warning.RepeatInterval.Value),
    };

    /// <summary>
    /// A receiver per channel, its URL or command rendered with each environment's secrets: a notification goes to
    /// what its environment renders (<see cref="EnvironmentReceiver"/>), and one of an environment the channel cannot
    /// be rendered for (its secret is missing there) or of no environment to what the last environment that could
    /// (production, in promotion order) renders. A channel no environment can render is left out and logged, never fatal.
    /// </summary>
    private async Task<(Dictionary<string, INotificationReceiver> Receivers, SecretMasker Masker)> ReceiversAsync(CapstanManifest manifest, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> environments = manifest.Environments.Count > 0 ? [.. manifest.Environments.Keys] : ["production"];
        var resolver = new RecordingResolver(new VaultSecretResolver(_vault));
        var rendered = new List<(NotificationChannel Channel, List<(string Environment, string Value)> Values)>();
        foreach (var (name, channel) in manifest.Notifications)
        {
            var template = channel switch
            {
                WebhookChannel webhook => webhook.Url,
                SlackChannel slack => slack.Url,
                EmailChannel email => email.Smtp,
                CommandChannel command => command.Command,
                _ => null,
            };
            if (template is null)
            {
                continue;
            }

            var values = new List<(string Environment, string Value)>();
            string? error = null;
            foreach (var environment in environments)
            {
                try
                {
                    values.Add((environment, await TemplateRenderer.RenderAsync(template, environment, resolver, _ => null, $"notifications.{name}", cancellationToken).ConfigureAwait(false)));
                }
                catch (Secrets.SecretsException ex)
                {
                    error = ex.Message;
                }
            }

            if (values.Count == 0)
            {
                _logger.LogWarning("notification channel {Channel} is left out: {Error}", name, error);
                continue;
            }

            rendered.Add((channel, values));
        }

        var masker = SecretMasker.Create(resolver.Values);
        var receivers = new Dictionary<string, INotificationReceiver>(StringComparer.Ordinal);
        foreach (var (channel, values) in rendered)
        {
            // One receiver per distinct value: a channel without secrets, or with the same secret everywhere, is one.
            var byValue = values.Select(v => v.Value).Distinct(StringComparer.Ordinal).ToDictionary(v => v, v => channel switch
            {
                WebhookChannel => (INotificationReceiver)new WebhookReceiver(v, masker, _http),
                SlackChannel => new SlackReceiver(v, masker, _http),
                EmailChannel email => new EmailReceiver(v, email.To, email.From, masker),
                _ => new CommandReceiver(v, masker),
            }, StringComparer.Ordinal);
            var fallback = byValue[values[^1].Value];
            receivers[channel.Name] = byValue.Count == 1
                ? fallback
                : new EnvironmentReceiver(values.ToDictionary(v => v.Environment, v => byValue[v.Value], StringComparer.Ordinal), fallback);
        }

        return (receivers, masker);
    }

    /// <summary>
    /// What was told to whom, kept in <c>.capstan/notification-log.json</c> (replaced whole, never half-written), so
    /// that a restarted server does not page again for what it already paged.
    /// </summary>
    private string NotificationLogPath => Path.Combine(_capstanDirectory, "notification-log.json");

    private IReadOnlyList<NotificationLogEntry> ReadNotificationLog()
    {
        try
        {
            return File.Exists(NotificationLogPath)
                ? System.Text.Json.JsonSerializer.Deserialize<List<NotificationLogEntry>>(File.ReadAllText(NotificationLogPath)) ?? []
                : [];
        }
        catch (Exception ex) when (ex is IOException or System.Text.Json.JsonException)
        {
            _logger.LogWarning("the notification log {Path} cannot be read ({Error}); firing alerts may be notified again", NotificationLogPath, ex.Message);
            return [];
        }
    }

    private void WriteNotificationLog()
    {
        var temporary = NotificationLogPath + $".{Environment.ProcessId}.tmp";
        try
        {
            File.WriteAllText(temporary, System.Text.Json.JsonSerializer.Serialize(_dispatcher.Snapshot().NotificationLog));
            File.Move(temporary, NotificationLogPath, overwrite: true);
        }
        catch (IOException ex)
        {
            _logger.LogWarning("the notification log {Path} cannot be written: {Error}", NotificationLogPath, ex.Message);
        }
    }

    // ---- the loop ---------------------------------------------------------------------------------

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(EvaluationInterval, _clock);
        do
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await TickAsync(_clock.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogError(ex, "the observability tick failed");
            }
            finally
            {
                _gate.Release();
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>One pass: sample, evaluate, guard, route, deliver, escalate.</summary>
    internal async Task TickAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Whole milliseconds, as the store keeps them: an alert restored after a restart is the same episode.
        now = DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds());
        var instances = _agent.Instances();
        _edge.Feed(_agent.Edge.Metrics.Requests.Counters(), instances, Series, now);
        if (now >= _nextResources)
        {
            _nextResources = now + ResourceInterval;
            _instances.Collect(Targets(instances), now);
            _host.Collect(now);
            Series.Prune();
        }

        if (now >= _nextScrape && _scraping.IsCompleted)
        {
            _nextScrape = now + ScrapeInterval;
            _scraping = ScrapeAsync(instances, now, cancellationToken);
        }

        if (now >= _nextCertificates)
        {
            _nextCertificates = now + CertificateInterval;
            _ = ProbeCertificatesAsync(now, cancellationToken);
        }

        if (now >= _nextSecrets)
        {
            _nextSecrets = now + SecretInterval;
            await RecordSecretAgesAsync(now, cancellationToken).ConfigureAwait(false);
            await RecordChangesAsync(cancellationToken).ConfigureAwait(false);
        }

        var alerts = _evaluator.Evaluate(now);
        UpdateGuards(alerts);
        await SaveAlertsAsync(alerts, now, cancellationToken).ConfigureAwait(false);
        var notifications = _dispatcher.Dispatch(alerts, now);
        if (notifications.Count > 0)
        {
            WriteNotificationLog();
        }

        _deliveries.Enqueue(notifications, now);
        await DrainWorkAsync(cancellationToken).ConfigureAwait(false);
        if (_escalation is not null)
        {
            await EscalateAsync(cancellationToken).ConfigureAwait(false);
        }

        // Deliveries run beside the loop, a new run each tick: a receiver that hangs until its timeout delays neither
        // the next evaluation nor the other receivers (a delivery in flight is not started twice).
        var run = _deliveries.RunDueAsync(now, cancellationToken);
        _deliveryRuns[run] = true;
        _ = run.ContinueWith(t => _deliveryRuns.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private List<InstanceTarget> Targets(IReadOnlyList<InstanceStatus> instances) =>
        [.. instances.Select(i => new InstanceTarget
        {
            Env = i.Environment,
            Service = i.Service,
            Version = i.Version,
            Instance = i.Id,
            Pid = i.Pid,
            Ready = i.Phase == InstancePhase.Ready,
            Restarts = i.Restarts,
            CpuLimitCores = _manifest.Services.GetValueOrDefault(i.Service)?.Resources?.Cpu,
            MemoryLimitBytes = _manifest.Services.GetValueOrDefault(i.Service)?.Resources?.Memory?.Bytes,
        })];

    /// <summary>Scrapes every ready instance of the services that declare <c>metrics:</c>, adding env, service, version and instance labels.</summary>
    private async Task ScrapeAsync(IReadOnlyList<InstanceStatus> instances, DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var instance in instances.Where(i => i.Phase == InstancePhase.Ready))
        {
            if (_manifest.Services.GetValueOrDefault(instance.Service)?.Metrics is not { } path)
            {
                continue;
            }

            var target = new Uri($"http://127.0.0.1:{instance.Port}{path}");
            var result = await _scraper.ScrapeAsync(target, ScrapeTimeout, cancellationToken).ConfigureAwait(false);
            var labels = new[]
            {
                new KeyValuePair<string, string>("env", instance.Environment),
                new KeyValuePair<string, string>("service", instance.Service),
                new KeyValuePair<string, string>("version", instance.Version),
                new KeyValuePair<string, string>("instance", instance.Id),
            };
            Series.Append("capstan_scrape_up", LabelSet.From(labels), result.Succeeded ? 1 : 0, now);
            if (result.Failure is { } failure)
            {
                _logger.LogInformation("scrape of {Service} instance {Instance} failed: {Failure}", instance.Service, instance.Id, failure);
                continue;
            }

            foreach (var family in result.Families)
            {
                if (family.Help is { } help)
                {
                    Series.Describe(family.Name, family.Type, help);
                }

                // The service's own labels stay; Capstan's (env, service, version, instance) win over same-named ones.
                Series.Append(family.Samples.Select(s => new MetricSample(s.Name, LabelSet.From(s.Labels.Where(l => labels.All(c => c.Key != l.Key)).Concat(labels)), s.Value, now)));
            }
        }
    }

    /// <summary>The hosts named by <c>cert_expiry_days(host)</c> conditions, port 443 unless written <c>host:port</c>.</summary>
    private async Task ProbeCertificatesAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var hosts = _manifest.Alerts.Select(a => a.When).Where(c => c.Function == "cert_expiry_days" && c.Arguments.Count == 1).Select(c => c.Arguments[0].Value).Distinct(StringComparer.Ordinal);
        foreach (var host in hosts)
        {
            var colon = host.LastIndexOf(':');
            var target = colon > 0 && int.TryParse(host[(colon + 1)..], out var port) ? new CertificateTarget(host[..colon], port) : new CertificateTarget(host);
            var result = await _certificates.ProbeAsync(target, now, cancellationToken).ConfigureAwait(false);
            if (result.Problem is { } problem)
            {
                _logger.LogWarning("certificate of {Host}: {Problem}", host, problem);
            }
        }
    }

    /// <summary>When each secret's current value was set: the oldest over the environments, the one due for rotation first.</summary>
    private async Task RecordSecretAgesAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var versions = await _vault.ListAsync(null, cancellationToken).ConfigureAwait(false);
        var first = _seenSecrets.Count == 0;
        foreach (var version in versions.OrderBy(v => v.CreatedAt))
        {
            // A secret set since the last look goes onto the timelines of the open incidents of its environment.
            if (_seenSecrets.Add((version.Environment, version.Name, version.Version)) && !first)
            {
                _work.Enqueue(ct => _incidents.AddChangeAsync(new ChangeEvent
                {
                    At = version.CreatedAt,
                    Kind = ChangeKind.Secret,
                    App = _app,
                    Environment = version.Environment,
                    Actor = version.CreatedBy,
                    Text = $"secret {version.Name} set to version {version.Version} in {version.Environment}",
                }, ct));
            }
        }

        foreach (var secret in versions.Where(v => v.DeletedAt is null).GroupBy(v => (v.Environment, v.Name)).Select(g => g.MaxBy(v => v.Version)!).GroupBy(v => v.Name))
        {
            Series.Append(SeriesNames.SecretUpdated, LabelSet.Of(("secret", secret.Key)), secret.Min(v => v.CreatedAt).ToUnixTimeMilliseconds() / 1000.0, now);
        }
    }

    /// <summary>Deployments and rollbacks that ended since the last look go onto the timelines of open incidents of their service.</summary>
    private async Task RecordChangesAsync(CancellationToken cancellationToken)
    {
        var recent = await _store.Deployments.ListAsync(_app, null, 50, cancellationToken).ConfigureAwait(false);
        var first = _seenDeployments.Count == 0;
        foreach (var deployment in recent.Where(d => d.FinishedAt is not null).OrderBy(d => d.FinishedAt))
        {
            if (!_seenDeployments.Add(deployment.Id) || first)
            {
                continue;
            }

            if (await ChangeOfAsync(deployment, cancellationToken).ConfigureAwait(false) is { } change)
            {
                await _incidents.AddChangeAsync(change, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    internal async Task<ChangeEvent?> ChangeOfAsync(Deployment deployment, CancellationToken cancellationToken)
    {
        var release = await _store.Releases.GetAsync(deployment.ReleaseId, cancellationToken).ConfigureAwait(false);
        return new ChangeEvent
        {
            At = deployment.FinishedAt ?? deployment.CreatedAt,
            Kind = deployment.Strategy == "rollback" ? ChangeKind.Rollback : ChangeKind.Deployment,
            App = _app,
            Environment = deployment.Environment,
            Service = release?.Service,
            Actor = deployment.CreatedBy,
            Text = $"{(deployment.Strategy == "rollback" ? "rollback" : "deployment")} {deployment.Id} of {release?.Service ?? "?"} v{release?.Version ?? 0} to {deployment.Environment}: {deployment.Status.ToString().ToLowerInvariant()}",
        };
    }

    // ---- alerts -----------------------------------------------------------------------------------

    private void UpdateGuards(IReadOnlyList<Alert> alerts)
    {
        var guards = _manifest.Alerts.Where(r => r.Guard).Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        var firing = alerts.Where(a => a.IsFiring && guards.Contains(a.RuleName)).ToList();
        foreach (var environment in _manifest.Environments.Keys)
        {
            // An alert without an environment (disk_free(), a certificate) guards every environment. The board is told
            // only of changes, so what fires is set once, not every second.
            List<FiringGuard> guarding = [.. firing
                .Where(a => a[AlertLabels.Env] is null || a[AlertLabels.Env] == environment)
                .Select(a => new FiringGuard(a.RuleName, a.Annotations[AlertLabels.Description] ?? a.RuleName))];
            var key = string.Join("\n", guarding.Select(g => g.Alert));
            if (_guarded.GetValueOrDefault(environment, "") != key)
            {
                _guarded[environment] = key;
                _controller.Guards.Set(_app, environment, guarding);
            }
        }
    }

    private async Task SaveAlertsAsync(IReadOnlyList<Alert> alerts, DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var alert in alerts.Where(a => a.State != Capstan.Observability.Alerting.AlertState.Inactive))
        {
            await _store.Alerts.UpsertAsync(new StoredAlert
            {
                App = _app,
                Rule = alert.RuleName,
                Fingerprint = alert.Fingerprint,
                Status = alert.State switch
                {
                    Capstan.Observability.Alerting.AlertState.Pending => AlertStatus.Pending,
                    Capstan.Observability.Alerting.AlertState.Firing => AlertStatus.Firing,
                    _ => AlertStatus.Resolved,
                },
                Severity = AlertLabels.SeverityValue(alert.Severity),
                ActiveSince = alert.IsResolved ? null : alert.ActiveSince,
                ResolvedAt = alert.EndsAt,
                FiringSince = alert.StartsAt,
                LastEvaluatedAt = now,
                Value = double.IsFinite(alert.Value) ? alert.Value : null,
                Labels = alert.Labels.ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal),
            }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Firing and resolution of critical alerts open and update incidents; a new incident pages whoever is on call.</summary>
    private void OnTransition(AlertTransition transition)
    {
        var alert = transition.Alert;
        var incidentAlert = new IncidentAlert
        {
            App = _app,
            Rule = alert.RuleName,
            Fingerprint = alert.Fingerprint,
            Severity = alert.Severity,
            Labels = alert.Labels,
            Summary = alert.Annotations[AlertLabels.Summary] ?? alert.Annotations[AlertLabels.Description],
        };
        _work.Enqueue(async ct =>
        {
            if (transition.To == Capstan.Observability.Alerting.AlertState.Firing)
            {
                if (await _incidents.OnAlertFiringAsync(incidentAlert, ct).ConfigureAwait(false) is { Opened: true } opened && _escalation is not null)
                {
                    Page(opened.Incident, _escalation.Schedule.At(_clock.GetUtcNow()).Person, [alert]);
                }
            }
            else if (transition.To == Capstan.Observability.Alerting.AlertState.Resolved)
            {
                await _incidents.OnAlertResolvedAsync(incidentAlert, ct).ConfigureAwait(false);
            }
        });
    }

    /// <summary>Store writes decided inside events (transitions, delivery attempts), done by the loop in order.</summary>
    private readonly System.Collections.Concurrent.ConcurrentQueue<Func<CancellationToken, Task>> _work = new();

    private async Task DrainWorkAsync(CancellationToken cancellationToken)
    {
        while (_work.TryDequeue(out var work))
        {
            try
            {
                await work(cancellationToken).ConfigureAwait(false);
            }
            catch (StateStoreException ex)
            {
                _logger.LogWarning("could not save an alerting record: {Error}", ex.Message);
            }
        }
    }

    private async Task EscalateAsync(CancellationToken cancellationToken)
    {
        foreach (var action in await _incidents.TickEscalationsAsync(_escalation!, _app, cancellationToken).ConfigureAwait(false))
        {
            if (await _store.Incidents.GetAsync(action.IncidentId, cancellationToken).ConfigureAwait(false) is { } incident)
            {
                var alerts = _evaluator.Alerts.Where(a => incident.AlertFingerprints.Contains(a.Fingerprint)).ToList();
                Page(incident, action.Person, alerts);
            }
        }
    }

    /// <summary>Sends an incident's alerts (or the incident itself, opened by hand) to a person's channel.</summary>
    private void Page(IncidentRecord incident, string person, IReadOnlyList<Alert> alerts)
    {
        if (_manifest.OnCall?.People.FirstOrDefault(p => p.Name == person) is not { } who)
        {
            return;
        }

        var now = _clock.GetUtcNow();
        var paged = alerts.Count > 0 ? alerts : [new Alert
        {
            Fingerprint = incident.Id,
            RuleName = "Incident",
            Severity = AlertSeverity.Critical,
            State = Capstan.Observability.Alerting.AlertState.Firing,
            Labels = LabelSet.Of((AlertLabels.AlertName, "Incident"), ("incident", incident.Id), (AlertLabels.Severity, "critical"), (AlertLabels.Env, incident.Environment ?? "")),
            Annotations = LabelSet.Of((AlertLabels.Summary, incident.Title)),
            ActiveSince = incident.OpenedAt,
            StartsAt = incident.OpenedAt,
            Value = double.NaN,
            LastSeenAt = now,
        }];
        var groupLabels = LabelSet.Of(("incident", incident.Id), ("oncall", person));
        _deliveries.Enqueue([new Notification
        {
            Receiver = who.Notify,
            GroupKey = AlertDispatcher.GroupKey(groupLabels),
            GroupLabels = groupLabels,
            Status = Capstan.Observability.Alerting.NotificationStatus.Firing,
            Alerts = paged,
            CreatedAt = now,
        }], now);
    }

    private void OnAttempt(DeliveryAttempt attempt)
    {
        _work.Enqueue(ct => _store.Notifications.AppendAsync(new NotificationDelivery
        {
            Id = StateId.New("ntf", _clock),
            App = _app,
            Receiver = attempt.Receiver,
            GroupKey = attempt.GroupKey,
            Status = attempt.NotificationStatus == Capstan.Observability.Alerting.NotificationStatus.Firing ? Capstan.State.NotificationStatus.Firing : Capstan.State.NotificationStatus.Resolved,
            Attempt = attempt.Attempt,
            Outcome = attempt.Status switch
            {
                DeliveryStatus.Delivered => NotificationOutcome.Delivered,
                DeliveryStatus.Retrying => NotificationOutcome.Retrying,
                _ => NotificationOutcome.Failed,
            },
            Error = attempt.Error,
            At = attempt.At,
        }, ct));
        if (attempt.Status != DeliveryStatus.Delivered)
        {
            _logger.LogWarning("notification to {Receiver} attempt {Attempt}: {Status} {Error}", attempt.Receiver, attempt.Attempt, attempt.Status, attempt.Error);
        }
    }

    // ---- what the API asks -------------------------------------------------------------------------

    /// <summary>Alerts with how they are handled; resolved ones too when <paramref name="all"/>.</summary>
    public async Task<IReadOnlyList<RoutedAlert>> AlertsAsync(bool all, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return [.. _dispatcher.GetAlerts(_clock.GetUtcNow()).Where(a => all || !a.Alert.IsResolved)];
        }
        finally
        {
            _gate.Release();
        }
    }

    public AlertRule? RuleOf(string name) => _manifest.Alerts.FirstOrDefault(r => r.Name == name);

    /// <summary>Acknowledges a firing alert: saved, then its repeats stop.</summary>
    public async Task<RoutedAlert> AcknowledgeAsync(string fingerprint, string by, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = _clock.GetUtcNow();
            var alert = _evaluator.Alerts.FirstOrDefault(a => a.Fingerprint == fingerprint)
                ?? throw new AlertingException($"no alert {fingerprint}: 'capstan alerts' lists the alerts and their ids") { Kind = AlertingErrorKind.NotFound };
            _dispatcher.Acknowledge(fingerprint, by, now);
            await _store.Alerts.AcknowledgeAsync(_app, alert.RuleName, fingerprint, now, by, cancellationToken).ConfigureAwait(false);
            await _vault.AppendAuditAsync(new AuditRecord(by, "alert.ack", _app, alert[AlertLabels.Env], $"{alert.RuleName}{alert.Labels}", null, fingerprint), cancellationToken).ConfigureAwait(false);
            return _dispatcher.GetAlerts(now).First(a => a.Alert.Fingerprint == fingerprint);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<Capstan.State.Silence> AddSilenceAsync(LabelSet matchers, TimeSpan length, string by, string reason, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = _clock.GetUtcNow();
            var silence = _dispatcher.AddSilence(matchers, now, now + length, by, reason, now);
            var stored = new Capstan.State.Silence
            {
                Id = silence.Id,
                App = _app,
                Matchers = matchers.ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal),
                StartsAt = silence.StartsAt,
                EndsAt = silence.EndsAt,
                CreatedBy = by,
                Reason = reason,
            };
            await _store.Silences.AddAsync(stored, cancellationToken).ConfigureAwait(false);
            await _vault.AppendAuditAsync(new AuditRecord(by, "alert.silence", _app, null, matchers.ToString(), null, $"{silence.Id} until {silence.EndsAt:yyyy-MM-dd HH:mm} UTC: {reason}"), cancellationToken).ConfigureAwait(false);
            return stored;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<Capstan.State.Silence> ExpireSilenceAsync(string id, string by, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = _clock.GetUtcNow();
            var stored = await _store.Silences.GetAsync(id, cancellationToken).ConfigureAwait(false);
            if (stored is null || stored.App != _app)
            {
                throw new AlertingException($"no silence {id}: 'capstan silence list --all' lists them") { Kind = AlertingErrorKind.NotFound };
            }

            if (_dispatcher.Silences.Any(s => s.Id == id))
            {
                _dispatcher.ExpireSilence(id, now);
            }

            await _store.Silences.ExpireAsync(id, now, cancellationToken).ConfigureAwait(false);
            await _vault.AppendAuditAsync(new AuditRecord(by, "alert.unsilence", _app, null, LabelSet.From(stored.Matchers).ToString(), null, id), cancellationToken).ConfigureAwait(false);
            return (await _store.Silences.GetAsync(id, cancellationToken).ConfigureAwait(false))!;
        }
        finally
        {
            _gate.Release();
        }
    }

    public IncidentManager Incidents => _incidents;

    /// <summary>The deployments, rollbacks and secret changes of the hour before an incident began, for its postmortem.</summary>
    public async Task<IReadOnlyList<ChangeEvent>> ChangesBeforeAsync(IncidentRecord incident, CancellationToken cancellationToken)
    {
        var changes = new List<ChangeEvent>();
        foreach (var deployment in await _store.Deployments.ListAsync(_app, null, 200, cancellationToken).ConfigureAwait(false))
        {
            if (deployment.FinishedAt is { } at && at <= incident.OpenedAt && at >= incident.OpenedAt - IncidentManager.WhatChangedWindow
                && await ChangeOfAsync(deployment, cancellationToken).ConfigureAwait(false) is { } change)
            {
                changes.Add(change);
            }
        }

        foreach (var version in await _vault.ListAsync(incident.Environment, cancellationToken).ConfigureAwait(false))
        {
            changes.Add(new ChangeEvent
            {
                At = version.CreatedAt,
                Kind = ChangeKind.Secret,
                App = _app,
                Environment = version.Environment,
                Actor = version.CreatedBy,
                Text = $"secret {version.Name} set to version {version.Version} in {version.Environment}",
            });
        }

        return IncidentManager.WhatChanged(incident, changes);
    }

    /// <summary>The availability objective a postmortem measures the error budget against (99.9%, the seeds' target).</summary>
    public const double DefaultSloTarget = 0.999;

    /// <summary>
    /// The share of the incident's services' requests answered 5xx while it lasted, from the edge's series; null when
    /// the incident is longer than the series' retention or nothing was requested.
    /// </summary>
    public double? ErrorRatioDuring(IncidentRecord incident)
    {
        ArgumentNullException.ThrowIfNull(incident);
        var end = incident.ResolvedAt ?? _clock.GetUtcNow();
        var length = end - incident.OpenedAt;
        if (length <= TimeSpan.Zero || length > Series.Options.Retention)
        {
            return null;
        }

        double requests = 0, errors = 0;
        foreach (var service in incident.Services.DefaultIfEmpty(null))
        {
            var matchers = LabelSet.Of((SeriesLabels.Env, incident.Environment ?? ""), (SeriesLabels.Service, service ?? ""));
            requests += Series.Increase(SeriesNames.HttpRequests, matchers, end, length).Sum(v => v.Value);
            errors += Series.Increase(SeriesNames.HttpRequestErrors, matchers, end, length).Sum(v => v.Value);
        }

        return requests > 0 ? Math.Clamp(errors / requests, 0, 1) : null;
    }

    /// <summary>Rebuilds an alert's state from its saved row, so a restarted server neither resets <c>for</c> nor notifies twice.</summary>
    private static Alert? ToAlert(StoredAlert stored, CapstanManifest manifest)
    {
        if (manifest.Alerts.FirstOrDefault(r => r.Name == stored.Rule) is not { } rule || stored.ActiveSince is not { } since)
        {
            return null;
        }

        var firing = stored.Status == AlertStatus.Firing;
        return new Alert
        {
            Fingerprint = stored.Fingerprint,
            RuleName = rule.Name,
            Severity = rule.Severity,
            State = firing ? Capstan.Observability.Alerting.AlertState.Firing : Capstan.Observability.Alerting.AlertState.Pending,
            Labels = LabelSet.From(stored.Labels),
            Annotations = LabelSet.Empty,
            ActiveSince = since,
            StartsAt = firing ? stored.FiringSince ?? since + rule.For.Value : null,
            Value = stored.Value ?? double.NaN,
            LastSeenAt = stored.LastEvaluatedAt,
        };
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
            await _scraping.ConfigureAwait(false);
            await Task.WhenAll(_deliveryRuns.Keys).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stopping.Dispose();
        _http.Dispose();
        _gate.Dispose();
    }

    /// <summary>Keeps the secret values a render used, so that every receiver masks them.</summary>
    private sealed class RecordingResolver(ISecretResolver inner) : ISecretResolver
    {
        public List<string> Values { get; } = [];

        public async Task<RevealedSecret> ResolveAsync(string environment, string name, CancellationToken cancellationToken)
        {
            var secret = await inner.ResolveAsync(environment, name, cancellationToken).ConfigureAwait(false);
            Values.Add(secret.Value);
            return secret;
        }
    }
}
