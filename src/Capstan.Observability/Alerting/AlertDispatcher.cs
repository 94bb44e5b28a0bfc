using System.Text;
using Capstan.Manifest.Model;

namespace Capstan.Observability.Alerting;

/// <summary>
/// Routes alerts to their rules' channels as Alertmanager does, with timings for a small team: alerts are grouped by
/// <see cref="DispatcherOptions.GroupBy"/> per receiver; a group's first notification goes after its group wait, new
/// and resolved alerts after each group interval, alerts still firing again after the repeat interval. Critical groups
/// wait 0s / 1m / 1h, warnings 30s / 5m / 4h; info alerts are recorded and shown, never notified.
/// </summary>
/// <remarks>
/// <para>Muted alerts are left out of notifications and still shown by <see cref="GetAlerts"/>: alerts matched by an
/// active <see cref="Silence"/>; warning and info alerts inhibited by a firing critical alert with the same
/// <c>env</c> and <c>service</c> (a label missing on both counts as equal, as Alertmanager's <c>equal</c>); and
/// acknowledged alerts until they resolve. A resolution is told once, to the receivers that were told of the firing,
/// unless a silence matches it.</para>
/// <para>A step function: <see cref="Dispatch"/> takes the alerts and the time, and returns what to send now.
/// Thread-safe: the API acknowledges and silences while the loop dispatches.</para>
/// </remarks>
public sealed class AlertDispatcher
{
    private readonly Dictionary<string, AlertRule> _rules;
    private readonly DispatcherOptions _options;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Group> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LogEntry> _log = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Silence> _silences = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Acknowledgement> _acknowledgements = new(StringComparer.Ordinal);
    private IReadOnlyList<Alert> _alerts = [];

    /// <param name="rules">The rules of capstan.yaml, names unique: an alert's rule says which channels it goes to.</param>
    /// <param name="options">Grouping and timings; the defaults when null.</param>
    /// <param name="restored">A previous run's <see cref="Snapshot"/>, so that a restart does not notify again.</param>
    public AlertDispatcher(IReadOnlyList<AlertRule> rules, DispatcherOptions? options = null, DispatcherState? restored = null)
    {
        ArgumentNullException.ThrowIfNull(rules);
        _rules = RuleEvaluator.ByName(rules);
        _options = options ?? new DispatcherOptions();
        if (restored is null)
        {
            return;
        }

        foreach (var silence in restored.Silences)
        {
            _silences[silence.Id] = silence;
        }

        foreach (var acknowledgement in restored.Acknowledgements)
        {
            _acknowledgements[acknowledgement.Fingerprint] = acknowledgement;
        }

        foreach (var entry in restored.NotificationLog)
        {
            _log[GroupId(entry.Receiver, entry.GroupKey)] = new LogEntry
            {
                LastSentAt = entry.LastSentAt,
                LastFiring = [.. entry.LastFiring],
                Unresolved = entry.Unresolved.ToDictionary(e => e.Fingerprint, StringComparer.Ordinal),
            };
        }
    }

    /// <summary>Every silence: pending, active, and expired ones for <see cref="DispatcherOptions.SilenceRetention"/>.</summary>
    public IReadOnlyList<Silence> Silences
    {
        get
        {
            lock (_lock)
            {
                return [.. _silences.Values.OrderBy(s => s.CreatedAt).ThenBy(s => s.Id, StringComparer.Ordinal)];
            }
        }
    }

