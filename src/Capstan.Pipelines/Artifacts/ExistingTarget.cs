namespace Capstan.Pipelines.Artifacts;

/// <summary>What extracting does about something already at the target path.</summary>
public enum ExistingTarget
{
    /// <summary>
    /// An existing empty folder is used; anything else there (a non-empty folder, a file, a link) is an error, found
    /// before any entry is read. For deploying an artifact into a fresh release folder.
    /// </summary>
    Refuse,

    /// <summary>
    /// Whatever is there is swapped out for the extracted folder once every entry was extracted, and then deleted; on an
    /// error it is left untouched. For restoring a dependency cache over a stale copy.
    /// </summary>
    Replace,
}
