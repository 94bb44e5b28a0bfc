namespace Capstan.Runtime.Tests.Support;

/// <summary>Requests to the instances under test, with a bound on each.</summary>
internal static class Http
{
    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(10) };

    public static Task<string> GetAsync(string address, string path) =>
        Client.GetStringAsync(new Uri($"http://{address}{path}"), RuntimeHarness.Ct);

    public static async Task<int> StatusOfAsync(string address, string path)
    {
        using var response = await Client.GetAsync(new Uri($"http://{address}{path}"), RuntimeHarness.Ct);
        return (int)response.StatusCode;
    }

    /// <summary>True when the address answers GET / at all.</summary>
    public static async Task<bool> AnswersAsync(string address)
    {
        try
        {
            await GetAsync(address, "/");
            return true;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