    /// <summary>
    /// Takes the alerts of this evaluation (all of them: pending alerts are ignored, an alert that disappeared while
    /// firing counts as resolved now) and returns the notifications due at <paramref name="now"/>.
    /// </summary>
    public IReadOnlyList<Notification> Dispatch(IReadOnlyList<Alert> alerts, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        lock (_lock)
        {
            _alerts = alerts;
            var current = new Dictionary<string, Alert>(StringComparer.Ordinal);
            foreach (var alert in alerts)
            {
                if (alert.State is AlertState.Firing or AlertState.Resolved)
                {
                    current.TryAdd(alert.Fingerprint, alert);
                }
            }

            Forget(current, now);
            var inhibitors = alerts.Where(IsInhibitor).ToList();

            foreach (var alert in current.Values)
            {
                foreach (var receiver in ReceiversOf(alert))
                {
                    var labels = GroupLabels(alert.Labels);
                    var key = GroupKey(labels);
                    var id = GroupId(receiver, key);
                    if (!_groups.TryGetValue(id, out var group))
                    {
                        _log.TryGetValue(id, out var entry);
                        if (alert.IsResolved && entry?.Unresolved.ContainsKey(alert.Fingerprint) != true)
                        {
                            continue; // nobody was told it fired: nothing to tell
                        }

                        var wait = _options.TimingsFor(alert.Severity).GroupWait;
                        group = new Group(receiver, key, labels, entry ?? new LogEntry())
                        {
                            // An alert that fired long ago (seen after a restart) does not wait again.
                            NextFlushAt = Min(now, alert.StartsAt ?? now) + wait,
                        };
                        _groups[id] = group;
                        _log[id] = group.Log;
                    }

                    group.Alerts[alert.Fingerprint] = alert;
                }
            }

            var notifications = new List<Notification>();
            foreach (var (id, group) in _groups.OrderBy(g => g.Key, StringComparer.Ordinal).ToList())
            {
                foreach (var (fingerprint, alert) in group.Alerts.ToList())
                {
                    if (!current.ContainsKey(fingerprint) && alert.IsFiring)
                    {
                        group.Alerts[fingerprint] = alert with { State = AlertState.Resolved, EndsAt = now };
                    }
                }

                if (now >= group.NextFlushAt && Flush(group, inhibitors, now) is { } notification)
                {
                    notifications.Add(notification);
                }

                if (group.Alerts.Count == 0)
                {
                    _groups.Remove(id);
                    _log.Remove(id);
                }
            }

            // What a previous run told about groups that have no alert any more cannot be told anything new.
            foreach (var id in _log.Keys.Where(id => !_groups.ContainsKey(id)).ToList())
            {
                _log.Remove(id);
            }

            return notifications;
        }
    }

    /// <summary>
    /// Silences the alerts whose labels include all of <paramref name="matchers"/> from <paramref name="startsAt"/>
    /// to <paramref name="endsAt"/>.
    /// </summary>
    /// <exception cref="AlertingException">No matcher, an end not after the start or already past, no creator or no reason; every problem is named.</exception>
    public Silence AddSilence(LabelSet matchers, DateTimeOffset startsAt, DateTimeOffset endsAt, string createdBy, string reason, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(matchers);
        var problems = new List<string>();
        if (matchers.Count == 0)
        {
            problems.Add("it has no matcher; give at least one label, e.g. service=api");
        }

        if (endsAt <= startsAt)
        {
            problems.Add($"it ends ({endsAt:u}) before it starts ({startsAt:u})");
        }
        else if (endsAt <= now)
        {
            problems.Add($"it ends ({endsAt:u}) in the past");
        }

        if (string.IsNullOrWhiteSpace(createdBy))
        {
            problems.Add("it names no creator");
        }

        if (string.IsNullOrWhiteSpace(reason))
        {
            problems.Add("it gives no reason; say what is being done about the alerts it mutes");
        }

        if (problems.Count > 0)
        {
            throw new AlertingException($"The silence {matchers} cannot be created: {string.Join("; ", problems)}.");
        }

        var silence = new Silence
        {
            Id = Guid.NewGuid().ToString("D"),
            Matchers = matchers,
            StartsAt = startsAt,
            EndsAt = endsAt,
            CreatedBy = createdBy,
            Reason = reason,
            CreatedAt = now,
        };
        lock (_lock)
        {
            _silences[silence.Id] = silence;
        }

        return silence;
    }

    /// <summary>Ends a silence now; an expired one is returned as it is.</summary>
    /// <exception cref="AlertingException">No silence has this id.</exception>
    public Silence ExpireSilence(string id, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(id);
        lock (_lock)
        {
            if (!_silences.TryGetValue(id, out var silence))
            {
                throw new AlertingException($"There is no silence '{id}'.") { Kind = AlertingErrorKind.NotFound };
            }

            if (silence.StateAt(now) != SilenceState.Expired)
            {
                silence = silence with { EndsAt = now, StartsAt = Min(silence.StartsAt, now) };
                _silences[id] = silence;
            }

            return silence;
        }
    }

