using System.Text.Json;
using System.Text.Json.Serialization;
using Capstan.Edge.Routing;

namespace Capstan.Edge.Configuration;

/// <summary>
/// The last applied routes, kept beside the configuration as <c>routes.json</c>: when HAProxy has to be started again
/// (after a reboot, a crash, or with changed options), its configuration is generated from them with the current
/// options and template, so it serves what it served before Capstan applies anything.
/// </summary>
internal static class SavedRoutes
{
    public const string FileName = "routes.json";

    public static void Save(string directory, EdgeRoutes routes) =>
        HaproxyConfig.WriteAtomically(Path.Combine(directory, FileName), JsonSerializer.Serialize(routes, SavedRoutesJson.Default.EdgeRoutes));

    /// <summary>The saved routes; empty when there are none or they cannot be read (the next apply replaces them).</summary>
    public static EdgeRoutes Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        try
        {
            var routes = JsonSerializer.Deserialize(File.ReadAllText(path), SavedRoutesJson.Default.EdgeRoutes);
            return routes is null ? EdgeRoutes.Empty : RouteValidator.Normalize(routes);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or JsonException or EdgeException)
        {
            return EdgeRoutes.Empty;
        }
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, UseStringEnumConverter = true)]
[JsonSerializable(typeof(EdgeRoutes))]
internal sealed partial class SavedRoutesJson : JsonSerializerContext;
