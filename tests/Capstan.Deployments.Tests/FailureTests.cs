using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Capstan.Cli;
using Capstan.Contracts;
using Capstan.Deployments.Traffic;
using Capstan.Edge.Routing;
using Capstan.Pipelines.Artifacts;
using Capstan.Runtime.Ports;
using Capstan.State;
using Capstan.Testing;

namespace Capstan.Deployments.Tests;

/// <summary>
/// The faults a deployment meets on a real host: a crash loop, instance ports taken, a damaged artifact, HAProxy
/// missing. Each goes through a real server with its real HAProxy, real instances and real HTTP through the edge.
/// </summary>
public sealed class FailureTests
{
    private static readonly ServiceKey Web = new("shop", "staging", "web");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AServingInstanceThatKeepsCrashing_IsRestartedWithDoublingBackoff_StatusShowsIt_AndTheEdgeSkipsItWhileItIsDown()
    {
        // Ready within a second or so of each start, then a crash three seconds in: a crash loop of a release that served.
        await using var fixture = DeploymentFixture.Create();
        fixture.WriteManifest(env: "CRASH_AFTER_MS: \"3000\"");
        await fixture.StartServerAsync(Token);
        await fixture.ShouldSucceedAsync((await fixture.DeployAsync(cancellationToken: Token))[0], Token);
        using var client = new HttpClient();

        // Every distinct view of the instance the API gives, until its third exit. Whenever it is backing off, the edge is
        // looked at too; a look counts when the API shows the instance backing off from the same exit before and after
        // it, so that it was down throughout.
        var seen = new List<(InstanceView Instance, int Healthy)>();
        var looks = new List<(EdgeServerState? Server, HttpStatusCode Edge)>();
        await Poll.UntilAsync(
            async ct =>
            {
                var service = (await fixture.StatusAsync(ct)).Services.ShouldHaveSingleItem();
                var instance = service.Instances.ShouldHaveSingleItem();
                if (seen.Count == 0 || seen[^1].Instance != instance)
                {
                    seen.Add((instance, service.Healthy));
                }

                if (instance.Phase == "backing-off")
                {
                    var servers = await fixture.Server!.Agent.Edge.RuntimeApi.ShowServersStateAsync(Web.BackendName, ct);
                    var (edge, _) = await fixture.GetThroughEdgeAsync(client, "/", ct);
                    var again = (await fixture.StatusAsync(ct)).Services[0].Instances.ShouldHaveSingleItem();
                    if (again.Phase == "backing-off" && again.LastExitAt == instance.LastExitAt)
                    {
                        looks.Add((servers.FirstOrDefault(s => s.Server == instance.Id)?.State, edge));
                    }
                }

                return instance is { Phase: "backing-off", Restarts: 2 };
            },
            "the instance exits a third time",
            TimeSpan.FromSeconds(90),
            Token);
        var history = string.Join("\n", seen.Select(s => $"{s.Instance} healthy={s.Healthy}"));

        // The supervisor waited 1 s, then 2 s, then 4 s before the next start: doubling.
        fixture.Server!.Agent.Instances().ShouldHaveSingleItem().BackoffDelays.Take(3)
            .ShouldBe([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4)]);

