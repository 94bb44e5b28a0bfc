using System.Globalization;
using System.Text.Json.Nodes;
using Capstan.Manifest.Diagnostics;
using Capstan.Manifest.Yaml;

namespace Capstan.Manifest.Binding;

/// <summary>A YAML list; optionally a single value where a list of one is meant (<c>needs: test</c>).</summary>
internal sealed class ListShape<T>(Shape<T> item, bool acceptSingle = false, int minItems = 0, bool unique = false) : Shape<IReadOnlyList<T>>
{
    public override string Expectation => $"a list, each item {item.Expectation}";

    /// <summary>An empty value is an empty list, unless the list needs items: then it reads as absent (the default).</summary>
    internal override bool BindsEmptyValue => minItems == 0;

    internal override bool TryBind(YamlNode node, BindContext context, string path, out IReadOnlyList<T> value)
    {
        value = [];
        if (node is YamlScalar { IsNull: true })
        {
            if (minItems > 0)
            {
                context.Error(node.Start, ErrorCodes.MissingValue, $"{SourceMap.Display(path)} is empty; expected {Expectation}");
                return false;
            }

            return true;
        }

        if (node is not YamlSequence sequence)
        {
            if (acceptSingle && node is YamlScalar)
            {
                var single = SourceMap.Child(path, 0);
                if (item.TryBind(node, context, single, out var one))
                {
                    value = [one];
                    return true;
                }

                return false;
            }

            context.Error(node.Start, ErrorCodes.WrongType, $"{SourceMap.Display(path)} must be {Expectation}, not {node.Describe()}");
            return false;
        }

        var items = new List<T>(sequence.Items.Count);
        var sourceIndices = new List<int>(sequence.Items.Count);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < sequence.Items.Count; i++)
        {
            var child = sequence.Items[i];
            var childPath = SourceMap.Child(path, i);
            if (!item.TryBind(child, context, childPath, out var bound))
            {
                continue;
            }

            if (unique && child is YamlScalar scalar)
            {
                if (seen.TryGetValue(scalar.Value, out var first))
                {
                    context.Error(child.Start, ErrorCodes.DuplicateName, string.Create(CultureInfo.InvariantCulture,
                        $"{SourceMap.Display(path)} lists '{scalar.Value}' twice (first as item {first + 1})"));
                    continue;
                }

                seen.Add(scalar.Value, i);
            }

            items.Add(bound);
            sourceIndices.Add(i);
        }

        if (sourceIndices.Count < sequence.Items.Count)
        {
            context.Map.RecordListIndices(path, [.. sourceIndices]);
        }

        if (sequence.Items.Count < minItems)
        {
            context.Error(node.Start, ErrorCodes.MissingValue, string.Create(CultureInfo.InvariantCulture,
                $"{SourceMap.Display(path)} has {sequence.Items.Count} item{(sequence.Items.Count == 1 ? "" : "s")}; expected at least {minItems}"));
        }

        value = items;
        return true;
    }

    internal override JsonObject ToJsonSchema(SchemaBuilder schema)
    {
        var array = new JsonObject { ["type"] = "array", ["items"] = item.ToJsonSchema(schema) };
        if (minItems > 0)
        {
            array["minItems"] = minItems;
        }

        if (unique)
        {
            array["uniqueItems"] = true;
        }

        return acceptSingle ? new JsonObject { ["anyOf"] = new JsonArray(item.ToJsonSchema(schema), array) } : array;
    }
}

/// <summary>The rule names must follow where they are keys of a mapping (job names, secret names...).</summary>
internal sealed record NameRule(string Description, Func<string, bool> IsValid, string JsonPattern);

/// <summary>A mapping from names to values of one shape, in the order written.</summary>
internal sealed class MapShape<T>(NameRule keys, Shape<T> values, string what) : Shape<IReadOnlyDictionary<string, T>>
{
    public override string Expectation => $"a mapping of {what}";

    internal override bool BindsEmptyValue => true;

    internal override bool TryBind(YamlNode node, BindContext context, string path, out IReadOnlyDictionary<string, T> value)
    {
        var map = new OrderedDictionary<string, T>(StringComparer.Ordinal);
        value = map;
        if (node is YamlScalar { IsNull: true })
        {
            return true;
        }

        if (node is not YamlMapping mapping)
        {
            context.Error(node.Start, ErrorCodes.WrongType, $"{SourceMap.Display(path)} must be {Expectation}, not {node.Describe()}");
            return false;
        }

        foreach (var (key, child) in mapping.Entries)
        {
            var childPath = SourceMap.Child(path, key.Value);
            if (!keys.IsValid(key.Value))
            {
                context.Error(key.Start, ErrorCodes.InvalidName,
                    $"'{YamlScalar.Shorten(key.Value)}' in {SourceMap.Display(path)} is not a valid name; {keys.Description}");
                continue;
            }

            if (values.TryBind(child, context, childPath, out var bound))
            {
                map[key.Value] = bound;
            }
        }

        return true;
    }

    internal override JsonObject ToJsonSchema(SchemaBuilder schema) => new()
    {
        ["type"] = "object",
        ["propertyNames"] = new JsonObject { ["pattern"] = keys.JsonPattern },
        ["additionalProperties"] = values.BindsEmptyValue && values.AcceptsEmptyValue ? ObjectShape<object>.OrNull(values.ToJsonSchema(schema)) : values.ToJsonSchema(schema),
    };
}
