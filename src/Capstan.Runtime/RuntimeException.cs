namespace Capstan.Runtime;

/// <summary>
/// A runtime problem the user can act on: a release whose artifact is missing or corrupted, an invalid instance spec,
/// no free port left in the range, an unknown instance. The message names the thing at fault and what would be right.
/// Bugs are reported with ordinary exceptions.
/// </summary>
public sealed class RuntimeException : Exception
{
    public RuntimeException()
    {
    }

    public RuntimeException(string message)
        : base(message)
    {
    }

    public RuntimeException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
