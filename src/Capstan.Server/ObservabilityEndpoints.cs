using Capstan.Contracts;
using Capstan.Manifest.Values;
using Capstan.Observability;
using Capstan.Observability.Alerting;
using Capstan.Observability.Exposition;
using Capstan.Observability.Incidents;
using Capstan.Server.Observability;
using Capstan.State;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Capstan.Server;

/// <summary><c>/metrics</c> for Prometheus, and the API of metrics, alerts, silences and incidents.</summary>
internal static class ObservabilityEndpoints
{
    public static void Map(WebApplication web, RouteGroupBuilder apps)
    {
        web.MapGet("/metrics", Exposition).WithSummary("Every series Capstan keeps, in the Prometheus text format (bearer token required)");
        apps.MapGet("/metrics", MetricsAsync).WithSummary("Latest values of the series matching ?query=name{label=\"value\"} (a trailing * matches a prefix)");
        apps.MapGet("/alerts", AlertsAsync).WithSummary("Pending and firing alerts (?all=true: resolved ones too), with silences, inhibitions and acknowledgements");
        apps.MapPost("/alerts/{id}/ack", AcknowledgeAlertAsync).WithSummary("Acknowledge a firing alert: its repeats stop until it resolves");
        apps.MapGet("/silences", SilencesAsync).WithSummary("Silences in effect (?all=true: expired ones too)");
        apps.MapPost("/silences", AddSilenceAsync).WithSummary("Mute matching alerts for a while");
        apps.MapDelete("/silences/{id}", ExpireSilenceAsync).WithSummary("End a silence now");
        apps.MapGet("/incidents", IncidentsAsync).WithSummary("Open incidents (?all=true: resolved ones too)");
        apps.MapPost("/incidents", OpenIncidentAsync).WithSummary("Open an incident by hand");
        apps.MapGet("/incidents/{id}", IncidentAsync).WithSummary("One incident with its timeline");
        apps.MapPost("/incidents/{id}/ack", (string app, string id, ActorRequest request, HttpContext http, ApiContext api, CancellationToken ct) =>
            TransitionAsync(app, id, http, api, i => api.Watch.Incidents.AcknowledgeAsync(id, ApiEndpoints.Author(http, request.Actor), ct), ct)).WithSummary("Acknowledge an incident: escalation stops");
        apps.MapPost("/incidents/{id}/resolve", (string app, string id, ActorRequest request, HttpContext http, ApiContext api, CancellationToken ct) =>
            TransitionAsync(app, id, http, api, i => api.Watch.Incidents.ResolveAsync(id, ApiEndpoints.Author(http, request.Actor), null, ct), ct)).WithSummary("Resolve an incident");
        apps.MapPost("/incidents/{id}/severity", SetSeverityAsync).WithSummary("Set an incident's severity (1 to 4) with why: its response target and escalation follow");
        apps.MapPost("/incidents/{id}/notes", NoteAsync).WithSummary("Add a note to an incident's timeline");
        apps.MapGet("/incidents/{id}/postmortem", PostmortemAsync).WithSummary("A Markdown postmortem draft of an incident");
    }

    private static IResult Exposition(ApiContext api) => Results.Text(api.Watch.Series.Exposition(), PrometheusTextWriter.ContentType);

