namespace Capstan.Secrets;

/// <summary>
/// A problem with secrets a user can act on: a wrong or unreadable master key, a missing secret, a ciphertext that does
/// not decrypt. The message says what and where; it never holds a secret value.
/// </summary>
public sealed class SecretsException : Exception
{
    public SecretsException(string message)
        : base(message)
    {
    }

    public SecretsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public SecretsException()
    {
    }
}
