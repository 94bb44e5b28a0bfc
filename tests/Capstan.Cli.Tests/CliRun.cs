using Capstan.Cli.Output;

namespace Capstan.Cli.Tests;

/// <summary>Runs capstan in-process with captured output, from a given working folder.</summary>
internal sealed record CliRun(int ExitCode, string Output, string Error)
{
    public static async Task<CliRun> Of(string workingDirectory, params string[] args) =>
        await Of(workingDirectory, TestContext.Current.CancellationToken, args);

    public static async Task<CliRun> Of(string workingDirectory, CancellationToken cancellationToken, params string[] args) =>
        await With(workingDirectory, environment: null, cancellationToken, args);

    /// <summary>Runs with the given environment variables instead of the process's (nothing process-wide changes).</summary>
    public static Task<CliRun> With(string workingDirectory, IReadOnlyDictionary<string, string?>? environment, CancellationToken cancellationToken, params string[] args) =>
        With(workingDirectory, environment, input: null, cancellationToken, args);

    /// <summary>Runs with environment variables and <paramref name="input"/> piped on standard input.</summary>
    public static async Task<CliRun> With(string workingDirectory, IReadOnlyDictionary<string, string?>? environment, string? input, CancellationToken cancellationToken, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var stdin = new StringReader(input ?? "");
        var console = new CliConsole(output, error, colors: false, workingDirectory, environment is null ? null : name => environment.GetValueOrDefault(name))
        {
            Input = stdin,
            InputIsTerminal = false,
        };
        var code = await CapstanCli.RunAsync(args, console, handleSignals: false, cancellationToken).WaitAsync(TimeSpan.FromSeconds(60));
        return new CliRun(code, output.ToString(), error.ToString());
    }
}

