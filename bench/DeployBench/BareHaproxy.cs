using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace DeployBench;

/// <summary>
/// The baseline for the edge's own cost: a second HAProxy, in the foreground, on the configuration Capstan generated
/// for its edge with Capstan's parts taken out (master-worker, runtime API socket, request log and its ring, layout
/// variable) and listening on another port. Same routing, same servers, same threads; no log.
/// </summary>
internal sealed class BareHaproxy : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _folder;

    private BareHaproxy(Process process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}/";

    public static async Task<BareHaproxy> StartAsync(string edgeConfigPath, int edgePort, CancellationToken cancellationToken)
    {
        var port = FreePort();
        var bare = new StringBuilder();
        var inRing = false;
        foreach (var line in File.ReadAllLines(edgeConfigPath))
        {
            var trimmed = line.Trim();
            if (line.StartsWith("ring ", StringComparison.Ordinal))
            {
                inRing = true;
                continue;
            }

            if (line.Length > 0 && !char.IsWhiteSpace(line[0]))
            {
                inRing = false;
            }

            if (inRing || trimmed is "master-worker" or "log global" || trimmed.StartsWith("stats socket", StringComparison.Ordinal)
                || trimmed.StartsWith("log ", StringComparison.Ordinal) || trimmed.StartsWith("log-format", StringComparison.Ordinal)
                || trimmed.StartsWith("setenv", StringComparison.Ordinal))
            {
                continue;
            }

            bare.AppendLine(trimmed.StartsWith("bind ", StringComparison.Ordinal) ? line.Replace($":{edgePort}", $":{port}", StringComparison.Ordinal) : line);
        }

        var folder = Directory.CreateTempSubdirectory("capstan-bare-haproxy-").FullName;
        var path = Path.Combine(folder, "haproxy.cfg");
        await File.WriteAllTextAsync(path, bare.ToString(), cancellationToken);
        var process = Process.Start(new ProcessStartInfo("/usr/sbin/haproxy", ["-db", "-f", path]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        process.ErrorDataReceived += (_, _) => { };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var haproxy = new BareHaproxy(process, folder, port);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port, cancellationToken);
                return haproxy;
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(10) && !process.HasExited)
            {
                await Task.Delay(50, cancellationToken);
            }
            catch (SocketException)
            {
                await haproxy.DisposeAsync();
                throw new InvalidOperationException($"the bare HAProxy on port {port} did not start (configuration {path})");
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
