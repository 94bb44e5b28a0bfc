using System.Text.Json.Nodes;
using Capstan.Manifest.Diagnostics;
using Capstan.Manifest.Model;
using Capstan.Manifest.Yaml;

namespace Capstan.Manifest.Binding;

/// <summary>
/// A deployment strategy: a word (<c>rolling</c>, <c>blue-green</c>...) for the defaults, or a mapping naming one
/// strategy with its settings (<c>{ canary: [5%, 25%, 50%, 100%], pause: 30s }</c>).
/// </summary>
internal sealed class StrategyShape(ChoiceShape<DeploymentStrategy> word, ObjectShape<DeploymentStrategy> detailed) : Shape<DeploymentStrategy>
{
    public override string Expectation => "a strategy (recreate, rolling, blue-green or canary) or a mapping with one of them";

    internal override bool TryBind(YamlNode node, BindContext context, string path, out DeploymentStrategy value) =>
        node switch
        {
            YamlScalar { IsNull: false } => word.TryBind(node, context, path, out value),
            YamlMapping => detailed.TryBind(node, context, path, out value),
            _ => Fail(node, context, path, out value),
        };

    private bool Fail(YamlNode node, BindContext context, string path, out DeploymentStrategy value)
    {
        context.Error(node.Start, ErrorCodes.WrongType, $"{SourceMap.Display(path)} must be {Expectation}, not {node.Describe()}");
        value = RollingStrategy.Default;
        return false;
    }

    internal override JsonObject ToJsonSchema(SchemaBuilder schema) =>
        new() { ["anyOf"] = new JsonArray(word.ToJsonSchema(schema), detailed.ToJsonSchema(schema)) };

    internal override JsonNode? DefaultToJson(DeploymentStrategy value) => value.Kind;
}
