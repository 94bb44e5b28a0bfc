using System.Buffers;
using System.Globalization;
using System.Text;

namespace Capstan.Observability.Exposition;

/// <summary>
/// Scrapes a <c>/metrics</c> endpoint over HTTP and parses its text exposition. A target that is down, slow past the
/// timeout, answering non-2xx or sending a body over <see cref="MaxBodyBytes"/> gives a <see cref="ScrapeResult"/> with a
/// <see cref="ScrapeResult.Failure"/>, not an exception; only cancelling the caller's token throws.
/// </summary>
/// <remarks>
/// The request asks for <c>Accept: text/plain;version=0.0.4</c>. The timeout covers the whole scrape, headers and body.
/// The body is read as UTF-8, as the format requires. The <see cref="HttpClient"/> is the caller's and is not disposed.
/// </remarks>
public sealed class MetricsScraper
{
    /// <summary>The default largest body read: 10 MiB.</summary>
    public const long DefaultMaxBodyBytes = 10 * 1024 * 1024;

    /// <summary>The Accept header of every scrape.</summary>
    public const string AcceptHeader = "text/plain;version=0.0.4";

    private readonly HttpClient _client;
    private readonly TimeProvider _timeProvider;

    public MetricsScraper(HttpClient client, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The largest body read; a larger one fails the scrape.</summary>
    public long MaxBodyBytes { get; init; } = DefaultMaxBodyBytes;

    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<ScrapeResult> ScrapeAsync(Uri target, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBodyBytes, 1);
        var started = _timeProvider.GetTimestamp();
        using var timer = new CancellationTokenSource(timeout, _timeProvider);
        using var scrape = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        int? status = null;
        long bytes = 0;

        ScrapeResult Failed(string failure, bool timedOut = false) => new()
        {
            Target = target,
            Exposition = ExpositionResult.Empty,
            Failure = failure,
            TimedOut = timedOut,
            StatusCode = status,
            BodyBytes = bytes,
            Duration = _timeProvider.GetElapsedTime(started),
        };

        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, target);
            request.Headers.TryAddWithoutValidation("Accept", AcceptHeader);
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, scrape.Token).ConfigureAwait(false);
            status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                return Failed(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{target} answered {status} {response.ReasonPhrase ?? response.StatusCode.ToString()}"));
            }

            if (response.Content.Headers.ContentLength > MaxBodyBytes)
            {
                return Failed(TooLarge(target, response.Content.Headers.ContentLength.Value));
            }

            var stream = await response.Content.ReadAsStreamAsync(scrape.Token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var (body, length) = await ReadBodyAsync(stream, scrape.Token).ConfigureAwait(false);
                try
                {
                    bytes = length;
                    if (length > MaxBodyBytes)
                    {
                        return Failed(TooLarge(target, null));
                    }

                    var text = Decode(body.AsSpan(0, length));
                    var exposition = PrometheusTextParser.Parse(text);
                    return new ScrapeResult
                    {
                        Target = target,
                        Exposition = exposition,
                        StatusCode = status,
                        BodyBytes = bytes,
                        Duration = _timeProvider.GetElapsedTime(started),
                    };
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(body);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Either this scrape's timer or the HttpClient's own Timeout, whichever is shorter.
            var limit = timer.IsCancellationRequested ? timeout : _client.Timeout;
            return Failed(
                string.Create(CultureInfo.InvariantCulture, $"scrape of {target} timed out after {limit.TotalSeconds:0.###} s"),
                timedOut: true);
        }
        catch (HttpRequestException e)
        {
            return Failed($"{target} could not be scraped: {e.Message}");
        }
        catch (IOException e)
        {
            return Failed($"{target} could not be scraped: reading the body failed: {e.Message}");
        }
    }

    private string TooLarge(Uri target, long? announced) =>
        announced is { } length
            ? string.Create(CultureInfo.InvariantCulture, $"body of {target} is {length} bytes, over the limit of {MaxBodyBytes} bytes")
            : string.Create(CultureInfo.InvariantCulture, $"body of {target} is over the limit of {MaxBodyBytes} bytes");

    /// <summary>Reads up to one byte past the limit into a pooled buffer, which the caller returns.</summary>
    private async Task<(byte[] Body, int Length)> ReadBodyAsync(Stream stream, CancellationToken cancellationToken)
    {
        var ceiling = (int)Math.Min(MaxBodyBytes + 1, Array.MaxLength);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(ceiling, 64 * 1024));
        var length = 0;
        try
        {
            while (length < ceiling)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, ceiling));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await stream.ReadAsync(buffer.AsMemory(length, Math.Min(buffer.Length, ceiling) - length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }

            return (buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private static string Decode(ReadOnlySpan<byte> body)
    {
        if (body is [0xEF, 0xBB, 0xBF, ..])
        {
            body = body[3..];
        }

        return Encoding.UTF8.GetString(body);
    }
}
