namespace Capstan.Cli.Init;

public enum Stack
{
    DotNet,
    Node,
    Python,
    Go,
    Static,
}

/// <summary>What <c>capstan init</c> learned about a project, enough to write a starter capstan.yaml.</summary>
internal sealed record StarterProject
{
    public required Stack Stack { get; init; }

    /// <summary>What was found, for the user: "a .NET project (src/Shop.Api/Shop.Api.csproj)".</summary>
    public required string Summary { get; init; }

    public string? Lint { get; init; }

    public string? Test { get; init; }

    /// <summary>The build script; with <see cref="Artifact"/>, its output is what services run.</summary>
    public string? Build { get; init; }

    public string? Artifact { get; init; }

    /// <summary>The command that starts the app listening on 127.0.0.1:${PORT}.</summary>
    public required string Run { get; init; }

    /// <summary>Variables the app needs to listen where Capstan says.</summary>
    public IReadOnlyDictionary<string, string> Env { get; init; } = new Dictionary<string, string>();

    public required IReadOnlyList<string> Inputs { get; init; }

    public IReadOnlyList<string> CacheKey { get; init; } = [];

    public IReadOnlyList<string> CachePaths { get; init; } = [];

    /// <summary>Other stacks seen in the folder, mentioned to the user.</summary>
    public IReadOnlyList<Stack> AlsoFound { get; init; } = [];
}
