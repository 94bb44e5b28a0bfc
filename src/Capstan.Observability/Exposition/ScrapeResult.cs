namespace Capstan.Observability.Exposition;

/// <summary>
/// What one scrape of a <c>/metrics</c> endpoint gave: the parsed exposition, or a <see cref="Failure"/> saying why
/// there is none (target down, timed out, non-2xx answer, body over the size limit), and how long it took.
/// </summary>
public sealed record ScrapeResult
{
    public required Uri Target { get; init; }

    /// <summary>The families and line problems of the body; empty when the scrape failed.</summary>
    public required ExpositionResult Exposition { get; init; }

    /// <summary>Why the scrape gave no exposition, e.g. <c>http://127.0.0.1:9100/metrics answered 500 Internal Server Error</c>; null on success.</summary>
    public string? Failure { get; init; }

    /// <summary>True when the failure is the scrape's timeout running out.</summary>
    public bool TimedOut { get; init; }

    /// <summary>The HTTP status of the answer, or null when there was none.</summary>
    public int? StatusCode { get; init; }

    /// <summary>The bytes of body read: all of it, or one past the limit when it was too large; 0 when a Content-Length over the limit stopped the scrape before reading.</summary>
    public long BodyBytes { get; init; }

    /// <summary>From sending the request to the end of parsing (or the failure).</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>True when the target answered 2xx with a body within the limit; the body may still have had bad lines.</summary>
    public bool Succeeded => Failure is null;

    public IReadOnlyList<MetricFamily> Families => Exposition.Families;

    public IReadOnlyList<ExpositionProblem> Problems => Exposition.Problems;
}
