namespace Capstan.Testing;

/// <summary>What <c>promtool</c> said: its exit code and its stdout and stderr together.</summary>
public sealed record PromtoolResult
{
    public required int ExitCode { get; init; }

    /// <summary>stdout, then stderr (where promtool writes <c>FAILED:</c> and the errors).</summary>
    public required string Output { get; init; }

    public bool Succeeded => ExitCode == 0;
}

/// <summary>
/// Prometheus's own checker, <c>promtool</c> (from Debian's <c>prometheus</c> package), as the validator of the rule files
/// and configurations that Capstan writes: a file it accepts is one Prometheus loads.
/// </summary>
/// <remarks>
/// <code>
/// var check = await Promtool.CheckRulesAsync(path, ct);
/// check.Succeeded.ShouldBeTrue(check.Output);
/// </code>
/// </remarks>
public static class Promtool
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary><c>promtool check rules FILE</c>: exit code 0 and <c>SUCCESS: N rules found</c>, or 1 and where the file is wrong.</summary>
    /// <exception cref="InvalidOperationException">promtool is not installed; the message says how to install it.</exception>
    public static Task<PromtoolResult> CheckRulesAsync(string path, CancellationToken cancellationToken) =>
        RunAsync(["check", "rules", path], cancellationToken);

    /// <summary><c>promtool check config FILE</c>, which checks the rule files it names too.</summary>
    /// <exception cref="InvalidOperationException">promtool is not installed; the message says how to install it.</exception>
    public static Task<PromtoolResult> CheckConfigAsync(string path, CancellationToken cancellationToken) =>
        RunAsync(["check", "config", path], cancellationToken);

    private static async Task<PromtoolResult> RunAsync(string[] arguments, CancellationToken cancellationToken)
    {
        var promtool = InstalledTool.Find("promtool", "prometheus", "promtool");
        var result = await ProcessRunner.RunAsync(promtool, arguments, Timeout, cancellationToken).ConfigureAwait(false);
        return new PromtoolResult { ExitCode = result.ExitCode, Output = result.StandardOutput + result.StandardError };
    }
}
