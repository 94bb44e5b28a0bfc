using Capstan.Manifest.Model;
using Capstan.Pipelines.Caching;
using Capstan.Pipelines.Execution;

namespace Capstan.Pipelines.Running;

/// <summary>A job's dependency cache: restored before its first attempt, saved after it succeeded when it was a miss.</summary>
internal sealed class CacheUse
{
    private readonly DependencyCache _cache;
    private readonly string _key;
    private readonly IReadOnlyList<string> _paths;
    private bool _hit;

    public CacheUse(RunContext context, Job job, IReadOnlyDictionary<string, string> environment)
    {
        var declared = job.Cache!;
        _cache = new DependencyCache(Path.Combine(context.CapstanDirectory, "cache"), context.Request.CacheSizeLimit, context.Time);
        _key = DependencyCache.ComputeKey(job.Name, context.ProjectDirectory, declared.Key, declared.Paths);
        var home = environment.GetValueOrDefault("HOME") ?? System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile);
        _paths = declared.Paths.Select(p => CachePaths.Resolve(p, context.ProjectDirectory, home)).ToList();
    }

    /// <summary>Restores the cache; returns what happened, for the job's report.</summary>
    public async Task<string> RestoreAsync(JobLog log, CancellationToken cancellationToken)
    {
        var restore = await _cache.RestoreAsync(_key, _paths, cancellationToken).ConfigureAwait(false);
        _hit = restore.Hit;
        var note = _hit ? $"restored {Sizes.Format(restore.SizeBytes)}" : restore.Problem is { } problem ? $"miss ({problem})" : "miss";
        log.WriteLine($"capstan: cache {Short(_key)}: {note}");
        return note;
    }

    /// <summary>Saves the cache after a successful job, unless it was restored (the key says it has not changed).</summary>
    public async Task<string?> SaveAsync(JobLog log, CancellationToken cancellationToken)
    {
        if (_hit)
        {
            return null;
        }

        var save = await _cache.SaveAsync(_key, _paths, cancellationToken).ConfigureAwait(false);
        var note = save.Outcome switch
        {
            CacheSaveOutcome.Saved => $"saved {Sizes.Format(save.SizeBytes)}",
            CacheSaveOutcome.AlreadyCached => "already saved by another job",
            CacheSaveOutcome.TooLarge => $"not saved: {Sizes.Format(save.SizeBytes)} is over the cache's limit",
            _ => "nothing to save: no cached path exists",
        } + (save.Evicted.Count > 0 ? $", evicted {save.Evicted.Count} least recently used" : string.Empty);
        log.WriteLine($"capstan: cache {Short(_key)}: {note}");
        return note;
    }

    private static string Short(string key) => key.Length > 19 ? key[..19] : key;
}
