using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Capstan.Testing;

/// <summary>One HTTP request received by a <see cref="WebhookRecorder"/>.</summary>
public sealed record RecordedRequest
{
    public required string Method { get; init; }

    /// <summary>The path and query, e.g. <c>/hook?team=a</c>.</summary>
    public required string Path { get; init; }

    /// <summary>The headers by name, case-insensitive; a header sent several times has its values joined with <c>,</c>.</summary>
    public required IReadOnlyDictionary<string, string> Headers { get; init; }

    public required string Body { get; init; }

    /// <summary>When its head arrived, by the recorder's <see cref="TimeProvider"/>.</summary>
    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>
    /// <see cref="Stopwatch.GetTimestamp"/> when its head arrived: latencies measured with
    /// <c>Stopwatch.GetElapsedTime(start, request.Timestamp)</c> do not depend on the wall clock.
    /// </summary>
    public required long Timestamp { get; init; }

    /// <summary>The status code the recorder answered with.</summary>
    public required int AnsweredStatus { get; init; }

    /// <summary>The body read as JSON.</summary>
    /// <exception cref="JsonException">The body is not JSON.</exception>
    public JsonElement Json()
    {
        using var document = JsonDocument.Parse(Body);
        return document.RootElement.Clone();
    }

    public override string ToString() =>
        $"{Method} {Path} at {ReceivedAt:HH:mm:ss.fff}, answered {AnsweredStatus}: {(Body.Length > 300 ? Body[..300] + "…" : Body)}";
}

/// <summary>
/// An HTTP endpoint on a free 127.0.0.1 port that records every request it receives (method, path, headers, body and
/// arrival time) and answers 200, or another status for the next requests when told to: the receiving end of webhooks
/// such as Alertmanager's, in tests and in alert-latency benchmarks.
/// </summary>
/// <remarks>
/// <code>
/// await using var webhook = WebhookRecorder.Start();
/// webhook.AnswerNext(1, 500);   // the first delivery fails, so the sender must retry
/// var delivery = await webhook.WaitForAsync(r => r.AnsweredStatus == 200, TimeSpan.FromSeconds(10), ct);
/// </code>
/// </remarks>
public sealed class WebhookRecorder : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly TimeProvider _time;
    private readonly List<RecordedRequest> _requests = [];
    private readonly List<Waiter> _waiters = [];
    private readonly List<Task> _serving = [];
    private readonly Task _accepting;
    private int _specialAnswers;
    private int _specialStatus;
    private volatile bool _stopping;

    private WebhookRecorder(HttpListener listener, int port, TimeProvider time)
    {
        _listener = listener;
        _time = time;
        Port = port;
        Url = new Uri($"http://127.0.0.1:{port}/");
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    /// <summary><c>http://127.0.0.1:PORT/</c>; any path under it is recorded too.</summary>
    public Uri Url { get; }

    /// <summary>The requests received so far, in the order they arrived.</summary>
    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Starts listening; arrival times come from <paramref name="timeProvider"/> (the system clock when null).</summary>
    public static WebhookRecorder Start(TimeProvider? timeProvider = null)
    {
        var (listener, port) = FreePort.StartHttpListener();
        return new WebhookRecorder(listener, port, timeProvider ?? TimeProvider.System);
    }

    /// <summary>Answers the next <paramref name="count"/> requests with <paramref name="statusCode"/> instead of 200, e.g. to make a sender retry.</summary>
    public void AnswerNext(int count, int statusCode)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 100);
        lock (_requests)
        {
            _specialAnswers = count;
            _specialStatus = statusCode;
        }
    }

    /// <summary>The first request, received already or later, that meets <paramref name="predicate"/>.</summary>
    /// <exception cref="TimeoutException">None came within <paramref name="timeout"/>; the message lists what did.</exception>
    public async Task<RecordedRequest> WaitForAsync(
        Func<RecordedRequest, bool> predicate, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var waiter = new Waiter(predicate);
        lock (_requests)
        {
            var done = _requests.FirstOrDefault(predicate);
            if (done is not null)
            {
                return done;
            }

            _waiters.Add(waiter);
        }

        try
        {
            return await waiter.Done.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            var received = Requests;
            throw new TimeoutException(
                $"No request to {Url} met the condition within {timeout.TotalSeconds:0.#} s. Received {received.Count}:"
                + string.Concat(received.Select(r => "\n  " + r)),
                e);
        }
        finally
        {
            lock (_requests)
            {
                _waiters.Remove(waiter);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        _listener.Stop();
        await _accepting.ConfigureAwait(false);
        Task[] serving;
        lock (_serving)
        {
            serving = [.. _serving];
        }

        await Task.WhenAll(serving).DefaultTimeout().ConfigureAwait(false);
        _listener.Close();
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (_stopping && e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            lock (_serving)
            {
                _serving.RemoveAll(t => t.IsCompleted);
                _serving.Add(ServeAsync(context));
            }
        }
    }

    private async Task ServeAsync(HttpListenerContext context)
    {
        var receivedAt = _time.GetUtcNow();
        var timestamp = Stopwatch.GetTimestamp();
        var response = context.Response;
        try
        {
            var request = context.Request;
            string body;
            using (var reader = new StreamReader(request.InputStream, request.ContentEncoding ?? Encoding.UTF8))
            {
                body = await reader.ReadToEndAsync().ConfigureAwait(false);
            }

            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var name in request.Headers.AllKeys.OfType<string>())
            {
                headers[name] = request.Headers[name] ?? string.Empty;
            }

            int status;
            lock (_requests)
            {
                status = 200;
                if (_specialAnswers > 0)
                {
                    _specialAnswers--;
                    status = _specialStatus;
                }

                // Recorded before it is answered: a sender that got its answer finds its request recorded.
                Record(new RecordedRequest
                {
                    Method = request.HttpMethod,
                    Path = request.Url?.PathAndQuery ?? request.RawUrl ?? string.Empty,
                    Headers = headers,
                    Body = body,
                    ReceivedAt = receivedAt,
                    Timestamp = timestamp,
                    AnsweredStatus = status,
                });
            }

            response.StatusCode = status;
            response.ContentLength64 = 0;
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The sender went away, or the recorder is stopping.
        }
        finally
        {
            try
            {
                response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
            {
                // Same: nobody is left to answer.
            }
        }
    }

    // Called under the lock of _requests.
    private void Record(RecordedRequest request)
    {
        _requests.Add(request);
        foreach (var waiter in _waiters)
        {
            try
            {
                if (waiter.Predicate(request))
                {
                    waiter.Done.TrySetResult(request);
                }
            }
#pragma warning disable CA1031 // A test's predicate may throw anything (a Shouldly assertion, a JSON error): its waiter fails with it.
            catch (Exception e)
#pragma warning restore CA1031
            {
                waiter.Done.TrySetException(e);
            }
        }
    }

    private sealed class Waiter
    {
        public Waiter(Func<RecordedRequest, bool> predicate)
        {
            Predicate = predicate;
        }

        public Func<RecordedRequest, bool> Predicate { get; }

        public TaskCompletionSource<RecordedRequest> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
