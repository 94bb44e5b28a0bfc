using System.Text.Encodings.Web;
using System.Text.Json;
using Capstan.Manifest.Binding;

namespace Capstan.Manifest;

/// <summary>The JSON Schema of capstan.yaml, generated from the same description that validates it, for editors.</summary>
public static class CapstanSchema
{
    public static string ToJson() => ManifestSchema.JsonSchema().ToJsonString(new JsonSerializerOptions
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
