using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace DeployBench;

/// <summary>What wrk reported for one run.</summary>
internal sealed record WrkResult(double RequestsPerSecond, double P99Ms, double P50Ms, long Requests, long Non2xx, long SocketErrors, string Output);

/// <summary>Runs /usr/bin/wrk and reads its summary and latency distribution.</summary>
internal static partial class Wrk
{
    public static async Task<string> VersionAsync(CancellationToken cancellationToken)
    {
        var (_, output) = await RunAsync(["-v"], TimeSpan.FromSeconds(10), cancellationToken);
        return output.Split('\n')[0].Trim();
    }

    public static async Task<WrkResult> RunAsync(string url, string? host, TimeSpan duration, CancellationToken cancellationToken, int threads = 2, int connections = 32)
    {
        List<string> arguments = [$"-t{threads}", $"-c{connections}", $"-d{duration.TotalSeconds:0}s", "--latency"];
        if (host is not null)
        {
            arguments.AddRange(["-H", $"Host: {host}"]);
        }

        arguments.Add(url);
        var (code, output) = await RunAsync(arguments, duration + TimeSpan.FromSeconds(20), cancellationToken);
        if (code != 0 || RequestsPerSecond().Match(output) is not { Success: true } rps || P(99).Match(output) is not { Success: true } p99 || P(50).Match(output) is not { Success: true } p50)
        {
            throw new InvalidOperationException($"wrk {string.Join(' ', arguments)} exited with {code}:\n{output}");
        }

        var socket = SocketErrors().Match(output);
        var socketErrors = socket.Success ? Enumerable.Range(1, 4).Sum(i => long.Parse(socket.Groups[i].Value, CultureInfo.InvariantCulture)) : 0;
        var non2xx = Non2xx().Match(output) is { Success: true } n ? long.Parse(n.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        return new WrkResult(
            double.Parse(rps.Groups[1].Value, CultureInfo.InvariantCulture),
            Millis(p99),
            Millis(p50),
            long.Parse(Total().Match(output).Groups[1].Value, CultureInfo.InvariantCulture),
            non2xx,
            socketErrors,
            output);
    }

    private static double Millis(Match match)
    {
        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch
        {
            "us" => value / 1000,
            "ms" => value,
            "s" => value * 1000,
            "m" => value * 60_000,
            var unit => throw new InvalidOperationException($"wrk latency unit '{unit}'"),
        };
    }

    private static Regex P(int percentile) => new($@"^\s*{percentile}%\s+([\d.]+)(us|ms|s|m)\s*$", RegexOptions.Multiline | RegexOptions.CultureInvariant);

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex Total();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex Non2xx();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrors();

    private static async Task<(int Code, string Output)> RunAsync(IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("/usr/bin/wrk") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start wrk");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"wrk did not end within {timeout.TotalSeconds:0} s; killed it");
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
