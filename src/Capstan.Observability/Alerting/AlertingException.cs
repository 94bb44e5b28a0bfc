namespace Capstan.Observability.Alerting;

/// <summary>
/// A request about alerts that cannot be carried out (an unknown alert to acknowledge, a silence without matchers),
/// with a message for the person who made it.
/// </summary>
public sealed class AlertingException : Exception
{
    public AlertingException()
    {
    }

    public AlertingException(string message)
        : base(message)
    {
    }

    public AlertingException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>What kind of failure: decides the HTTP status the server answers with.</summary>
    public AlertingErrorKind Kind { get; init; } = AlertingErrorKind.Invalid;
}

public enum AlertingErrorKind
{
    /// <summary>The request is wrong, e.g. a silence that ends before it starts.</summary>
    Invalid,

    /// <summary>What the request names does not exist, e.g. no firing alert has that fingerprint.</summary>
    NotFound,
}
