using System.Text.Json.Nodes;
using Capstan.Manifest.Diagnostics;
using Capstan.Manifest.Model;
using Capstan.Manifest.Values;
using Capstan.Manifest.Yaml;

namespace Capstan.Manifest.Binding;

/// <summary>
/// A freeze window: the short form as one string (<c>"Fri 16:00 - Mon 08:00 Europe/Berlin"</c>), or a mapping with
/// <c>from</c>, <c>to</c>, <c>timezone</c> and <c>reason</c>.
/// </summary>
internal sealed class FreezeWindowShape(ObjectShape<FreezeWindow?> detailed) : Shape<FreezeWindow>
{
    public override string Expectation => FreezeSyntax.WindowExpectation + ", or a mapping with from, to, timezone and reason";

    internal override bool TryBind(YamlNode node, BindContext context, string path, out FreezeWindow value)
    {
        value = null!;
        switch (node)
        {
            case YamlScalar { IsNull: false } scalar:
                if (FreezeSyntax.TryParseWindow(scalar.Value, out value, out var error))
                {
                    return true;
                }

                context.Error(scalar.PositionOf(error.Offset), error.Code, $"{SourceMap.Display(path)}: {error.Message}");
                return false;
            case YamlMapping:
                detailed.TryBind(node, context, path, out var window);
                value = window!;
                return window is not null;
            case YamlScalar:
                context.Error(node.Start, ErrorCodes.MissingValue, $"{SourceMap.Display(path)} is empty; expected {Expectation}");
                return false;
            default:
                context.Error(node.Start, ErrorCodes.WrongType, $"{SourceMap.Display(path)} must be {Expectation}, not {node.Describe()}");
                return false;
        }
    }

    internal override JsonObject ToJsonSchema(SchemaBuilder schema) => new()
    {
        ["anyOf"] = new JsonArray(
            new JsonObject { ["type"] = "string", ["minLength"] = 1, ["description"] = FreezeSyntax.WindowExpectation },
            detailed.ToJsonSchema(schema)),
    };
}

/// <summary>The <c>from</c> or <c>to</c> of a freeze window: <c>Fri 16:00</c> or <c>2026-12-24 00:00</c>. Null when it does not parse.</summary>
internal sealed class FreezePointShape : ScalarShape<FreezePoint?>
{
    public override string Expectation => FreezeSyntax.PointExpectation;

    protected override bool TryParse(YamlScalar scalar, BindContext context, string path, out FreezePoint? value)
    {
        value = null;
        if (!FreezeSyntax.TryParsePoint(scalar.Value, out var point, out var error))
        {
            return Fail(scalar, context, path, error.Code, new ValueError(error.Message, error.Offset));
        }

        value = point;
        return true;
    }

    internal override JsonObject ToJsonSchema(SchemaBuilder schema) =>
        new() { ["type"] = "string", ["minLength"] = 1, ["description"] = Expectation };
}

/// <summary>A time zone by IANA id, resolved from the system's tz database.</summary>
internal sealed class TimeZoneShape : ScalarShape<TimeZoneInfo>
{
    public override string Expectation => FreezeSyntax.ZoneExpectation;

    protected override bool TryParse(YamlScalar scalar, BindContext context, string path, out TimeZoneInfo value)
    {
        var id = scalar.Value.Trim();
        if (id.Length == 0)
        {
            value = TimeZoneInfo.Utc;
            context.Error(scalar.Start, ErrorCodes.MissingValue, $"{SourceMap.Display(path)} is empty; expected {Expectation}");
            return false;
        }

        if (!FreezeSyntax.TryFindZone(id, out value, out var message))
        {
            return Fail(scalar, context, path, ErrorCodes.UnknownTimeZone, new ValueError(message, scalar.Value.Length - scalar.Value.TrimStart().Length));
        }

        return true;
    }

    internal override JsonObject ToJsonSchema(SchemaBuilder schema) =>
        new() { ["type"] = "string", ["minLength"] = 1, ["description"] = Expectation };

    internal override JsonNode? DefaultToJson(TimeZoneInfo value) => value.Id;
}
