using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Capstan.Testing;

/// <summary>
/// A real Alertmanager for one test, the reference that Capstan's alert routing and its Alertmanager-compatible webhook
/// are compared with: it routes every alert to one webhook receiver with the grouping and timings of its
/// <see cref="AlertmanagerOptions"/>.
/// </summary>
/// <remarks>
/// <para>
/// Runs Debian's <c>prometheus-alertmanager</c> (0.25 on the test machines; <c>scripts/test</c> installs it) in the
/// foreground on a free 127.0.0.1 port, without clustering (<c>--cluster.listen-address=</c>, so no gossip port), with its
/// configuration and state in a temp folder, and is ready once <c>/-/ready</c> answers. Disposing kills it and deletes
/// the folder. Give <see cref="Url"/> to <see cref="PrometheusOptions.AlertmanagerUrls"/>, or post alerts to it directly
/// with <see cref="PostAlertAsync"/>.
/// </para>
/// <para>
/// <code>
/// await using var webhook = WebhookRecorder.Start();
/// await using var alertmanager = await AlertmanagerServer.StartAsync(
///     new AlertmanagerOptions { WebhookUrl = webhook.Url, GroupWait = TimeSpan.Zero }, ct);
/// </code>
/// </para>
/// </remarks>
public sealed class AlertmanagerServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _folder;
    private readonly HttpClient _http;
    private readonly LoopbackServerProcess _process;

    private AlertmanagerServer(TempDirectory folder, HttpClient http, LoopbackServerProcess process, string configurationPath)
    {
        _folder = folder;
        _http = http;
        _process = process;
        ConfigurationPath = configurationPath;
        Url = new Uri($"http://127.0.0.1:{process.Port}/");
    }

    /// <summary>The server's base URL, <c>http://127.0.0.1:PORT/</c>; also its <c>--web.external-url</c>, the <c>externalURL</c> of its notifications.</summary>
    public Uri Url { get; }

    public int Port => _process.Port;

    /// <summary>The <c>alertmanager.yml</c> it was started with.</summary>
    public string ConfigurationPath { get; }

    /// <summary>The last lines of its log.</summary>
    public string Output => _process.Output;

    /// <summary>Writes the configuration, starts Alertmanager and waits until it is ready.</summary>
    /// <exception cref="InvalidOperationException">Alertmanager is not installed (the message says how to install it), or it exited at start (the message has its log).</exception>
    /// <exception cref="TimeoutException">It was not ready within 30 s.</exception>
    public static async Task<AlertmanagerServer> StartAsync(AlertmanagerOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var binary = InstalledTool.Find("Alertmanager", "prometheus-alertmanager", "prometheus-alertmanager", "alertmanager");
        var folder = new TempDirectory("capstan-alertmanager-");
        var http = new HttpClient();
        try
        {
            var configuration = folder.Write("alertmanager.yml", Configuration(options));
            var process = await LoopbackServerProcess.StartAsync(
                "Alertmanager",
                binary,
                port =>
                {
                    var url = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{port}");
                    return
                    [
                        "--config.file=" + configuration,
                        "--storage.path=" + folder.Combine("data"),
                        "--web.listen-address=" + url,
                        $"--web.external-url=http://{url}/",
                        // No peers: an empty address turns clustering off and opens no gossip port.
                        "--cluster.listen-address=",
                        .. options.ExtraArguments,
                    ];
                },
                folder.Path,
                http,
                StartTimeout,
                cancellationToken).ConfigureAwait(false);
            return new AlertmanagerServer(folder, http, process, configuration);
        }
        catch
        {
            http.Dispose();
            folder.Dispose();
            throw;
        }
    }

    /// <summary>Posts one firing alert to <c>/api/v2/alerts</c>, as Prometheus does, without starting a Prometheus.</summary>
    /// <exception cref="InvalidOperationException">Alertmanager refused it; the message has its answer.</exception>
    public async Task PostAlertAsync(
        IReadOnlyDictionary<string, string> labels,
        IReadOnlyDictionary<string, string>? annotations,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(labels);
        object[] alerts = [new { labels, annotations = annotations ?? new Dictionary<string, string>() }];
        using var response = await _http.PostAsJsonAsync(new Uri(Url, "api/v2/alerts"), alerts, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException(
                $"Alertmanager answered POST /api/v2/alerts with {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}");
        }
    }

    /// <summary>The labels of each alert Alertmanager holds (<c>/api/v2/alerts</c>), e.g. to tell whether Prometheus's alert arrived.</summary>
    public async Task<IReadOnlyList<IReadOnlyDictionary<string, string>>> AlertsAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri(Url, "api/v2/alerts"), cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        return [.. document.RootElement.EnumerateArray().Select(a => (IReadOnlyDictionary<string, string>)a.GetProperty("labels")
            .EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty, StringComparer.Ordinal))];
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync().ConfigureAwait(false);
        _http.Dispose();
        _folder.Dispose();
    }

    private static string Configuration(AlertmanagerOptions options)
    {
        var yaml = new StringBuilder()
            .AppendLine("route:")
            .AppendLine("  receiver: " + PrometheusYaml.Quote(options.Receiver));
        if (options.GroupBy.Count > 0)
        {
            yaml.AppendLine("  group_by: [" + string.Join(", ", options.GroupBy.Select(PrometheusYaml.Quote)) + "]");
        }

        return yaml
            .AppendLine("  group_wait: " + PrometheusYaml.Duration(options.GroupWait))
            .AppendLine("  group_interval: " + PrometheusYaml.Duration(options.GroupInterval))
            .AppendLine("  repeat_interval: " + PrometheusYaml.Duration(options.RepeatInterval))
            .AppendLine("receivers:")
            .AppendLine("  - name: " + PrometheusYaml.Quote(options.Receiver))
            .AppendLine("    webhook_configs:")
            .AppendLine("      - url: " + PrometheusYaml.Quote(options.WebhookUrl.ToString()))
            .AppendLine("        send_resolved: " + (options.SendResolved ? "true" : "false"))
            .ToString();
    }
}
