using System.Net.Sockets;
using System.Text;

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

    /// <summary>
    /// Sends a GET on a connection of its own and returns once the request's bytes are sent; the task it gives back
    /// completes with the whole response. Unlike HttpClient, the request is surely on the wire when this returns.
    /// </summary>
    public static async Task<Task<string>> SendRawAsync(string address, string path)
    {
        var (host, port) = (address.Split(':')[0], int.Parse(address.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture));
        var client = new TcpClient();
        await client.ConnectAsync(host, port, RuntimeHarness.Ct);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"), RuntimeHarness.Ct);
        return ReadAllAsync(client, stream);
    }

    private static async Task<string> ReadAllAsync(TcpClient client, NetworkStream stream)
    {
        using (client)
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return await reader.ReadToEndAsync(RuntimeHarness.Ct);
        }
    }
}
