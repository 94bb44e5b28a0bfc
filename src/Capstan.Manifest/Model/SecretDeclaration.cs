using Capstan.Manifest.Values;

namespace Capstan.Manifest.Model;

/// <summary>A secret the application uses. Values live encrypted in Capstan's store, per environment, never here.</summary>
public sealed record SecretDeclaration
{
    public required string Name { get; init; }

    public string? Description { get; init; }

    /// <summary>Maximum age before the secret is due for rotation.</summary>
    public Duration? Rotate { get; init; }

    /// <summary>A script that makes the new value effective (it receives the value on stdin).</summary>
    public Template? RotateCommand { get; init; }

    /// <summary>How long a replaced version stays readable (releases started before a rotation keep working); default 24h.</summary>
    public Duration? Grace { get; init; }
}
