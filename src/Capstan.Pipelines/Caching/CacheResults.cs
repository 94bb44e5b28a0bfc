namespace Capstan.Pipelines.Caching;

/// <summary>What restoring a dependency cache did, for the pipeline display.</summary>
public sealed record CacheRestoreResult
{
    /// <summary>The cache key, <c>sha256:</c> and 64 hex digits.</summary>
    public required string Key { get; init; }

    /// <summary>True when an entry for the key was found and restored.</summary>
    public required bool Hit { get; init; }

    /// <summary>The entry's tar size; 0 on a miss.</summary>
    public required long SizeBytes { get; init; }

    /// <summary>The paths that were replaced with the cached copy, in the order given.</summary>
    public required IReadOnlyList<string> RestoredPaths { get; init; }

    /// <summary>The paths that did not exist when the entry was saved; they were left as they are.</summary>
    public required IReadOnlyList<string> AbsentPaths { get; init; }

    /// <summary>
    /// Why an entry that was found was not restored (it was damaged or held an unsafe entry, and was removed so the
    /// next save writes a good one); null otherwise. Such a restore is a miss.
    /// </summary>
    public string? Problem { get; init; }
}

/// <summary>What saving a dependency cache did, for the pipeline display.</summary>
public sealed record CacheSaveResult
{
    /// <summary>The cache key, <c>sha256:</c> and 64 hex digits.</summary>
    public required string Key { get; init; }

    public required CacheSaveOutcome Outcome { get; init; }

    /// <summary>The entry's tar size: the new one, the existing one, or the one that was too large; 0 when nothing was packed.</summary>
    public required long SizeBytes { get; init; }

    /// <summary>The paths that did not exist and were recorded as absent (a restore leaves them alone).</summary>
    public required IReadOnlyList<string> AbsentPaths { get; init; }

    /// <summary>The entries removed to bring the cache within its size limit, least recently used first.</summary>
    public required IReadOnlyList<EvictedCacheEntry> Evicted { get; init; }

    /// <summary>The size of all entries after saving and evicting.</summary>
    public required long TotalSizeBytes { get; init; }
}

/// <summary>How a save ended.</summary>
public enum CacheSaveOutcome
{
    /// <summary>A new entry was written.</summary>
    Saved,

    /// <summary>
    /// An entry for the key existed already; nothing was written. Two jobs saving the same key at once may both report
    /// <see cref="Saved"/>: each wrote a complete entry and one replaced the other.
    /// </summary>
    AlreadyCached,

    /// <summary>The packed paths are larger than the whole cache's size limit, so they were not kept.</summary>
    TooLarge,

    /// <summary>None of the paths existed, so there was nothing to save.</summary>
    NothingToSave,
}

/// <summary>An entry evicted as least recently used.</summary>
public sealed record EvictedCacheEntry
{
    public required string Key { get; init; }

    public required long SizeBytes { get; init; }

    /// <summary>When it was last saved or restored.</summary>
    public required DateTimeOffset LastUsed { get; init; }
}
