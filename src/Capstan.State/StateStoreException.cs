namespace Capstan.State;

/// <summary>
/// A state store failure the user can cause and fix: an unreachable server, a malformed location,
/// a database file that cannot be written, a schema newer than this build. The message names what
/// failed and where, and never contains a password. Bugs are reported with ordinary exceptions.
/// </summary>
public sealed class StateStoreException : Exception
{
    public StateStoreException()
    {
    }

    public StateStoreException(string message)
        : base(message)
    {
    }

    public StateStoreException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
