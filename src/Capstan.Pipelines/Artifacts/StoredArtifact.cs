namespace Capstan.Pipelines.Artifacts;

/// <summary>An artifact in the store: a reproducible tar named by the SHA-256 of its bytes.</summary>
public sealed record StoredArtifact
{
    /// <summary><c>sha256:</c> followed by 64 lowercase hex digits: the hash of the tar's bytes.</summary>
    public required string Digest { get; init; }

    /// <summary>The tar's size.</summary>
    public required long SizeBytes { get; init; }

    /// <summary>The tar's full path, <c>&lt;root&gt;/sha256/&lt;2 hex&gt;/&lt;64 hex&gt;.tar</c>.</summary>
    public required string Path { get; init; }

    /// <summary>
    /// True when the same content was in the store already, so nothing was written. Informational: two stores of the
    /// same content racing may both say false.
    /// </summary>
    public required bool AlreadyStored { get; init; }
}