    private static IResult MetricsAsync(string app, string? query, ApiContext api)
    {
        if (WrongApp(app, api) is { } wrong)
        {
            return wrong;
        }

        string? name = null;
        var prefix = false;
        var matchers = LabelSet.Empty;
        if (query is { Length: > 0 })
        {
            if (!TryParseSelector(query, out name, out prefix, out matchers, out var error))
            {
                return ApiEndpoints.Error(StatusCodes.Status400BadRequest, $"query '{query}': {error}; write a series name with optional labels, e.g. capstan_http_requests_total{{service=\"web\"}}");
            }
        }

        var values = api.Watch.Series.Snapshot()
            .Where(f => name is null || (prefix ? f.Name.StartsWith(name, StringComparison.Ordinal) : true))
            .SelectMany(f => f.Series)
            .Where(s => name is null || (prefix ? s.Name.StartsWith(name, StringComparison.Ordinal) : s.Name == name))
            .Where(s => s.Labels.Contains(matchers))
            .OrderBy(s => s.Name, StringComparer.Ordinal).ThenBy(s => s.Labels.ToString(), StringComparer.Ordinal)
            .Select(s => new MetricValueView { Name = s.Name, Labels = Map(s.Labels), Value = s.Value, At = s.Timestamp })
            .ToList();
        return Results.Json<IReadOnlyList<MetricValueView>>(values, ApiJson.Default.IReadOnlyListMetricValueView);
    }

    /// <summary><c>name</c>, <c>name{a="b",c="d"}</c> or <c>prefix*</c>: the selectors <c>capstan metrics</c> takes.</summary>
    internal static bool TryParseSelector(string text, out string? name, out bool prefix, out LabelSet matchers, out string error)
    {
        matchers = LabelSet.Empty;
        prefix = false;
        error = "";
        var brace = text.IndexOf('{', StringComparison.Ordinal);
        name = (brace < 0 ? text : text[..brace]).Trim();
        if (name.EndsWith('*'))
        {
            prefix = true;
            name = name[..^1];
        }

        if (name.Length > 0 && !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':'))
        {
            error = $"'{name}' is not a series name (letters, digits, '_' and ':')";
            return false;
        }

        if (name.Length == 0)
        {
            name = null;
        }

        if (brace < 0)
        {
            return true;
        }

        if (!text.EndsWith('}'))
        {
            error = "the labels are not closed by '}'";
            return false;
        }

        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var part in text[(brace + 1)..^1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var value = equals < 0 ? "" : part[(equals + 1)..].Trim();
            if (equals <= 0 || value.Length < 2 || value[0] != '"' || value[^1] != '"')
            {
                error = $"'{part}' is not label=\"value\"";
                return false;
            }

            pairs.Add(new(part[..equals].Trim(), value[1..^1]));
        }