    /// <summary>
    /// Stops repeating a firing alert until it resolves. Its resolution is still told; a new firing after it is told as new.
    /// Acknowledging an acknowledged alert returns the first acknowledgement.
    /// </summary>
    /// <exception cref="AlertingException">No firing alert has this fingerprint; the message names it.</exception>
    public Acknowledgement Acknowledge(string fingerprint, string by, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        ArgumentException.ThrowIfNullOrWhiteSpace(by);
        lock (_lock)
        {
            var alert = _alerts.FirstOrDefault(a => a.Fingerprint == fingerprint);
            if (alert is not { IsFiring: true, StartsAt: { } startsAt })
            {
                throw new AlertingException(alert is null
                    ? $"No alert has fingerprint '{fingerprint}'; only firing alerts can be acknowledged."
                    : $"Alert '{fingerprint}' ({alert.RuleName}{alert.Labels}) is {alert.State.ToString().ToLowerInvariant()}; only firing alerts can be acknowledged.")
                {
                    Kind = AlertingErrorKind.NotFound,
                };
            }

            if (_acknowledgements.TryGetValue(fingerprint, out var existing) && existing.StartsAt == startsAt)
            {
                return existing;
            }

            var acknowledgement = new Acknowledgement(fingerprint, startsAt, by, now);
            _acknowledgements[fingerprint] = acknowledgement;
            return acknowledgement;
        }
    }

    /// <summary>The alerts of the last <see cref="Dispatch"/>, muted ones included, with why they are muted at <paramref name="now"/>.</summary>
    public IReadOnlyList<RoutedAlert> GetAlerts(DateTimeOffset now)
    {
        lock (_lock)
        {
            var inhibitors = _alerts.Where(IsInhibitor).ToList();
            return
            [
                .. _alerts.Select(alert => new RoutedAlert
                {
                    Alert = alert,
                    SilencedBy = [.. SilencesOf(alert, now).Select(s => s.Id)],
                    InhibitedBy = [.. InhibitorsOf(alert, inhibitors).Select(a => a.Fingerprint)],
                    Acknowledgement = AcknowledgementOf(alert),
                    Receivers = ReceiversOf(alert),
                }),
            ];
        }
    }

    /// <summary>What to persist so that a restart (<see cref="AlertDispatcher(IReadOnlyList{AlertRule}, DispatcherOptions?, DispatcherState?)"/>) notifies nothing twice.</summary>
    public DispatcherState Snapshot()
    {
        lock (_lock)
        {
            return new DispatcherState
            {
                Silences = [.. _silences.Values],
                Acknowledgements = [.. _acknowledgements.Values],
                NotificationLog =
                [
                    .. _log.Where(e => e.Value.LastSentAt is not null).Select(e =>
                    {
                        var separator = e.Key.IndexOf('\n', StringComparison.Ordinal);
                        return new NotificationLogEntry
                        {
                            Receiver = e.Key[..separator],
                            GroupKey = e.Key[(separator + 1)..],
                            LastSentAt = e.Value.LastSentAt!.Value,
                            LastFiring = [.. e.Value.LastFiring],
                            Unresolved = [.. e.Value.Unresolved.Values],
                        };
                    }),
                ],
            };
        }
    }

    /// <summary>Alertmanager's group key for the root route: <c>{}:{alertname="X", env="production"}</c>.</summary>
    public static string GroupKey(LabelSet groupLabels)
    {
        ArgumentNullException.ThrowIfNull(groupLabels);
        var key = new StringBuilder("{}:{");
        for (var i = 0; i < groupLabels.Count; i++)
        {
            if (i > 0)
            {
                key.Append(", ");
            }

            key.Append(groupLabels[i].Key).Append("=\"");
            LabelSet.AppendEscaped(key, groupLabels[i].Value);
            key.Append('"');
        }

        return key.Append('}').ToString();
    }

