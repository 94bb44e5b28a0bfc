using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Capstan.Testing;

/// <summary>
/// A real Prometheus for one test, the oracle that Capstan's metrics and alerting are checked against: it scrapes the
/// jobs of its <see cref="PrometheusOptions"/>, evaluates their rule files and sends alerts to their Alertmanagers.
/// </summary>
/// <remarks>
/// <para>
/// Runs Debian's <c>prometheus</c> (2.42 on the test machines; <c>scripts/test</c> installs it) in the foreground on a
/// free 127.0.0.1 port, with its configuration, rule files and TSDB in a temp folder, and is ready once
/// <c>/-/ready</c> answers. Disposing kills it and deletes the folder. Failure messages include its log.
/// </para>
/// <para>
/// <code>
/// await using var prometheus = await PrometheusServer.StartAsync(new PrometheusOptions
/// {
///     ScrapeInterval = TimeSpan.FromSeconds(1),
///     ScrapeJobs = [new PrometheusScrapeJob { JobName = "app", Targets = ["127.0.0.1:8080"] }],
/// }, ct);
/// await prometheus.WaitForTargetUpAsync("app", TimeSpan.FromSeconds(10), ct);
/// var samples = await prometheus.QueryAsync("capstan_requests_total", ct);
/// </code>
/// </para>
/// <para>
/// Prometheus learns of its Alertmanagers only about 5 s after it starts (its discovery sends updates every 5 s), and
/// drops the alerts that fire before: await <see cref="WaitForAlertmanagersAsync"/> before making an alert's condition
/// true, or set <see cref="PrometheusOptions.AlertResendDelay"/> short when the condition is true from the start.
/// </para>
/// </remarks>
public sealed class PrometheusServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _folder;
    private readonly HttpClient _http;
    private readonly LoopbackServerProcess _process;
    private readonly PrometheusOptions _options;

    private PrometheusServer(TempDirectory folder, HttpClient http, LoopbackServerProcess process, PrometheusOptions options, string configurationPath)
    {
        _folder = folder;
        _http = http;
        _process = process;
        _options = options;
        ConfigurationPath = configurationPath;
        Url = new Uri($"http://127.0.0.1:{process.Port}/");
    }

    /// <summary>The server's base URL, <c>http://127.0.0.1:PORT/</c>; also its <c>--web.external-url</c>, so alerts' generator URLs start with it.</summary>
    public Uri Url { get; }

    public int Port => _process.Port;

    /// <summary>The <c>prometheus.yml</c> it was started with, e.g. for <c>promtool check config</c>.</summary>
    public string ConfigurationPath { get; }

    /// <summary>The last lines of its log.</summary>
    public string Output => _process.Output;

    /// <summary>Writes the configuration and rule files, starts Prometheus and waits until it is ready.</summary>
    /// <exception cref="InvalidOperationException">Prometheus is not installed (the message says how to install it), or it exited at start (the message has its log).</exception>
    /// <exception cref="TimeoutException">It was not ready within 30 s.</exception>
    public static async Task<PrometheusServer> StartAsync(PrometheusOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var binary = InstalledTool.Find("Prometheus", "prometheus", "prometheus");
        var folder = new TempDirectory("capstan-prometheus-");
        var http = new HttpClient();
        try
        {
            var configuration = folder.Write("prometheus.yml", Configuration(options, folder));
            var process = await LoopbackServerProcess.StartAsync(
                "Prometheus",
                binary,
                port => Arguments(options, configuration, folder.Combine("data"), port),
                folder.Path,
                http,
                StartTimeout,
                cancellationToken).ConfigureAwait(false);
            return new PrometheusServer(folder, http, process, options, configuration);
        }
        catch
        {
            http.Dispose();
            folder.Dispose();
            throw;
        }
    }

    /// <summary>Evaluates an instant query now (<c>/api/v1/query</c>): one sample per series, or one unlabelled sample for a scalar.</summary>
    /// <exception cref="InvalidOperationException">Prometheus rejected the query; the message has its error.</exception>
    public async Task<IReadOnlyList<PrometheusSample>> QueryAsync(string promql, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(promql);
        var data = await GetDataAsync("api/v1/query?query=" + Uri.EscapeDataString(promql), cancellationToken).ConfigureAwait(false);
        var resultType = data.GetProperty("resultType").GetString();
        var result = data.GetProperty("result");
        return resultType switch
        {
            "vector" => [.. result.EnumerateArray().Select(s => Sample(Labels(s.GetProperty("metric")), s.GetProperty("value")))],
            "scalar" => [Sample(new SortedDictionary<string, string>(StringComparer.Ordinal), result)],
            _ => throw new ArgumentException(
                $"'{promql}' gives a {resultType}; QueryAsync reads instant vectors and scalars (turn a range vector into one with a function such as rate()).",
                nameof(promql)),
        };
    }

    /// <summary>The active scrape targets and their health after their last scrape (<c>/api/v1/targets</c>).</summary>
    public async Task<IReadOnlyList<PrometheusTarget>> TargetsAsync(CancellationToken cancellationToken)
    {
        var data = await GetDataAsync("api/v1/targets?state=active", cancellationToken).ConfigureAwait(false);
        return [.. data.GetProperty("activeTargets").EnumerateArray().Select(t =>
        {
            var labels = Labels(t.GetProperty("labels"));
            return new PrometheusTarget
            {
                Job = labels.GetValueOrDefault("job") ?? Text(t, "scrapePool"),
                Instance = labels.GetValueOrDefault("instance") ?? string.Empty,
                ScrapeUrl = Text(t, "scrapeUrl"),
                Health = Text(t, "health") switch
                {
                    "up" => PrometheusTargetHealth.Up,
                    "down" => PrometheusTargetHealth.Down,
                    _ => PrometheusTargetHealth.Unknown,
                },
                LastError = Text(t, "lastError"),
                LastScrape = Time(Text(t, "lastScrape")),
                Labels = labels,
            };
        })];
    }

    /// <summary>Waits until a target of <paramref name="job"/> meets <paramref name="condition"/>, and returns it.</summary>
    /// <exception cref="TimeoutException">None did within <paramref name="timeout"/>; the message shows the job's targets as last seen, and the log.</exception>
    public async Task<PrometheusTarget> WaitForTargetAsync(
        string job, Func<PrometheusTarget, bool> condition, string what, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(condition);
        IReadOnlyList<PrometheusTarget> seen = [];
        PrometheusTarget? found = null;
        try
        {
            await Poll.UntilAsync(
                async ct =>
                {
                    seen = [.. (await TargetsAsync(ct).ConfigureAwait(false)).Where(t => t.Job == job)];
                    found = seen.FirstOrDefault(condition);
                    return found is not null;
                },
                $"a target of job '{job}' {what}",
                timeout,
                cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            throw Explained(e, "targets of job '" + job + "'", seen);
        }

        return found!;
    }

    /// <summary>Waits until a target of <paramref name="job"/> was scraped successfully, and returns it.</summary>
    /// <exception cref="TimeoutException">None was within <paramref name="timeout"/>; the message shows why each last scrape failed, and the log.</exception>
    public Task<PrometheusTarget> WaitForTargetUpAsync(string job, TimeSpan timeout, CancellationToken cancellationToken) =>
        WaitForTargetAsync(job, t => t.Health == PrometheusTargetHealth.Up, "is up", timeout, cancellationToken);

    /// <summary>The rules of every rule group with their health and, for alerting rules, state and alerts (<c>/api/v1/rules</c>).</summary>
    public async Task<IReadOnlyList<PrometheusRule>> RulesAsync(CancellationToken cancellationToken)
    {
        var data = await GetDataAsync("api/v1/rules", cancellationToken).ConfigureAwait(false);
        return [.. data.GetProperty("groups").EnumerateArray().SelectMany(g => g.GetProperty("rules").EnumerateArray().Select(r => new PrometheusRule
        {
            Group = Text(g, "name"),
            File = Text(g, "file"),
            Name = Text(r, "name"),
            Type = Text(r, "type"),
            Query = Text(r, "query"),
            Health = Text(r, "health"),
            LastError = Text(r, "lastError"),
            State = r.TryGetProperty("state", out var state) ? state.GetString() : null,
            Alerts = r.TryGetProperty("alerts", out var alerts) ? [.. alerts.EnumerateArray().Select(Alert)] : [],
        }))];
    }

    /// <summary>The pending and firing alerts of every alerting rule (<c>/api/v1/alerts</c>).</summary>
    public async Task<IReadOnlyList<PrometheusAlert>> AlertsAsync(CancellationToken cancellationToken)
    {
        var data = await GetDataAsync("api/v1/alerts", cancellationToken).ConfigureAwait(false);
        return [.. data.GetProperty("alerts").EnumerateArray().Select(Alert)];
    }

    /// <summary>Waits until an alert named <paramref name="alertName"/> fires, and returns it.</summary>
    /// <exception cref="TimeoutException">It did not within <paramref name="timeout"/>; the message shows the rules as last seen, and the log.</exception>
    public async Task<PrometheusAlert> WaitForAlertFiringAsync(string alertName, TimeSpan timeout, CancellationToken cancellationToken)
    {
        PrometheusAlert? firing = null;
        try
        {
            await Poll.UntilAsync(
                async ct =>
                {
                    firing = (await AlertsAsync(ct).ConfigureAwait(false)).FirstOrDefault(a => a.Name == alertName && a.State == "firing");
                    return firing is not null;
                },
                $"alert '{alertName}' fires",
                timeout,
                cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            throw Explained(e, "rules", await RulesAsync(cancellationToken).ConfigureAwait(false));
        }

        return firing!;
    }

    /// <summary>The Alertmanager API URLs Prometheus currently sends alerts to (<c>/api/v1/alertmanagers</c>).</summary>
    public async Task<IReadOnlyList<Uri>> AlertmanagersAsync(CancellationToken cancellationToken)
    {
        var data = await GetDataAsync("api/v1/alertmanagers", cancellationToken).ConfigureAwait(false);
        return [.. data.GetProperty("activeAlertmanagers").EnumerateArray().Select(a => new Uri(Text(a, "url")))];
    }

    /// <summary>
    /// Waits until Prometheus sends alerts to every Alertmanager of its options. Until then it drops the alerts that fire
    /// (about the first 5 s after it starts), so a test or benchmark awaits this before making an alert's condition true.
    /// </summary>
    /// <exception cref="TimeoutException">Not within <paramref name="timeout"/>; the message shows those it knew, and the log.</exception>
    public async Task WaitForAlertmanagersAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var expected = _options.AlertmanagerUrls.Select(u => new Uri(u.GetLeftPart(UriPartial.Authority) + u.AbsolutePath.TrimEnd('/') + "/api/v2/alerts")).ToList();
        IReadOnlyList<Uri> seen = [];
        try
        {
            await Poll.UntilAsync(
                async ct =>
                {
                    seen = await AlertmanagersAsync(ct).ConfigureAwait(false);
                    return expected.All(seen.Contains);
                },
                $"Prometheus sends alerts to {string.Join(", ", expected)}",
                timeout,
                cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            throw Explained(e, "active Alertmanagers", seen);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync().ConfigureAwait(false);
        _http.Dispose();
        _folder.Dispose();
    }

    /// <summary>The <c>prometheus.yml</c> for the options; token and rule files are written into <paramref name="folder"/>.</summary>
    private static string Configuration(PrometheusOptions options, TempDirectory folder)
    {
        var yaml = new StringBuilder();
        yaml.AppendLine("global:")
            .AppendLine($"  scrape_interval: {PrometheusYaml.Duration(options.ScrapeInterval)}")
            .AppendLine($"  evaluation_interval: {PrometheusYaml.Duration(options.EvaluationInterval)}");
        if (options.ScrapeTimeout is { } scrapeTimeout)
        {
            yaml.AppendLine($"  scrape_timeout: {PrometheusYaml.Duration(scrapeTimeout)}");
        }

        yaml.AppendLine("rule_files:" + (options.RuleFiles.Count == 0 ? " []" : string.Empty));
        foreach (var (name, content) in options.RuleFiles)
        {
            if (name.Length == 0 || Path.GetFileName(name) != name)
            {
                throw new ArgumentException($"Rule file name '{name}' must be a plain file name such as 'alerts.yml', without folders.", nameof(options));
            }

            yaml.AppendLine("  - " + PrometheusYaml.Quote(folder.Write(Path.Combine("rules", name), content)));
        }

        if (options.AlertmanagerUrls.Count > 0)
        {
            yaml.AppendLine("alerting:").AppendLine("  alertmanagers:");
            foreach (var url in options.AlertmanagerUrls)
            {
                yaml.AppendLine("    - scheme: " + url.Scheme)
                    .AppendLine("      path_prefix: " + PrometheusYaml.Quote(url.AbsolutePath))
                    .AppendLine("      static_configs:")
                    .AppendLine("        - targets: [" + PrometheusYaml.Quote(url.Authority) + "]");
            }
        }

        yaml.AppendLine("scrape_configs:" + (options.ScrapeJobs.Count == 0 ? " []" : string.Empty));
        for (var index = 0; index < options.ScrapeJobs.Count; index++)
        {
            var job = options.ScrapeJobs[index];
            yaml.AppendLine("  - job_name: " + PrometheusYaml.Quote(job.JobName))
                .AppendLine("    metrics_path: " + PrometheusYaml.Quote(job.MetricsPath));
            if (job.ScrapeInterval is { } interval)
            {
                yaml.AppendLine("    scrape_interval: " + PrometheusYaml.Duration(interval));
            }

            if (job.HonorLabels)
            {
                yaml.AppendLine("    honor_labels: true");
            }

            if (job.BearerToken is { } token)
            {
                yaml.AppendLine("    authorization:");
                if (job.BearerTokenInFile)
                {
                    var file = folder.Write(Path.Combine("tokens", string.Create(CultureInfo.InvariantCulture, $"job-{index}.token")), token);
                    yaml.AppendLine("      credentials_file: " + PrometheusYaml.Quote(file));
                }
                else
                {
                    yaml.AppendLine("      credentials: " + PrometheusYaml.Quote(token));
                }
            }

            yaml.AppendLine("    static_configs:")
                .AppendLine("      - targets: [" + string.Join(", ", job.Targets.Select(PrometheusYaml.Quote)) + "]");
        }

        return yaml.ToString();
    }

    private static List<string> Arguments(PrometheusOptions options, string configuration, string data, int port)
    {
        var url = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{port}");
        List<string> arguments =
        [
            "--config.file=" + configuration,
            "--storage.tsdb.path=" + data,
            "--web.listen-address=" + url,
            $"--web.external-url=http://{url}/",
        ];
        if (options.AlertResendDelay is { } resendDelay)
        {
            arguments.Add("--rules.alert.resend-delay=" + PrometheusYaml.Duration(resendDelay));
        }

        arguments.AddRange(options.ExtraArguments);
        return arguments;
    }

    private async Task<JsonElement> GetDataAsync(string pathAndQuery, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri(Url, pathAndQuery), cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            throw new InvalidOperationException($"Prometheus answered GET /{pathAndQuery} with {(int)response.StatusCode} and no JSON: {body}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (Text(root, "status") != "success")
            {
                throw new InvalidOperationException(
                    $"Prometheus answered GET /{pathAndQuery} with {(int)response.StatusCode}, {Text(root, "errorType")}: {Text(root, "error")}");
            }

            return root.GetProperty("data").Clone();
        }
    }

    private TimeoutException Explained<T>(TimeoutException e, string what, IEnumerable<T> seen)
    {
        var lines = seen.Select(s => "  " + s).ToList();
        var log = Output.Split('\n');
        return new TimeoutException(
            $"{e.Message}\n{what} last seen:\n{(lines.Count == 0 ? "  (none)" : string.Join('\n', lines))}\nPrometheus log (last lines):\n{string.Join('\n', log.TakeLast(30))}",
            e);
    }

    private static PrometheusAlert Alert(JsonElement alert) => new()
    {
        Labels = Labels(alert.GetProperty("labels")),
        Annotations = alert.TryGetProperty("annotations", out var annotations) ? Labels(annotations) : new SortedDictionary<string, string>(),
        State = Text(alert, "state"),
        ActiveAt = Time(Text(alert, "activeAt")),
        Value = Value(Text(alert, "value")),
    };

    private static PrometheusSample Sample(IReadOnlyDictionary<string, string> labels, JsonElement value) => new()
    {
        Labels = labels,
        Timestamp = DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(value[0].GetDouble() * 1000)),
        Value = Value(value[1].GetString() ?? string.Empty),
    };

    private static SortedDictionary<string, string> Labels(JsonElement map)
    {
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in map.EnumerateObject())
        {
            labels[property.Name] = property.Value.GetString() ?? string.Empty;
        }

        return labels;
    }

    private static string Text(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : string.Empty;

    // Go's zero time stands for "never".
    private static DateTimeOffset? Time(string text) =>
        text.Length == 0 || text.StartsWith("0001-01-01", StringComparison.Ordinal)
            ? null
            : DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private static double Value(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };
}
