using System.Security.Cryptography;
using Capstan.Cli.Output;
using Capstan.Secrets.Masking;

namespace Capstan.Cli.Secrets;

/// <summary>Where a new secret value comes from, and the checks that keep it out of shell history and logs.</summary>
internal static class SecretInput
{
    public const int DefaultLength = 32;
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>
    /// The value from, in order: <c>--generate</c>, <c>--from-file</c>, <c>--value</c> (with a warning), standard input
    /// (a pipe; one trailing newline dropped), or a hidden prompt on a terminal.
    /// </summary>
    public static string Read(CliConsole console, string name, string environment, string? positional, string? fromFile, string? value, int? generateLength)
    {
        if (positional is not null)
        {
            throw new CommandException(
                $"refusing a secret value on the command line: it would stay in your shell history and be visible in ps. " +
                $"Pipe it (printf %s \"$VALUE\" | capstan secret set {name} --env {environment}), use --from-file, " +
                "or pass --value explicitly if you accept that",
                ExitCodes.Usage);
        }

        var sources = new[] { generateLength is not null, fromFile is not null, value is not null }.Count(x => x);
        if (sources > 1)
        {
            throw new CommandException("give one of --generate, --from-file and --value", ExitCodes.Usage);
        }

        string result;
        if (generateLength is { } length)
        {
            result = Generate(length);
        }
        else if (fromFile is not null)
        {
            var path = console.FullPath(fromFile);
            try
            {
                result = File.ReadAllText(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new CommandException($"cannot read {console.DisplayPath(path)}: {ex.Message}");
            }
        }
        else if (value is not null)
        {
            console.Error.WriteLine("warning: a value given with --value stays in your shell history and is visible in ps while capstan runs");
            result = value;
        }
        else if (!console.InputIsTerminal)
        {
            result = TrimOneNewline(console.Input.ReadToEnd());
        }
        else if (console.ReadHidden is { } prompt)
        {
            result = prompt($"value of {name} in {environment} (not shown): ");
        }
        else
        {
            throw new CommandException($"no value for {name}: pipe it on standard input, or use --from-file or --generate", ExitCodes.Usage);
        }

        if (result.Length == 0)
        {
            throw new CommandException($"the value of {name} is empty; Capstan does not store empty secrets");
        }

        if (!SecretMasker.WillBeMasked(result))
        {
            console.Error.WriteLine($"warning: the value of {name} is shorter than {SecretMasker.MinimumLength} characters, so logs will not mask it");
        }

        return result;
    }

    public static string Generate(int length)
    {
        if (length is < 16 or > 4096)
        {
            throw new CommandException("--length must be from 16 to 4096", ExitCodes.Usage);
        }

        return new string(RandomNumberGenerator.GetItems<char>(Alphabet, length));
    }

    private static string TrimOneNewline(string text) =>
        text.EndsWith("\r\n", StringComparison.Ordinal) ? text[..^2] : text.EndsWith('\n') ? text[..^1] : text;
}