    private Notification? Flush(Group group, List<Alert> inhibitors, DateTimeOffset now)
    {
        var severity = group.Alerts.Values.Min(a => a.Severity);
        var timings = _options.TimingsFor(severity);
        var firing = group.Alerts.Values
            .Where(a => a.IsFiring && SilencesOf(a, now).Count == 0 && InhibitorsOf(a, inhibitors).Count == 0 && AcknowledgementOf(a) is null)
            .OrderBy(a => a.Labels.ToString(), StringComparer.Ordinal)
            .ToList();
        var resolved = group.Alerts.Values
            .Where(a => a.IsResolved && group.Log.Unresolved.TryGetValue(a.Fingerprint, out var told) && told.StartsAt == a.StartsAt && SilencesOf(a, now).Count == 0)
            .OrderBy(a => a.Labels.ToString(), StringComparer.Ordinal)
            .ToList();
        var episodes = firing.Select(Episode).ToHashSet();
        var hasNew = episodes.Any(e => !group.Log.LastFiring.Contains(e));
        var repeat = firing.Count > 0 && group.Log.LastSentAt is { } last && now - last >= timings.RepeatInterval;

        Notification? notification = null;
        if (hasNew || resolved.Count > 0 || repeat)
        {
            notification = new Notification
            {
                Receiver = group.Receiver,
                GroupKey = group.Key,
                GroupLabels = group.Labels,
                Status = firing.Count > 0 ? NotificationStatus.Firing : NotificationStatus.Resolved,
                Alerts = [.. firing, .. resolved],
                CreatedAt = now,
            };
            group.Log.LastSentAt = now;
            group.Log.LastFiring = episodes;
            foreach (var alert in firing)
            {
                group.Log.Unresolved[alert.Fingerprint] = Episode(alert);
            }
        }

        // Resolved alerts leave the group once flushed: told, or not to be told (never told as firing, or silenced).
        foreach (var alert in group.Alerts.Values.Where(a => a.IsResolved).ToList())
        {
            group.Alerts.Remove(alert.Fingerprint);
            group.Log.Unresolved.Remove(alert.Fingerprint);
        }

        group.NextFlushAt = now + timings.GroupInterval;
        return notification;
    }

    /// <summary>Drops acknowledgements of alerts that resolved or fired anew, and silences long expired.</summary>
    private void Forget(Dictionary<string, Alert> current, DateTimeOffset now)
    {
        foreach (var acknowledgement in _acknowledgements.Values.ToList())
        {
            if (!current.TryGetValue(acknowledgement.Fingerprint, out var alert) || !alert.IsFiring || alert.StartsAt != acknowledgement.StartsAt)
            {
                _acknowledgements.Remove(acknowledgement.Fingerprint);
            }
        }

        foreach (var silence in _silences.Values.ToList())
        {
            if (now - silence.EndsAt > _options.SilenceRetention)
            {
                _silences.Remove(silence.Id);
            }
        }
    }

    private IReadOnlyList<string> ReceiversOf(Alert alert) =>
        alert.Severity != AlertSeverity.Info && _rules.TryGetValue(alert.RuleName, out var rule)
            ? [.. rule.Notify.Distinct(StringComparer.Ordinal)]
            : [];

    private List<Silence> SilencesOf(Alert alert, DateTimeOffset now) =>
        [.. _silences.Values.Where(s => s.IsActive(now) && s.Matches(alert.Labels))];

    private Acknowledgement? AcknowledgementOf(Alert alert) =>
        alert.IsFiring && _acknowledgements.TryGetValue(alert.Fingerprint, out var acknowledgement) && acknowledgement.StartsAt == alert.StartsAt
            ? acknowledgement
            : null;

    private static bool IsInhibitor(Alert alert) => alert.IsFiring && alert.Severity == AlertSeverity.Critical;

    private static List<Alert> InhibitorsOf(Alert alert, List<Alert> inhibitors) =>
        alert.Severity == AlertSeverity.Critical
            ? []
            : [.. inhibitors.Where(i => i.Fingerprint != alert.Fingerprint
                && i[AlertLabels.Env] == alert[AlertLabels.Env]
                && i[AlertLabels.Service] == alert[AlertLabels.Service])];

    private LabelSet GroupLabels(LabelSet labels) =>
        LabelSet.From(_options.GroupBy.Select(name => new KeyValuePair<string, string>(name, labels[name] ?? "")));

    private static AlertEpisode Episode(Alert alert) => new(alert.Fingerprint, alert.StartsAt ?? alert.ActiveSince);

    private static string GroupId(string receiver, string key) => receiver + "\n" + key;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private sealed class Group(string receiver, string key, LabelSet labels, LogEntry log)
    {
        public string Receiver { get; } = receiver;

        public string Key { get; } = key;

        public LabelSet Labels { get; } = labels;

        public LogEntry Log { get; } = log;

        public Dictionary<string, Alert> Alerts { get; } = new(StringComparer.Ordinal);

        public DateTimeOffset NextFlushAt { get; set; }
    }

    private sealed class LogEntry
    {
        public DateTimeOffset? LastSentAt { get; set; }

        public HashSet<AlertEpisode> LastFiring { get; set; } = [];

        public Dictionary<string, AlertEpisode> Unresolved { get; init; } = new(StringComparer.Ordinal);
    }
}
