namespace Capstan.Pipelines.Inputs;

/// <summary>
/// A job's inputs cannot be known or hashed: a glob that cannot be used, a folder that cannot be listed, a file that
/// cannot be read. The message names each. A job whose inputs cannot be known cannot be skipped: it runs.
/// </summary>
public sealed class InputFilesException : Exception
{
    public InputFilesException(string message)
        : base(message)
    {
    }

    public InputFilesException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public InputFilesException()
    {
    }
}
