namespace Capstan.Pipelines.Artifacts;

/// <summary>
/// An artifact or archive problem the user can act on: a file kind a tar cannot hold, a symbolic link that leaves its
/// folder, an unsafe archive entry, a malformed digest, a stored artifact whose content no longer matches its digest.
/// The message names the path, entry or digest at fault and why. Bugs are reported with ordinary exceptions.
/// </summary>
public sealed class ArtifactException : Exception
{
    public ArtifactException()
    {
    }

    public ArtifactException(string message)
        : base(message)
    {
    }

    public ArtifactException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