        // The API shows each exit, the start it waits for, and no healthy instance meanwhile.
        var backingOff = seen.Where(s => s.Instance.Phase == "backing-off").ToList();
        backingOff.ShouldNotBeEmpty(history);
        foreach (var (instance, healthy) in backingOff)
        {
            healthy.ShouldBe(0, history);
            instance.LastExit.ShouldBe("exited with code 3", history);
            var wait = instance.NextRestartAt.ShouldNotBeNull(history) - instance.LastExitAt.ShouldNotBeNull(history);
            wait.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1 << instance.Restarts), history);
        }

        // Each restart came no sooner than its backoff after the exit before it, and the instance was ready again after it.
        for (var restarts = 1; restarts <= 2; restarts++)
        {
            var started = seen.Select(s => s.Instance).Where(i => i.Restarts == restarts && i.Phase != "backing-off").ToList();
            started.ShouldNotBeEmpty($"restart {restarts} was seen\n{history}");
            var waited = started[0].StartedAt - started[0].LastExitAt.ShouldNotBeNull(history);
            waited.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1 << (restarts - 1)), history);
        }

        seen.ShouldContain(s => s.Instance.Phase == "ready" && s.Instance.Restarts >= 1, $"ready again after a restart\n{history}");

        // While it was down the edge answered 503, and the agent took it out of HAProxy's service. A look right at the
        // exit may come before the agent converged (CI saw one Ready then), so it is enough that the looks show it out.
        looks.ShouldNotBeEmpty(history);
        looks.ShouldAllBe(l => l.Edge == HttpStatusCode.ServiceUnavailable);
        looks.ShouldContain(l => l.Server != EdgeServerState.Ready, string.Join(", ", looks));

        // 'capstan status' says it too.
        var output = "";
        await Poll.UntilAsync(
            async ct =>
            {
                var (code, text, _) = await RunCliAsync(["status", "--project", fixture.Project], ct);
                output = text;
                return code == 0 && text.Contains("is backing-off; restarted", StringComparison.Ordinal);
            },
            "capstan status shows the instance backing off",
            TimeSpan.FromSeconds(60),
            Token);
        output.ShouldContain("web in staging: instance ");
        output.ShouldContain("last exit: exited with code 3 at ");
        output.ShouldContain("; next start at ");
    }

    [Fact]
    public async Task ANewReleaseThatCrashLoops_FailsItsDeploymentAsACrashLoop_WhileTheOldReleaseServesEveryRequest()
    {
        await using var fixture = await DeploymentFixture.StartAsync("blue-green", 1, Token);
        await fixture.ShouldSucceedAsync((await fixture.DeployAsync(cancellationToken: Token))[0], Token);

        // v2 listens (a request that reached it would get "v2 (not ready)") but never passes readiness, and exits 1.5 s
        // after each start. The progress deadline is far: the crash loop, not the deadline, must end the deployment.
        fixture.WriteManifest("blue-green", 1, env: "READY_DELAY_MS: \"600000\"\nCRASH_AFTER_MS: \"1500\"", progressDeadline: "2m");
        await using var load = new LoadLoop(fixture, workers: 2);
        var deployment = (await fixture.DeployAsync(cancellationToken: Token)).ShouldHaveSingleItem();
        InstanceView? backingOff = null;
        await Poll.UntilAsync(
            async ct =>
            {
                backingOff = (await fixture.StatusAsync(ct)).Services[0].Instances
                    .FirstOrDefault(i => i.ReleaseId == deployment.ReleaseId && i.Phase == "backing-off");
                return backingOff is not null || (await fixture.GetAsync(deployment.Id, ct)).Finished;
            },
            "the new instance backs off",
            TimeSpan.FromSeconds(60),
            Token);
        var failed = await fixture.WaitAsync(deployment, Token);
        await load.StopAsync();

        backingOff.ShouldNotBeNull("the status showed the new instance backing off while it deployed");
        backingOff.Version.ShouldBe(2);
        backingOff.NextRestartAt.ShouldNotBeNull();
        failed.Status.ShouldBe("failed");
        failed.Reason.ShouldNotBeNull().ShouldContain("v2 did not become ready: it exited at each of its first 3 starts (a crash loop");
        failed.Reason.ShouldContain("exited with code 3");
        failed.Reason.ShouldContain("restarted 2 time(s)");
        load.Failures.ShouldBeEmpty($"{load.Failures.Count} of {load.Requests} failed: {string.Join(" | ", load.Failures.Take(3))}");
        load.Bodies.Keys.ShouldBe(["v1"]);
        await Poll.UntilAsync(() => fixture.Server!.Agent.Instances().All(i => i.Version == "v1"), "the crash-looping instance is stopped", Token);
        var service = (await fixture.StatusAsync(Token)).Services.ShouldHaveSingleItem();
        service.Version.ShouldBe(1);
        service.Healthy.ShouldBe(1);
    }

    [Fact]
    public async Task InstancePortsTakenByAnotherProgram_AreSkipped_AndWithNoneLeftADeploymentFailsNamingTheRange_WhileTheOldReleaseServes()
    {
        // Three ports for instances, two of them taken by listeners of another program (this test).
        var first = FreePort.GetRange(3);
        var range = new PortRange { First = first, Last = first + 2 };
        var takenA = Listen(first);
        using var takenB = Listen(first + 1);
        try
        {
            await using var fixture = DeploymentFixture.Create(instancePorts: range);
            fixture.WriteManifest();
            await fixture.StartServerAsync(Token);
            using var client = new HttpClient();

            await fixture.ShouldSucceedAsync((await fixture.DeployAsync(cancellationToken: Token))[0], Token);
            var v1 = (await fixture.StatusAsync(Token)).Services.ShouldHaveSingleItem().Instances.ShouldHaveSingleItem();
            v1.Address.ShouldBe($"127.0.0.1:{first + 2}");
            (await fixture.GetThroughEdgeAsync(client, "/", Token)).Body.ShouldBe("v1");

            // Every port of the range is taken now: two by the listeners, one by v1.
            fixture.WriteManifest(env: "COLOR: green");
            await using (var load = new LoadLoop(fixture, workers: 2))
            {
                var failed = await fixture.WaitAsync((await fixture.DeployAsync(cancellationToken: Token))[0], Token);
                await load.StopAsync();

                failed.Status.ShouldBe("failed");
                failed.Reason.ShouldNotBeNull().ShouldContain($"no free port in {first}-{first + 2}");
                load.Failures.ShouldBeEmpty($"{load.Failures.Count} of {load.Requests} failed: {string.Join(" | ", load.Failures.Take(3))}");
                load.Bodies.Keys.ShouldBe(["v1"]);
                fixture.Server!.Agent.Instances().ShouldHaveSingleItem().Id.ShouldBe(v1.Id);
            }

            // A port given back is taken by the next attempt.
            takenA.Dispose();
            await fixture.ShouldSucceedAsync((await fixture.DeployAsync(cancellationToken: Token))[0], Token);
            (await fixture.GetThroughEdgeAsync(client, "/", Token)).Body.ShouldBe("v2");
            (await fixture.StatusAsync(Token)).Services[0].Instances.Where(i => i.Version == 2).ShouldHaveSingleItem().Address.ShouldBe($"127.0.0.1:{first}");
        }
        finally
        {
            takenA.Dispose();
        }
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("30000-20000")]
    [InlineData("0-10")]
    [InlineData("20000-70000")]
    public async Task InstancePortsThatAreNotARange_AreRefusedBeforeTheServerStarts_NamingTheValue(string value)
    {
        using var project = new TempDirectory("capstan-ports-");
        project.Write("capstan.yaml", TestApp.Manifest("blue-green", 1));

        var (code, _, error) = await RunCliAsync(["server", "--project", project.Path, "--instance-ports", value], Token);

        code.ShouldBe(2, error);
        error.ShouldContain($"--instance-ports '{value}' is not a port range: give FIRST-LAST");
        Directory.Exists(project.Combine(".capstan")).ShouldBeFalse("nothing was started");
    }

    [Fact]
    public async Task ADamagedArtifact_FailsItsDeploymentNamingTheArtifactAndTheDamage_LeavesNothingUnpacked_WhileTheOldReleaseServes()
    {
        await using var fixture = DeploymentFixture.Create();
        fixture.Write("capstan.yaml", ArtifactManifest);
        await fixture.StartServerAsync(Token);
        var artifacts = new ArtifactRepository(Path.Combine(fixture.Project, ".capstan", "artifacts"));
        var releases = Path.Combine(fixture.Project, ".capstan", "releases");
        var good = await BuildAsync(fixture, "one");
        await fixture.ShouldSucceedAsync((await fixture.DeployAsync(artifact: good.Digest, cancellationToken: Token))[0], Token);
        using var client = new HttpClient();
        (await fixture.GetThroughEdgeAsync(client, "/", Token)).Body.ShouldBe("v1");

        // Bytes changed after the artifact was stored; the artifact cut short; bytes that are no archive at all, stored
        // under their true digest (so only unpacking can tell).
        var flipped = (await BuildAsync(fixture, "two")).Digest;
        Damage(artifacts.PathOf(flipped), bytes => { bytes[bytes.Length / 2] ^= 0xff; return bytes; });
        var truncated = (await BuildAsync(fixture, "three")).Digest;
        Damage(artifacts.PathOf(truncated), bytes => bytes[..(bytes.Length / 2)]);
        var garbage = await StoreUnpackableAsync(fixture, artifacts, good, "this is not a tar archive\n"u8.ToArray());
        var longGarbage = await StoreUnpackableAsync(fixture, artifacts, good, [.. Enumerable.Repeat("this is not a tar archive either\n"u8.ToArray(), 64).SelectMany(b => b)]);

        await using var load = new LoadLoop(fixture, workers: 2);
        var reasons = new Dictionary<string, string>();
        foreach (var digest in new[] { flipped, truncated, garbage, longGarbage })
        {
            var ended = await fixture.WaitAsync((await fixture.DeployAsync(artifact: digest, cancellationToken: Token))[0], Token);
            ended.Status.ShouldBe("failed", $"{digest}: {ended.Reason}");
            reasons[digest] = ended.Reason.ShouldNotBeNull();
        }

        await load.StopAsync();

        reasons[flipped].ShouldContain($"artifact {flipped} is corrupted: its stored bytes hash to sha256:");
        reasons[truncated].ShouldContain($"artifact {truncated} is corrupted: its stored bytes hash to sha256:");
        reasons[garbage].ShouldContain($"release {garbage} cannot be unpacked: the archive is malformed or truncated");
        reasons[longGarbage].ShouldContain($"release {longGarbage} cannot be unpacked: the archive is malformed or truncated");
        load.Failures.ShouldBeEmpty($"{load.Failures.Count} of {load.Requests} failed: {string.Join(" | ", load.Failures.Take(3))}");
        load.Bodies.Keys.ShouldBe(["v1"]);
        (await fixture.StatusAsync(Token)).Services.ShouldHaveSingleItem().Version.ShouldBe(1);
        fixture.Server!.Agent.Instances().ShouldAllBe(i => i.Version == "v1");
        // Only the good release is unpacked: no folder, and no partial one, of a damaged artifact (beside the releases'
        // specs, which the server keeps there).
        Directory.EnumerateFileSystemEntries(releases).Select(Path.GetFileName).Where(name => name != "specs")
            .ShouldBe([good.Digest["sha256:".Length..]]);
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("not-haproxy")]
    public async Task CapstanServer_WithoutHaproxy_ExitsSayingHowToInstallIt_AndLeavesNoServerBehind(string fault)
    {
        using var project = new TempDirectory("capstan-no-haproxy-");
        project.Write("capstan.yaml", TestApp.Manifest("blue-green", 1));
        // A path that was named but holds nothing, or a program that is not HAProxy. PATH has no haproxy either (the
        // fallback /usr/sbin/haproxy is not searched once CAPSTAN_HAPROXY names a path: a user who names one means it).
        var haproxy = fault == "missing" ? project.Combine("not-installed", "haproxy") : "/bin/true";
        var (api, edge) = (FreePort.Get(), FreePort.Get());
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            ArgumentList =
            {
                Path.Combine(AppContext.BaseDirectory, "capstan.dll"), "server", "--project", project.Path,
                "--port", api.ToString(CultureInfo.InvariantCulture), "--edge-port", edge.ToString(CultureInfo.InvariantCulture),
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["CAPSTAN_HAPROXY"] = haproxy;
        start.Environment["PATH"] = string.Join(
            Path.PathSeparator,
            (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Where(d => d.Length > 0 && !File.Exists(Path.Combine(d, "haproxy"))));

        using var server = Process.Start(start)!;
        var output = server.StandardOutput.ReadToEndAsync(Token);
        var error = server.StandardError.ReadToEndAsync(Token);
        try
        {
            await server.WaitForExitAsync(Token).DefaultTimeout(TimeSpan.FromSeconds(60));
        }
        finally
        {
            if (!server.HasExited)
            {
                server.Kill(entireProcessTree: true);
            }
        }

        var said = await error + await output;
        server.ExitCode.ShouldBe(3, said);
        said.ShouldContain(fault == "missing" ? $"HAProxy was not found at '{haproxy}'" : $"'{haproxy}' is not HAProxy");
        said.ShouldContain("apt-get install haproxy");
        said.ShouldContain("CAPSTAN_HAPROXY");
        // Nothing half-started: HAProxy is checked before anything is written, so no .capstan folder at all (no state,
        // master key, admin token or server file for the CLI to find), nothing listening, no HAProxy.
        Directory.Exists(project.Combine(".capstan")).ShouldBeFalse(string.Join(", ", Directory.Exists(project.Combine(".capstan")) ? Directory.GetFileSystemEntries(project.Combine(".capstan")) : []));
        (await AcceptsAsync(api)).ShouldBeFalse("the API port listens");
        (await AcceptsAsync(edge)).ShouldBeFalse("the edge port listens");
    }

    // ---- helpers -----------------------------------------------------------------------------------

    /// <summary>Service 'web' runs the artifact of job 'build', which packs content.txt; the test app serves.</summary>
    private static string ArtifactManifest => $$"""
        version: 1
        app: shop
        services:
          web:
            artifact: build
            run: {{TestApp.Command}}
            health: { readiness: /ready, liveness: /health, interval: 200ms, timeout: 1s }
            route: { host: shop.localhost }
            grace_period: 5s
            drain_timeout: 5s
            env:
              APP_VERSION: "${CAPSTAN_VERSION}"
        pipeline:
          jobs:
            build: { run: mkdir -p out && cp content.txt out/, artifact: out }
        environments:
          staging:
            strategy: blue-green
            progress_deadline: 20s
        """;

    /// <summary>Runs the real pipeline (<c>capstan pipeline run</c>) on new content and returns the artifact it stored.</summary>
    private static async Task<Artifact> BuildAsync(DeploymentFixture fixture, string content)
    {
        fixture.Write("content.txt", content);
        var (code, output, error) = await RunCliAsync(["pipeline", "run", "--force", "--project", fixture.Project], Token);
        code.ShouldBe(0, output + error);
        return (await fixture.Server!.Store.Artifacts.ListAsync("shop", 1, Token)).ShouldHaveSingleItem();
    }

    /// <summary>Rewrites a stored artifact's bytes (stored read-only, as content-addressed files are).</summary>
    private static void Damage(string path, Func<byte[], byte[]> change)
    {
        var mode = File.GetUnixFileMode(path);
        File.SetUnixFileMode(path, mode | UnixFileMode.UserWrite);
        File.WriteAllBytes(path, change(File.ReadAllBytes(path)));
        File.SetUnixFileMode(path, mode);
    }

    /// <summary>Stores bytes that are not an archive under their true digest, recorded as a build of job 'build'.</summary>
    private static async Task<string> StoreUnpackableAsync(DeploymentFixture fixture, ArtifactRepository artifacts, Artifact like, byte[] bytes)
    {
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
        var path = artifacts.PathOf(digest);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, bytes, Token);
        (await fixture.Server!.Store.Artifacts.AddAsync(
            like with { Digest = digest, SizeBytes = bytes.Length, Location = path, CreatedAt = DateTimeOffset.UtcNow }, Token)).ShouldBeTrue();
        return digest;
    }

    private static TcpListener Listen(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        return listener;
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(IPAddress.Loopback, port, Token).AsTask().DefaultTimeout();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task<(int Code, string Output, string Error)> RunCliAsync(string[] args, CancellationToken cancellationToken)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CapstanCli.RunAsync(args, new Capstan.Cli.Output.CliConsole(output, error, colors: false, Directory.GetCurrentDirectory()), handleSignals: false, cancellationToken);
        return (code, output.ToString(), error.ToString());
    }
}
