using Capstan.Cli;

namespace Capstan.Deployments.Tests;

/// <summary>The capstan CLI run in-process on captured output, as a user runs it beside a test's server.</summary>
internal static class Cli
{
    public static async Task<(int Code, string Output, string Error)> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CapstanCli.RunAsync(args, new Capstan.Cli.Output.CliConsole(output, error, colors: false, Directory.GetCurrentDirectory()), handleSignals: false, cancellationToken);
        return (code, output.ToString(), error.ToString());
    }
}
