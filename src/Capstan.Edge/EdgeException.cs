namespace Capstan.Edge;

/// <summary>
/// An edge problem the user can act on: HAProxy missing or too old, a listen port taken by another process, invalid
/// routes, a configuration HAProxy refuses, or a runtime API command HAProxy answered with an error. The message says
/// what is wrong and, where there is one, what to do; HAProxy's own text is quoted when it had something to say.
/// </summary>
public sealed class EdgeException : Exception
{
    public EdgeException()
    {
    }

    public EdgeException(string message)
        : base(message)
    {
    }

    public EdgeException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
