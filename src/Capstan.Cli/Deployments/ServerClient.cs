using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Serialization.Metadata;
using Capstan.Cli.Output;
using Capstan.Contracts;
using Capstan.Server;

namespace Capstan.Cli.Deployments;

/// <summary>
/// The CLI's side of the API: finds the server (<c>CAPSTAN_URL</c>, else <c>.capstan/server.json</c> beside capstan.yaml)
/// and its token (<c>CAPSTAN_TOKEN</c>, else <c>.capstan/admin.token</c>), and turns error answers into one clear message.
/// </summary>
internal sealed class ServerClient : IDisposable
{
    private readonly HttpClient _http;

    private ServerClient(HttpClient http, string url)
    {
        _http = http;
        Url = url;
    }

    public string Url { get; }

    public static ServerClient Connect(CliConsole console, string projectDirectory)
    {
        var capstanDirectory = State.CapstanDirectory.For(projectDirectory);
        var url = console.Environment("CAPSTAN_URL") is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : ServerFile.Read(capstanDirectory)?.Url
              ?? throw new CommandException(
                  $"no capstan server is running for {console.DisplayPath(projectDirectory)}: start one with 'capstan server' (or 'capstan up'), or set CAPSTAN_URL");
        var tokenFile = Path.Combine(capstanDirectory, ApiTokens.AdminFileName);
        var token = console.Environment("CAPSTAN_TOKEN") is { Length: > 0 } t ? t
            : File.Exists(tokenFile) ? File.ReadAllText(tokenFile).Trim()
            : throw new CommandException($"no API token: set CAPSTAN_TOKEN, or run beside the server's {console.DisplayPath(tokenFile)}");
        console.SecretValues.Add(token);
        return For(url, token);
    }

    /// <summary>A client of a known server and token (the server this process runs).</summary>
    public static ServerClient For(string url, string token)
    {
        var http = new HttpClient { BaseAddress = new Uri(url.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(100) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return new ServerClient(http, url);
    }

    public Task<T> GetAsync<T>(string path, JsonTypeInfo<T> type, CancellationToken cancellationToken) =>
        SendAsync(() => _http.GetAsync(path, cancellationToken), type, cancellationToken);

    public Task<TResult> PostAsync<TBody, TResult>(string path, TBody body, JsonTypeInfo<TBody> bodyType, JsonTypeInfo<TResult> type, CancellationToken cancellationToken) =>
        SendAsync(() => _http.PostAsJsonAsync(path, body, bodyType, cancellationToken), type, cancellationToken);

    public Task<TResult> DeleteAsync<TResult>(string path, JsonTypeInfo<TResult> type, CancellationToken cancellationToken) =>
        SendAsync(() => _http.DeleteAsync(path, cancellationToken), type, cancellationToken);

    /// <summary>A text answer (a Markdown document, the Prometheus exposition) as it is.</summary>
    public Task<string> GetTextAsync(string path, CancellationToken cancellationToken) =>
        SendAsync<string>(() => _http.GetAsync(path, cancellationToken), null, cancellationToken);

    private async Task<T> SendAsync<T>(Func<Task<HttpResponseMessage>> send, JsonTypeInfo<T>? type, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await send().ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new CommandException($"cannot reach the capstan server at {Url}: {ex.Message} (is it running? 'capstan server' starts it)");
        }

        using (response)
        {
            if (response.IsSuccessStatusCode && type is null)
            {
                return (T)(object)await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            }

            if (response.IsSuccessStatusCode)
            {
                return await response.Content.ReadFromJsonAsync(type!, cancellationToken).ConfigureAwait(false)
                    ?? throw new CommandException($"the server at {Url} answered an empty body");
            }

            ApiError? error = null;
            try
            {
                error = await response.Content.ReadFromJsonAsync(ApiJson.Default.ApiError, cancellationToken).ConfigureAwait(false);
            }
            catch (System.Text.Json.JsonException)
            {
            }

            var message = error?.Error ?? $"the server answered {(int)response.StatusCode} {response.ReasonPhrase}";
            throw new CommandException(message, response.StatusCode switch
            {
                HttpStatusCode.BadRequest or HttpStatusCode.NotFound => ExitCodes.InvalidInput,
                _ => ExitCodes.Failure,
            });
        }
    }

    public void Dispose() => _http.Dispose();
}
