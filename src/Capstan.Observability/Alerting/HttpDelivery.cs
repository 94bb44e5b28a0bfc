using System.Net;
using System.Net.Http.Headers;
using Capstan.Secrets.Masking;

namespace Capstan.Observability.Alerting;

/// <summary>A JSON POST whose failures are results with the URL and every secret masked.</summary>
internal static class HttpDelivery
{
    private const int BodyTailLength = 300;

    public static async Task<DeliveryResult> PostJsonAsync(
        HttpClient http, string url, byte[] body, SecretMasker masker, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var shown = masker.Mask(url);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return DeliveryResult.Failure($"'{shown}' is not an http:// or https:// URL", retryable: false);
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = content };
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("Capstan", "1"));
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return DeliveryResult.Success;
            }

            var answer = await response.Content.ReadAsStringAsync(deadline.Token).ConfigureAwait(false);
            answer = answer.Length > BodyTailLength ? answer[..BodyTailLength] + "…" : answer;
            var status = (int)response.StatusCode;
            // As Alertmanager: a 4xx will not change by asking again, except 408 and 429, which say "later".
            var retryable = status >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;
            return DeliveryResult.Failure(
                masker.Mask($"POST {shown} answered {status} {response.ReasonPhrase}" + (answer.Trim().Length > 0 ? $": {answer.Trim()}" : "")),
                retryable);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return DeliveryResult.Failure($"POST {shown} timed out after {timeout.TotalSeconds:0.#}s");
        }
        catch (HttpRequestException e)
        {
            return DeliveryResult.Failure(masker.Mask($"POST {shown} failed: {Messages(e)}"));
        }
    }

    /// <summary>The messages of an exception and its inner exceptions, which often say more ("Connection refused").</summary>
    public static string Messages(Exception exception)
    {
        var messages = new List<string>();
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (!messages.Contains(e.Message))
            {
                messages.Add(e.Message);
            }
        }

        return string.Join(": ", messages);
    }
}
