namespace Capstan.Cli;

/// <summary>
/// The one error type users see: its message is printed as is (no stack trace), and the process exits with
/// <see cref="ExitCode"/>. Anything else that escapes a command is a bug and is reported as unexpected.
/// </summary>
public sealed class CommandException : Exception
{
    public CommandException(string message, int exitCode = ExitCodes.InvalidInput)
        : base(message) => ExitCode = exitCode;

    public CommandException()
        : this("command failed")
    {
    }

    public CommandException(string message, Exception innerException)
        : base(message, innerException) => ExitCode = ExitCodes.InvalidInput;

    public int ExitCode { get; }
}
