using System.Diagnostics;
using System.Globalization;
using Capstan.Testing;

namespace Capstan.IntegrationTests.Pipelines;

/// <summary><c>capstan up</c> on a copy of the example, as the README runs it, then Ctrl+C.</summary>
public sealed class UpCommandTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Up_BuildsTestsAndDeploysTheExample_ServesItThroughTheEdge_AndCtrlCStopsEverything()
    {
        using var folder = new TempDirectory("capstan-up-");
        ExamplePipelineTests.Copy(RepositoryRoot.Combine("examples", "hello"), folder.Path);
        File.Copy(RepositoryRoot.Combine("nuget.config"), Path.Combine(folder.Path, "nuget.config"));
        var (api, edge) = (FreePort.Get(), FreePort.Get());
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList =
            {
                Path.Combine(AppContext.BaseDirectory, "capstan.dll"), "up", folder.Path,
                "--port", api.ToString(CultureInfo.InvariantCulture), "--edge-port", edge.ToString(CultureInfo.InvariantCulture),
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var up = Process.Start(start)!;
        up.OutputDataReceived += (_, e) => { if (e.Data is { } line) { lines.Enqueue(line); } };
        up.ErrorDataReceived += (_, e) => { if (e.Data is { } line) { lines.Enqueue(line); } };
        up.BeginOutputReadLine();
        up.BeginErrorReadLine();
        try
        {
            await Poll.UntilAsync(
                _ => Task.FromResult(lines.Any(l => l.Contains("hello is up in staging", StringComparison.Ordinal)) || up.HasExited),
                "capstan up deploys the example", TimeSpan.FromMinutes(8), Ct);
            up.HasExited.ShouldBeFalse(string.Join("\n", lines));
            lines.ShouldContain(l => l.Contains($"http://staging.hello.localhost:{edge}", StringComparison.Ordinal));

            using var client = new HttpClient();
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{edge}/");
            request.Headers.Host = "staging.hello.localhost";
            using var response = await client.SendAsync(request, Ct);
            response.IsSuccessStatusCode.ShouldBeTrue();
            (await response.Content.ReadAsStringAsync(Ct)).ShouldContain("\"version\":\"v1\"");

            // Ctrl+C: everything it started stops, HAProxy included.
            using (var interrupt = Process.Start("kill", ["-INT", up.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await interrupt.WaitForExitAsync(Ct).DefaultTimeout();
            }

            await up.WaitForExitAsync(Ct).DefaultTimeout(TimeSpan.FromSeconds(90));
            up.ExitCode.ShouldBe(0, string.Join("\n", lines));
            var pidFile = Path.Combine(folder.Path, ".capstan", "edge", "haproxy.pid");
            if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var haproxy))
            {
                Directory.Exists($"/proc/{haproxy}").ShouldBeFalse("HAProxy was stopped");
            }

            Directory.EnumerateDirectories(Path.Combine(folder.Path, ".capstan", "instances")).ShouldBeEmpty("every instance was stopped");
        }
        finally
        {
            if (!up.HasExited)
            {
                up.Kill(entireProcessTree: true);
            }
        }
    }
}
