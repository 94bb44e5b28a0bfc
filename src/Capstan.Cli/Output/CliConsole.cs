using Spectre.Console;

namespace Capstan.Cli.Output;

/// <summary>
/// Where a command writes: results to standard output, errors and progress to standard error. Colors only when the
/// stream is a terminal and NO_COLOR is not set. Tests give their own writers.
/// </summary>
public sealed class CliConsole
{
    private IAnsiConsole? _error;

    public CliConsole(TextWriter output, TextWriter error, bool colors, string workingDirectory, Func<string, string?>? environment = null)
    {
        Output = output;
        Error = error;
        Colors = colors;
        WorkingDirectory = workingDirectory;
        Environment = environment ?? System.Environment.GetEnvironmentVariable;
    }

    /// <summary>Reads an environment variable (tests give their own, so that nothing process-wide changes).</summary>
    public Func<string, string?> Environment { get; }

    /// <summary>Standard input.</summary>
    public TextReader Input { get; init; } = TextReader.Null;

    /// <summary>True when standard input is a terminal (a person types), false when it is a pipe or a file.</summary>
    public bool InputIsTerminal { get; init; }

    /// <summary>Whether standard output is a terminal that can show a live view (colours allowed, not redirected).</summary>
    public bool OutputIsTerminal { get; init; }

    /// <summary>Asks for a value without echoing it (a terminal only).</summary>
    public Func<string, string>? ReadHidden { get; init; }

    /// <summary>The secret values this process has handled; every error message is masked with them.</summary>
    public Capstan.Secrets.Vault.SecretValues SecretValues { get; } = new();

    private Capstan.Secrets.Masking.SecretMasker? _masker;
    private int _maskerVersion = -1;

    /// <summary>Replaces every secret value this process has handled (and its encoded forms) with <c>***</c>.</summary>
    public string Mask(string text)
    {
        var version = SecretValues.Version;
        if (version == 0)
        {
            return text;
        }

        if (_masker is null || _maskerVersion != version)
        {
            _masker = Capstan.Secrets.Masking.SecretMasker.Create(SecretValues.All);
            _maskerVersion = version;
        }

        return _masker.Mask(text);
    }

    public TextWriter Output { get; }

    public TextWriter Error { get; }

    public bool Colors { get; }

    /// <summary>The folder relative paths on the command line are resolved against.</summary>
    public string WorkingDirectory { get; }

    /// <summary>Standard error as a Spectre console, created on first use (it costs start-up time).</summary>
    public IAnsiConsole ErrorConsole => _error ??= AnsiConsole.Create(new AnsiConsoleSettings
    {
        Ansi = Colors ? AnsiSupport.Yes : AnsiSupport.No,
        ColorSystem = Colors ? ColorSystemSupport.Standard : ColorSystemSupport.NoColors,
        Out = new AnsiConsoleOutput(Error),
        Interactive = InteractionSupport.No,
    });

    public static CliConsole ForProcess()
    {
        var colors = !Console.IsErrorRedirected
            && string.IsNullOrEmpty(System.Environment.GetEnvironmentVariable("NO_COLOR"))
            && System.Environment.GetEnvironmentVariable("TERM") is not "dumb";
        return new CliConsole(Console.Out, Console.Error, colors, System.Environment.CurrentDirectory)
        {
            Input = Console.In,
            InputIsTerminal = !Console.IsInputRedirected,
            OutputIsTerminal = colors && !Console.IsOutputRedirected,
            ReadHidden = HiddenPrompt.Read,
        };
    }

    /// <summary>Resolves a path from the command line.</summary>
    public string FullPath(string path) => Path.GetFullPath(path, WorkingDirectory);

    /// <summary>A path as the user should read it: relative to the working folder when inside it.</summary>
    public string DisplayPath(string fullPath)
    {
        var relative = Path.GetRelativePath(WorkingDirectory, fullPath);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? fullPath : relative;
    }

    public void WriteError(string message)
    {
        message = Mask(message);
        if (Colors)
        {
            ErrorConsole.MarkupLine($"[red bold]error:[/] {Markup.Escape(message)}");
        }
        else
        {
            Error.WriteLine($"error: {message}");
        }
    }
}
