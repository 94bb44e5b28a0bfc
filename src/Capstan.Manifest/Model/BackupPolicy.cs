using Capstan.Manifest.Values;

namespace Capstan.Manifest.Model;

public enum BackupSourceKind
{
    Sqlite,
    Postgres,
    Directory,
}

public enum VerifyFrequency
{
    Never,
    EveryBackup,
    Daily,
    Weekly,
    Monthly,
}

/// <summary>What is backed up, when, how long it is kept and how often a restore is proven.</summary>
public sealed record BackupPolicy
{
    public required string Name { get; init; }

    public required BackupSourceKind Kind { get; init; }

    /// <summary>The SQLite file or the folder, relative to the service's data folder or absolute; null for PostgreSQL.</summary>
    public string? Path { get; init; }

    /// <summary>The PostgreSQL connection URL (usually a secret reference); null for the other kinds.</summary>
    public Template? ConnectionUrl { get; init; }

    /// <summary>The service whose data folder relative paths start from; null means the manifest's only service.</summary>
    public string? Service { get; init; }

    public required CronExpression Schedule { get; init; }

    public required BackupRetention Keep { get; init; }

    public required VerifyFrequency Verify { get; init; }

    /// <summary>Recovery point objective: the most data, in time, a restore may lose.</summary>
    public required Duration Rpo { get; init; }

    /// <summary>Recovery time objective: the longest a restore may take.</summary>
    public required Duration Rto { get; init; }
}

/// <summary>How many backups to keep per period (grandfather-father-son).</summary>
public sealed record BackupRetention
{
    public static readonly BackupRetention Default = new() { Daily = 30 };

    public int Hourly { get; init; }

    public int Daily { get; init; }

    public int Weekly { get; init; }

    public int Monthly { get; init; }
}
