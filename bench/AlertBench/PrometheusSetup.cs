using System.Globalization;
using Capstan.Observability.Exposition;
using Capstan.Testing;

namespace AlertBench;

/// <summary>
/// A real Prometheus scraping Capstan's <c>/metrics</c> (bearer token, <c>honor_labels: true</c>) with the exported rules,
/// sending to a real Alertmanager that posts to its own <see cref="WebhookRecorder"/>: the baseline the alert latency
/// is compared with.
/// </summary>
internal sealed class PrometheusSetup : IAsyncDisposable
{
    public const string Job = "capstan";

    private PrometheusSetup(string name, WebhookRecorder webhook)
    {
        Name = name;
        Webhook = webhook;
    }

    public string Name { get; }

    public WebhookRecorder Webhook { get; }

    public AlertmanagerServer? Alertmanager { get; private set; }

    public PrometheusServer? Prometheus { get; private set; }

    /// <summary>
    /// Starts the Alertmanager (<paramref name="alertmanager"/> gets this setup's webhook URL), then the Prometheus (its
    /// Alertmanager and its scrape job of Capstan set here); everything else comes from the options as given.
    /// </summary>
    public static async Task<PrometheusSetup> StartAsync(
        string name, PrometheusOptions prometheus, Func<Uri, AlertmanagerOptions> alertmanager, string metricsTarget, string token, CancellationToken cancellationToken)
    {
        var setup = new PrometheusSetup(name, WebhookRecorder.Start());
        try
        {
            setup.Alertmanager = await AlertmanagerServer.StartAsync(alertmanager(new Uri(setup.Webhook.Url, "alertmanager")), cancellationToken);
            setup.Prometheus = await PrometheusServer.StartAsync(
                prometheus with
                {
                    AlertmanagerUrls = [setup.Alertmanager.Url],
                    ScrapeJobs = [new PrometheusScrapeJob { JobName = Job, Targets = [metricsTarget], BearerToken = token, HonorLabels = true }],
                },
                cancellationToken);
            return setup;
        }
        catch
        {
            await setup.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until Prometheus sends to its Alertmanager and has scraped Capstan once (up to a scrape interval).</summary>
    public async Task WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        await Prometheus!.WaitForAlertmanagersAsync(timeout, cancellationToken);
        await Prometheus.WaitForTargetUpAsync(Job, timeout, cancellationToken);
    }

    /// <summary>
    /// Alertmanager's notification groups now (<c>alertmanager_dispatcher_aggregation_groups</c>). A group that outlives
    /// its alerts (Alertmanager deletes empty groups every 30 s) would take a new alert at its next group_interval
    /// instead of at once: each round starts when there is none.
    /// </summary>
    public async Task<int> AggregationGroupsAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var text = await http.GetStringAsync(new Uri(Alertmanager!.Url, "metrics"), cancellationToken);
        return (int)Exposition.Value(text, "alertmanager_dispatcher_aggregation_groups");
    }

    /// <summary>Stops Prometheus and Alertmanager; the webhook's records stay readable.</summary>
    public async Task StopServersAsync()
    {
        if (Prometheus is { } prometheus)
        {
            await prometheus.DisposeAsync();
            Prometheus = null;
        }

        if (Alertmanager is { } alertmanager)
        {
            await alertmanager.DisposeAsync();
            Alertmanager = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopServersAsync();
        await Webhook.DisposeAsync();
    }
}

/// <summary>Reads one value out of a server's own <c>/metrics</c> text.</summary>
internal static class Exposition
{
    /// <summary>The value of the first sample named <paramref name="name"/> having every label of <paramref name="labels"/>; NaN when none.</summary>
    public static double Value(string text, string name, params (string Name, string Value)[] labels)
    {
        foreach (var family in PrometheusTextParser.Parse(text).Families)
        {
            foreach (var sample in family.Samples)
            {
                if (sample.Name == name && labels.All(l => sample.Labels[l.Name] == l.Value))
                {
                    return sample.Value;
                }
            }
        }

        return double.NaN;
    }

    public static string Mib(double bytes) => (bytes / (1024 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB";
}