        matchers = LabelSet.From(pairs);
        return true;
    }

    private static async Task<IResult> AlertsAsync(string app, bool? all, ApiContext api, CancellationToken cancellationToken)
    {
        if (WrongApp(app, api) is { } wrong)
        {
            return wrong;
        }

        var alerts = await api.Watch.AlertsAsync(all == true, cancellationToken).ConfigureAwait(false);
        return Results.Json<IReadOnlyList<AlertView>>([.. alerts.Select(a => ViewOf(a, api))], ApiJson.Default.IReadOnlyListAlertView);
    }

    private static async Task<IResult> AcknowledgeAlertAsync(string app, string id, ActorRequest request, HttpContext http, ApiContext api, CancellationToken cancellationToken)
    {
        if (WrongApp(app, api) is { } wrong)
        {
            return wrong;
        }

        try
        {
            var alert = await api.Watch.AcknowledgeAsync(id, ApiEndpoints.Author(http, request.Actor), cancellationToken).ConfigureAwait(false);
            return Results.Json(ViewOf(alert, api), ApiJson.Default.AlertView);
        }
        catch (AlertingException ex)
        {
            return ApiEndpoints.Error(ex.Kind == AlertingErrorKind.NotFound ? StatusCodes.Status404NotFound : StatusCodes.Status409Conflict, ex.Message);
        }
        catch (StateStoreException ex)
        {
            return ApiEndpoints.Error(StatusCodes.Status409Conflict, ex.Message);
        }
    }

    private static AlertView ViewOf(RoutedAlert routed, ApiContext api)
    {
        var alert = routed.Alert;
        return new AlertView
        {
            Id = alert.Fingerprint,
            Rule = alert.RuleName,
            Status = alert.State.ToString().ToLowerInvariant(),
            Severity = AlertLabels.SeverityValue(alert.Severity),
            Labels = Map(alert.Labels),
            Description = alert.Annotations[AlertLabels.Description] ?? alert.RuleName,
            Summary = alert.Annotations[AlertLabels.Summary],
            Runbook = alert.Annotations[AlertLabels.RunbookUrl],
            Value = double.IsFinite(alert.Value) ? alert.Value : null,
            ActiveSince = alert.ActiveSince,
            FiringSince = alert.StartsAt,
            ResolvedAt = alert.EndsAt,
            SilencedBy = routed.SilencedBy,
            InhibitedBy = routed.InhibitedBy.Count > 0 ? string.Join(", ", routed.InhibitedBy) : null,
            AcknowledgedBy = routed.Acknowledgement?.By,
            AcknowledgedAt = routed.Acknowledgement?.At,
            Guard = api.Watch.RuleOf(alert.RuleName)?.Guard == true,
        };
    }

    private static async Task<IResult> SilencesAsync(string app, bool? all, ApiContext api, CancellationToken cancellationToken)
    {
        if (WrongApp(app, api) is { } wrong)
        {
            return wrong;
        }

        var now = api.Clock.GetUtcNow();
        var silences = all == true
            ? await api.Store.Silences.ListAsync(app, 200, cancellationToken).ConfigureAwait(false)
            : await api.Store.Silences.ListActiveAsync(app, now, cancellationToken).ConfigureAwait(false);
        return Results.Json<IReadOnlyList<SilenceView>>([.. silences.Select(s => ViewOf(s, now))], ApiJson.Default.IReadOnlyListSilenceView);
    }

    private static async Task<IResult> AddSilenceAsync(string app, SilenceRequest request, HttpContext http, ApiContext api, CancellationToken cancellationToken)
    {
        if (WrongApp(app, api) is { } wrong)
        {
            return wrong;
        }

        if (!Duration.TryParse(request.For, out var length, out var invalid) || length.Value <= TimeSpan.Zero)
        {
            return ApiEndpoints.Error(StatusCodes.Status400BadRequest, $"for '{request.For}' is not a duration: {invalid.Message ?? "give one longer than 0, like 2h"}");
        }

        if (request.Matchers.Count == 0 || request.Matchers.Any(m => m.Key.Length == 0 || m.Value.Length == 0))
        {
            return ApiEndpoints.Error(StatusCodes.Status400BadRequest, "a silence needs at least one matcher NAME=VALUE, each with a name and a value");
        }

        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            return ApiEndpoints.Error(StatusCodes.Status400BadRequest, "a silence needs a reason, shown to whoever wonders why an alert is quiet");
        }

        try
        {
            var silence = await api.Watch.AddSilenceAsync(LabelSet.From(request.Matchers), length.Value, ApiEndpoints.Author(http, request.Actor), request.Reason, cancellationToken).ConfigureAwait(false);
            return Results.Json(ViewOf(silence, api.Clock.GetUtcNow()), ApiJson.Default.SilenceView, statusCode: StatusCodes.Status201Created);
        }
        catch (AlertingException ex)
        {
            return ApiEndpoints.Error(StatusCodes.Status400BadRequest, ex.Message);
        }
    }

    private static async Task<IResult> ExpireSilenceAsync(string app, string id, HttpContext http, ApiContext api, CancellationToken cancellationToken)
    {
        if (WrongApp(app, api) is { } wrong)
        {
            return wrong;
        }

        try
        {
            var silence = await api.Watch.ExpireSilenceAsync(id, ApiEndpoints.Author(http, null), cancellationToken).ConfigureAwait(false);
            return Results.Json(ViewOf(silence, api.Clock.GetUtcNow()), ApiJson.Default.SilenceView);
        }
        catch (AlertingException ex)
        {
            return ApiEndpoints.Error(ex.Kind == AlertingErrorKind.NotFound ? StatusCodes.Status404NotFound : StatusCodes.Status409Conflict, ex.Message);
        }
    }

    private static SilenceView ViewOf(Capstan.State.Silence silence, DateTimeOffset now) => new()
    {
        Id = silence.Id,
        Matchers = silence.Matchers,
        StartsAt = silence.StartsAt,
        EndsAt = silence.ExpiredAt is { } expired && expired < silence.EndsAt ? expired : silence.EndsAt,
        CreatedBy = silence.CreatedBy,
        Reason = silence.Reason,
        Status = silence.IsActiveAt(now) ? "active" : now < silence.StartsAt ? "pending" : "expired",
    };

    private static async Task<IResult> IncidentsAsync(string app, bool? all, ApiContext api, CancellationToken cancellationToken)
    {
        if (WrongApp(app, api) is { } wrong)
        {
            return wrong;
        }

        var incidents = await api.Store.Incidents.ListAsync(app, unresolvedOnly: all != true, since: null, limit: 200, cancellationToken).ConfigureAwait(false);
        return Results.Json<IReadOnlyList<IncidentView>>([.. incidents.Select(i => ViewOf(i, null, api))], ApiJson.Default.IReadOnlyListIncidentView);
    }

    private static async Task<IResult> OpenIncidentAsync(string app, Contracts.IncidentRequest request, HttpContext http, ApiContext api, CancellationToken cancellationToken)
    {
        if (WrongApp(app, api) is { } wrong)
        {
            return wrong;
        }

        if (request.Severity is < 1 or > 4)
        {
            return ApiEndpoints.Error(StatusCodes.Status400BadRequest, $"severity {request.Severity} is not one of 1 (outage) to 4 (minor)");
        }

        if (string.IsNullOrWhiteSpace(request.Title))
        {
            return ApiEndpoints.Error(StatusCodes.Status400BadRequest, "an incident needs a title: what is wrong, in a line");
        }

        var incident = await api.Watch.Incidents.OpenAsync(new Capstan.Observability.Incidents.IncidentRequest
        {
            App = app,
            Environment = request.Environment,
            Title = request.Title,
            Severity = IncidentSeverity.FromLevel(request.Severity),
            Services = request.Services,
            OpenedBy = ApiEndpoints.Author(http, request.Actor),
        }, cancellationToken).ConfigureAwait(false);
        return Results.Json(ViewOf(incident, null, api), ApiJson.Default.IncidentView, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> IncidentAsync(string app, string id, ApiContext api, CancellationToken cancellationToken)
    {
        if (await FindAsync(app, id, api, cancellationToken).ConfigureAwait(false) is not { } incident)
        {
            return NoIncident(id);
        }

        var timeline = await api.Store.Incidents.ListEventsAsync(id, cancellationToken).ConfigureAwait(false);
        return Results.Json(ViewOf(incident, timeline, api), ApiJson.Default.IncidentView);
    }

    private static async Task<IResult> TransitionAsync(string app, string id, HttpContext http, ApiContext api, Func<Incident, Task<Incident>> transition, CancellationToken cancellationToken)
    {
        _ = http;
        if (await FindAsync(app, id, api, cancellationToken).ConfigureAwait(false) is not { } incident)
        {
            return NoIncident(id);
        }

        try
        {
            return Results.Json(ViewOf(await transition(incident).ConfigureAwait(false), null, api), ApiJson.Default.IncidentView);
        }
        catch (StateStoreException ex)
        {
            return ApiEndpoints.Error(StatusCodes.Status409Conflict, ex.Message);
        }
    }

    private static Task<IResult> SetSeverityAsync(string app, string id, IncidentSeverityRequest request, HttpContext http, ApiContext api, CancellationToken cancellationToken) =>
        request.Severity is < 1 or > 4
            ? Task.FromResult(ApiEndpoints.Error(StatusCodes.Status400BadRequest, $"severity {request.Severity} is not one of 1 (outage) to 4 (minor)"))
            : TransitionAsync(app, id, http, api, _ => api.Watch.Incidents.SetSeverityAsync(
                id, IncidentSeverity.FromLevel(request.Severity), ApiEndpoints.Author(http, request.Actor), request.Reason, cancellationToken), cancellationToken);

    private static async Task<IResult> NoteAsync(string app, string id, IncidentNoteRequest request, HttpContext http, ApiContext api, CancellationToken cancellationToken)
    {
        if (await FindAsync(app, id, api, cancellationToken).ConfigureAwait(false) is not { } incident)
        {
            return NoIncident(id);
        }

        if (string.IsNullOrWhiteSpace(request.Text))
        {
            return ApiEndpoints.Error(StatusCodes.Status400BadRequest, "a note needs text");
        }

        await api.Watch.Incidents.NoteAsync(id, ApiEndpoints.Author(http, request.Actor), request.Text, cancellationToken).ConfigureAwait(false);
        return Results.Json(ViewOf(incident, null, api), ApiJson.Default.IncidentView);
    }

    private static async Task<IResult> PostmortemAsync(string app, string id, ApiContext api, CancellationToken cancellationToken)
    {
        if (await FindAsync(app, id, api, cancellationToken).ConfigureAwait(false) is not { } incident)
        {
            return NoIncident(id);
        }

        var timeline = await api.Store.Incidents.ListEventsAsync(id, cancellationToken).ConfigureAwait(false);
        var changes = await api.Watch.ChangesBeforeAsync(incident, cancellationToken).ConfigureAwait(false);
        var impact = new PostmortemImpact { SloTarget = ObservabilityService.DefaultSloTarget, ErrorRatio = api.Watch.ErrorRatioDuring(incident) };
        var markdown = PostmortemWriter.Write(incident, timeline, changes, impact);
        return Results.Text(markdown, "text/markdown; charset=utf-8");
    }

    private static async Task<Incident?> FindAsync(string app, string id, ApiContext api, CancellationToken cancellationToken)
    {
        try
        {
            var incident = await api.Store.Incidents.GetAsync(id, cancellationToken).ConfigureAwait(false);
            return incident?.App == app ? incident : null;
        }
        catch (StateStoreException)
        {
            return null;
        }
    }

    private static IResult NoIncident(string id) =>
        ApiEndpoints.Error(StatusCodes.Status404NotFound, $"no incident {id}: 'capstan incident list --all' lists them");

    private static IncidentView ViewOf(Incident incident, IReadOnlyList<IncidentEvent>? timeline, ApiContext api)
    {
        var severity = IncidentSeverity.FromLevel(incident.Severity);
        return new IncidentView
        {
            Id = incident.Id,
            Title = incident.Title,
            Severity = severity.Name,
            ResponseTargetSeconds = severity.ResponseTarget.TotalSeconds,
            Status = incident.Status.ToString().ToLowerInvariant(),
            Environment = incident.Environment,
            Services = incident.Services,
            OpenedAt = incident.OpenedAt,
            OpenedBy = incident.OpenedBy,
            AcknowledgedAt = incident.AcknowledgedAt,
            AcknowledgedBy = incident.AcknowledgedBy,
            ResolvedAt = incident.ResolvedAt,
            ResolvedBy = incident.ResolvedBy,
            OnCall = api.Watch.OnCallNow,
            Timeline = timeline?.Select(e => new IncidentEventView { At = e.At, Kind = e.Kind.ToString().ToLowerInvariant(), Actor = e.Actor, Text = e.Text }).ToList(),
        };
    }

    private static IResult? WrongApp(string app, ApiContext api) =>
        app == api.Watch.App ? null : ApiEndpoints.Error(StatusCodes.Status404NotFound, $"this server watches app '{api.Watch.App}', not '{app}'");

    private static Dictionary<string, string> Map(LabelSet labels) => labels.ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal);
}
