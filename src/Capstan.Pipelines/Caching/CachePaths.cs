using Capstan.Pipelines.Artifacts;

namespace Capstan.Pipelines.Caching;

/// <summary>Turns a cache path as written in capstan.yaml into a full path.</summary>
public static class CachePaths
{
    /// <summary>
    /// <c>~</c> and <c>~/…</c> resolve against <paramref name="home"/>, a relative path against
    /// <paramref name="workingDirectory"/>; an absolute path stays. The result is normalised (no <c>.</c>, <c>..</c> or
    /// trailing separator).
    /// </summary>
    /// <exception cref="CacheException">
    /// The path is <c>~user/…</c>, or resolves to the file system root, <paramref name="home"/> itself, or
    /// <paramref name="workingDirectory"/> or a folder above it: restoring a cache replaces the folder, so those would
    /// replace the job's own sources or more.
    /// </exception>
    public static string Resolve(string path, string workingDirectory, string home)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(workingDirectory);
        ArgumentException.ThrowIfNullOrEmpty(home);
        string resolved;
        if (path == "~")
        {
            resolved = home;
        }
        else if (path.StartsWith("~/", StringComparison.Ordinal)
            || (Path.DirectorySeparatorChar == '\\' && path.StartsWith("~\\", StringComparison.Ordinal)))
        {
            resolved = Path.Combine(home, path[2..]);
        }
        else if (path.StartsWith('~'))
        {
            throw new CacheException($"cache path '{path}': '~user' paths are not supported; write '~/…' or a path relative to the working directory");
        }
        else
        {
            resolved = Path.Combine(workingDirectory, path);
        }

        var full = FileTrees.Normalize(resolved);
        var working = FileTrees.Normalize(workingDirectory);
        if (full == Path.GetPathRoot(full) || FileTrees.IsSameOrInside(full, home) || FileTrees.IsSameOrInside(full, working))
        {
            throw new CacheException(
                $"cache path '{path}' resolves to '{full}', which holds the working directory '{working}', the home folder or everything; "
                + "restoring a cache replaces its folder, so name a folder of dependencies such as node_modules");
        }

        return full;
    }
}
