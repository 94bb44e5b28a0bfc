namespace Capstan.Deployments;

/// <summary>A deployment request that cannot be carried out, with a message for the person who made it.</summary>
public sealed class DeploymentException : Exception
{
    public DeploymentException()
    {
    }

    public DeploymentException(string message)
        : base(message)
    {
    }

    public DeploymentException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>What kind of failure: decides the HTTP status the server answers with.</summary>
    public DeploymentErrorKind Kind { get; init; } = DeploymentErrorKind.Invalid;
}

public enum DeploymentErrorKind
{
    /// <summary>The request is wrong: a bad manifest, an unknown environment or artifact.</summary>
    Invalid,

    /// <summary>Something the request names does not exist.</summary>
    NotFound,

    /// <summary>The request conflicts with what is under way, e.g. another deployment of the same service.</summary>
    Conflict,

    /// <summary>The requester may not do this, e.g. approve a deployment they started.</summary>
    Forbidden,
}
