namespace Capstan.Pipelines.Caching;

/// <summary>
/// A dependency cache problem the user can act on: a missing key file, a cache path that cannot be used (a file, the
/// working directory itself, overlapping another), a folder that cannot be packed. The message names the file or path.
/// </summary>
public sealed class CacheException : Exception
{
    public CacheException()
    {
    }

    public CacheException(string message)
        : base(message)
    {
    }

    public CacheException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
