using Capstan.Cli.Output;

namespace Capstan.Cli.Tests;

/// <summary>Runs capstan in-process with captured output, from a given working folder.</summary>
internal sealed record CliRun(int ExitCode, string Output, string Error)
{
    public static async Task<CliRun> Of(string workingDirectory, params string[] args) =>
        await Of(workingDirectory, TestContext.Current.CancellationToken, args);

    public static async Task<CliRun> Of(string workingDirectory, CancellationToken cancellationToken, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var console = new CliConsole(output, error, colors: false, workingDirectory);
        var code = await CapstanCli.RunAsync(args, console, handleSignals: false, cancellationToken).WaitAsync(TimeSpan.FromSeconds(60));
        return new CliRun(code, output.ToString(), error.ToString());
    }
}

/// <summary>A temporary folder, deleted with everything in it.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "capstan-cli-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Write(string relative, string content)
    {
        var file = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        File.WriteAllText(file, content);
        return file;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}

internal static class Repo
{
    public static string Root { get; } = Find();

    public static string Example => System.IO.Path.Combine(Root, "examples", "hello");

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Capstan.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("cannot find the repository root above " + AppContext.BaseDirectory);
    }
}
