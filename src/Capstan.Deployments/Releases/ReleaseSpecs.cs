using System.Text.Json;
using System.Text.Json.Serialization;

namespace Capstan.Deployments.Releases;

/// <summary>The specs of releases, one JSON file each under <c>.capstan/releases/specs/</c>, written once.</summary>
public sealed class ReleaseSpecs
{
    private readonly string _folder;

    // Specs never change once written, and the edge configuration and status read them on every change: read each once.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ReleaseSpec> _read = new(StringComparer.Ordinal);

    public ReleaseSpecs(string capstanDirectory)
    {
        _folder = Path.Combine(capstanDirectory, "releases", "specs");
        Directory.CreateDirectory(_folder);
    }

    internal static SpecJson JsonContext { get; } = new(new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });

    public ReleaseSpec? Find(string releaseId)
    {
        if (_read.TryGetValue(releaseId, out var known))
        {
            return known;
        }

        var path = PathOf(releaseId);
        var spec = File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllBytes(path), JsonContext.ReleaseSpec) : null;
        return spec is null ? null : _read.GetOrAdd(releaseId, spec);
    }

    /// <exception cref="DeploymentException">The release has no spec here (made by another Capstan, or its file was removed).</exception>
    public ReleaseSpec Get(string releaseId) =>
        Find(releaseId) ?? throw new DeploymentException($"release {releaseId} has no spec in {_folder}; deploy it again from capstan.yaml") { Kind = DeploymentErrorKind.NotFound };

    public void Save(ReleaseSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var path = PathOf(spec.ReleaseId);
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(spec, JsonContext.ReleaseSpec));
        File.Move(temporary, path, overwrite: true);
        _read[spec.ReleaseId] = spec;
    }

    private string PathOf(string releaseId) =>
        releaseId.Length > 0 && releaseId.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')
            ? Path.Combine(_folder, releaseId + ".json")
            : throw new ArgumentException($"not a release id: {releaseId}", nameof(releaseId));
}

[JsonSerializable(typeof(ReleaseSpec))]
internal sealed partial class SpecJson : JsonSerializerContext;
