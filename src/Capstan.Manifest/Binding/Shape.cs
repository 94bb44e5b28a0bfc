using System.Text.Json.Nodes;
using Capstan.Manifest.Yaml;

namespace Capstan.Manifest.Binding;

/// <summary>
/// The expected shape of a value in capstan.yaml. One description serves three purposes: binding a YAML node to a
/// typed value (reporting every problem with its position), recording positions in the <see cref="SourceMap"/>,
/// and describing the value in the JSON Schema that editors use.
/// </summary>
public abstract class Shape<T>
{
    /// <summary>What a value of this shape looks like, for messages: "a duration like 30s".</summary>
    public abstract string Expectation { get; }

    /// <summary>
    /// Binds <paramref name="node"/>. Returns false, after reporting why, when the node cannot give a value at all;
    /// returns true with a best-effort value when only parts of it were wrong (those parts are reported too).
    /// </summary>
    internal abstract bool TryBind(YamlNode node, BindContext context, string path, out T value);

    /// <summary>The JSON Schema of the value.</summary>
    internal abstract JsonObject ToJsonSchema(SchemaBuilder schema);

    /// <summary>
    /// True when an empty value (<c>key:</c>) means an empty mapping or list of this shape rather than "absent":
    /// <c>approval:</c> is an approval with its defaults, never a silently dropped approval.
    /// </summary>
    internal virtual bool BindsEmptyValue => false;

    /// <summary>
    /// True when an empty value given to an optional key of this shape is valid (it reads as absent, or as an empty
    /// mapping or list that is fine); the JSON Schema then allows <c>null</c> there.
    /// </summary>
    internal virtual bool AcceptsEmptyValue => true;

    /// <summary>The JSON form of a default value, for the schema; null when it has none worth showing.</summary>
    internal virtual JsonNode? DefaultToJson(T value) => null;
}
