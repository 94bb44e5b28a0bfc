using System.Diagnostics;
using System.Globalization;

namespace Capstan.Edge.Locating;

/// <summary>An HAProxy binary that was found and is recent enough.</summary>
public sealed record HaproxyBinary
{
    /// <summary>The oldest HAProxy Capstan works with (dynamic servers, <c>retry-on</c>, <c>format raw</c> logs).</summary>
    public static readonly Version MinimumVersion = new(2, 6);

    internal const string NotInstalled =
        "HAProxy is not installed (Capstan's edge proxy). Install it: sudo apt-get install haproxy (Debian/Ubuntu), or set "
        + EdgeOptions.HaproxyPathVariable + " to its path.";

    private const string DefaultPath = "/usr/sbin/haproxy";

    /// <summary>The binary's full path.</summary>
    public required string Path { get; init; }

    /// <summary>The version <c>haproxy -v</c> reported, e.g. 2.6.12.</summary>
    public required Version Version { get; init; }

    /// <summary>The first line of <c>haproxy -v</c>.</summary>
    public required string VersionText { get; init; }

    /// <summary>
    /// Finds HAProxy: <paramref name="explicitPath"/>, else <c>CAPSTAN_HAPROXY</c>, else <c>haproxy</c> on PATH, else
    /// <c>/usr/sbin/haproxy</c> (Debian's place, often not on a user's PATH). An explicit path is not second-guessed:
    /// when it does not exist the search stops there.
    /// </summary>
    /// <exception cref="EdgeException">HAProxy is missing, does not run, or is older than 2.6; the message says what to do.</exception>
    public static async Task<HaproxyBinary> LocateAsync(string? explicitPath, CancellationToken cancellationToken)
    {
        var path = Find(explicitPath ?? NullIfEmpty(Environment.GetEnvironmentVariable(EdgeOptions.HaproxyPathVariable)));
        var output = await RunVersionAsync(path, cancellationToken).ConfigureAwait(false);
        var firstLine = output.Split('\n', 2)[0].Trim();
        var version = ParseVersion(output)
            ?? throw new EdgeException($"'{path}' is not HAProxy: '{path} -v' printed '{firstLine}'. " + NotInstalled);
        if (version < MinimumVersion)
        {
            throw new EdgeException(
                $"HAProxy {version} at {path} is too old: Capstan's edge needs HAProxy {MinimumVersion} or later. "
                + "Install a newer one (Debian 12 and Ubuntu 24.04 ship 2.6 or later), or set "
                + EdgeOptions.HaproxyPathVariable + " to its path.");
        }

        return new HaproxyBinary { Path = path, Version = version, VersionText = firstLine };
    }

    /// <summary>Reads the version from <c>haproxy -v</c>'s output: "HAProxy version 2.6.12-1+deb12u4 2026/10/17 - …".</summary>
    internal static Version? ParseVersion(string versionOutput)
    {
        const string marker = "version ";
        var line = versionOutput.AsSpan();
        var start = line.IndexOf(marker, StringComparison.Ordinal);
        if (!line.StartsWith("HAProxy", StringComparison.Ordinal) || start < 0)
        {
            return null;
        }

        var rest = line[(start + marker.Length)..];
        var end = 0;
        while (end < rest.Length && (char.IsAsciiDigit(rest[end]) || rest[end] == '.'))
        {
            end++;
        }

        var numbers = rest[..end].ToString().Split('.', StringSplitOptions.RemoveEmptyEntries);
        if (numbers.Length < 2
            || !int.TryParse(numbers[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            || !int.TryParse(numbers[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minor))
        {
            return null;
        }

        return numbers.Length > 2 && int.TryParse(numbers[2], NumberStyles.None, CultureInfo.InvariantCulture, out var patch)
            ? new Version(major, minor, patch)
            : new Version(major, minor);
    }

    private static string Find(string? explicitPath)
    {
        if (explicitPath is not null)
        {
            var full = System.IO.Path.GetFullPath(explicitPath);
            return File.Exists(full)
                ? full
                : throw new EdgeException($"HAProxy was not found at '{explicitPath}'. " + NotInstalled);
        }

        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = System.IO.Path.Combine(directory, "haproxy");
            if (File.Exists(candidate))
            {
                return System.IO.Path.GetFullPath(candidate);
            }
        }

        return File.Exists(DefaultPath) ? DefaultPath : throw new EdgeException(NotInstalled);
    }

    private static async Task<string> RunVersionAsync(string path, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add("-v");
        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new EdgeException($"'{path}' cannot be run ({e.Message}). " + NotInstalled, e);
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            var output = process.StandardOutput.ReadToEndAsync(limit.Token);
            var error = process.StandardError.ReadToEndAsync(limit.Token);
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
            return await output.ConfigureAwait(false) + await error.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill();
            throw new EdgeException($"'{path} -v' did not answer within 10 s.");
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
