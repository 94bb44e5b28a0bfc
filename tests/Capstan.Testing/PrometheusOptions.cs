namespace Capstan.Testing;

/// <summary>
/// What a <see cref="PrometheusServer"/> is started with. Unset timings are Prometheus's own defaults, so a test states
/// only what it tunes.
/// </summary>
public sealed record PrometheusOptions
{
    /// <summary>The jobs to scrape (<c>scrape_configs</c>).</summary>
    public IReadOnlyList<PrometheusScrapeJob> ScrapeJobs { get; init; } = [];

    /// <summary><c>global.scrape_interval</c>; Prometheus's default is 1m.</summary>
    public TimeSpan ScrapeInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary><c>global.scrape_timeout</c>; unset, Prometheus takes 10s, or the scrape interval when that is shorter.</summary>
    public TimeSpan? ScrapeTimeout { get; init; }

    /// <summary><c>global.evaluation_interval</c>: how often rules are evaluated; Prometheus's default is 1m.</summary>
    public TimeSpan EvaluationInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Rule files by file name (<c>alerts.yml</c>, no folders) with their YAML content, written into the server's folder
    /// and listed in <c>rule_files</c>.
    /// </summary>
    public IReadOnlyDictionary<string, string> RuleFiles { get; init; } = new Dictionary<string, string>();

    /// <summary>The Alertmanagers that firing alerts are sent to (<c>alerting.alertmanagers</c>), e.g. <see cref="AlertmanagerServer.Url"/>.</summary>
    public IReadOnlyList<Uri> AlertmanagerUrls { get; init; } = [];

    /// <summary>
    /// <c>--rules.alert.resend-delay</c>: how long Prometheus waits before sending a still-firing alert again; unset, its
    /// default of 1m. An alert that fires before Prometheus has found its Alertmanagers (about 5 s after it starts) is
    /// dropped and reaches them only when resent.
    /// </summary>
    public TimeSpan? AlertResendDelay { get; init; }

    /// <summary>More command-line flags, passed as given after the helper's own.</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];
}

/// <summary>
/// One scrape job: its targets (<c>host:port</c>) scraped over HTTP at <see cref="MetricsPath"/>, with a bearer token
/// when <see cref="BearerToken"/> is set.
/// </summary>
public sealed record PrometheusScrapeJob
{
    /// <summary><c>job_name</c>, the <c>job</c> label of every series it scrapes.</summary>
    public required string JobName { get; init; }

    /// <summary>The targets as <c>host:port</c>, each one the <c>instance</c> label of its series.</summary>
    public required IReadOnlyList<string> Targets { get; init; }

    public string MetricsPath { get; init; } = "/metrics";

    /// <summary>A token sent as <c>Authorization: Bearer TOKEN</c>.</summary>
    public string? BearerToken { get; init; }

    /// <summary>
    /// True to write <see cref="BearerToken"/> to a file in the server's folder and name it in
    /// <c>authorization.credentials_file</c>; false to put it in the configuration (<c>authorization.credentials</c>).
    /// </summary>
    public bool BearerTokenInFile { get; init; }

    /// <summary>
    /// <c>honor_labels: true</c>: the scraped series keep their own <c>job</c> and <c>instance</c> labels instead of
    /// getting them renamed to <c>exported_…</c> (what scraping Capstan, which labels instances, needs).
    /// </summary>
    public bool HonorLabels { get; init; }

    /// <summary>This job's <c>scrape_interval</c>; unset, the global one.</summary>
    public TimeSpan? ScrapeInterval { get; init; }
}
