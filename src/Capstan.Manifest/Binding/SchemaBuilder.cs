using System.Text.Json.Nodes;

namespace Capstan.Manifest.Binding;

/// <summary>Collects named definitions (<c>$defs</c>) while shapes describe themselves.</summary>
internal sealed class SchemaBuilder
{
    private readonly SortedDictionary<string, JsonObject?> _definitions = new(StringComparer.Ordinal);

    /// <summary>A <c>$ref</c> to the definition <paramref name="name"/>, describing it on first use.</summary>
    public JsonObject Reference(string name, Func<JsonObject> describe)
    {
        if (!_definitions.ContainsKey(name))
        {
            _definitions[name] = null; // placeholder first: definitions may refer to themselves
            _definitions[name] = describe();
        }

        return new JsonObject { ["$ref"] = $"#/$defs/{name}" };
    }

    public JsonObject Definitions()
    {
        var defs = new JsonObject();
        foreach (var (name, schema) in _definitions)
        {
            defs[name] = schema;
        }

        return defs;
    }
}
