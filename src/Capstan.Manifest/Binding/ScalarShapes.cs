using System.Globalization;
using System.Text.Json.Nodes;
using Capstan.Manifest.Diagnostics;
using Capstan.Manifest.Values;
using Capstan.Manifest.Yaml;

namespace Capstan.Manifest.Binding;

/// <summary>A shape whose value is written as one YAML scalar.</summary>
internal abstract class ScalarShape<T> : Shape<T>
{
    internal override bool TryBind(YamlNode node, BindContext context, string path, out T value)
    {
        value = default!;
        if (node is not YamlScalar scalar)
        {
            context.Error(node.Start, ErrorCodes.WrongType, $"{SourceMap.Display(path)} must be {Expectation}, not {node.Describe()}");
            return false;
        }

        if (scalar.IsNull)
        {
            var hint = AllowsEmptyText ? "; write \"\" for empty text" : "";
            context.Error(node.Start, ErrorCodes.MissingValue, $"{SourceMap.Display(path)} is empty; expected {Expectation}{hint}");
            return false;
        }

        return TryParse(scalar, context, path, out value);
    }

    protected abstract bool TryParse(YamlScalar scalar, BindContext context, string path, out T value);

    /// <summary>True when <c>""</c> is a valid value, so that an empty value's message can say to write it.</summary>
    protected virtual bool AllowsEmptyText => false;

    /// <summary>Reports a parse error at the exact character of the scalar when the source allows it.</summary>
    protected static bool Fail(YamlScalar scalar, BindContext context, string path, string code, ValueError error)
    {
        context.Error(scalar.PositionOf(error.Offset), code, $"{SourceMap.Display(path)}: {error.Message}");
        return false;
    }

    /// <summary>Numbers and booleans must be written plain: a quoted "3" is text.</summary>
    protected bool RequirePlain(YamlScalar scalar, BindContext context, string path)
    {
        if (scalar.Style == YamlScalarStyle.Plain)
        {
            return true;
        }

        context.Error(scalar.Start, ErrorCodes.WrongType, $"{SourceMap.Display(path)} must be {Expectation}, not quoted text; remove the quotes");
        return false;
    }
}

/// <summary>Free text.</summary>
internal sealed class TextShape(bool allowEmpty = false, int maxLength = 4096) : ScalarShape<string>
{
    public override string Expectation => "text";

    protected override bool AllowsEmptyText => allowEmpty;

    protected override bool TryParse(YamlScalar scalar, BindContext context, string path, out string value)
    {
        value = scalar.Value;
        if (!allowEmpty && string.IsNullOrWhiteSpace(value))
        {
            context.Error(scalar.Start, ErrorCodes.MissingValue, $"{SourceMap.Display(path)} is empty; expected {Expectation}");
            return false;
        }

        if (value.Length > maxLength)
        {
            context.Error(scalar.Start, ErrorCodes.OutOfRange, string.Create(CultureInfo.InvariantCulture,
                $"{SourceMap.Display(path)} is {value.Length} characters long; at most {maxLength} are allowed"));
            return false;
        }

        return true;
    }

    internal override JsonObject ToJsonSchema(SchemaBuilder schema) =>
        new() { ["type"] = "string", ["minLength"] = allowEmpty ? 0 : 1, ["maxLength"] = maxLength };

    internal override JsonNode? DefaultToJson(string value) => value;
}

/// <summary>Text that must follow a rule: names, host names, URL paths; the rule's JSON Schema pattern goes to the schema.</summary>
internal sealed class PatternShape(string expectation, Func<string, bool> isValid, string jsonPattern, string code = ErrorCodes.InvalidName) : ScalarShape<string>
{
    public override string Expectation => expectation;

    protected override bool TryParse(YamlScalar scalar, BindContext context, string path, out string value)
    {
        value = scalar.Value;
        if (isValid(value))
        {
            return true;
        }

        context.Error(scalar.Start, code, $"{SourceMap.Display(path)}: '{YamlScalar.Shorten(value)}' is not {expectation}");
        return false;
    }

    internal override JsonObject ToJsonSchema(SchemaBuilder schema) =>
        new() { ["type"] = "string", ["pattern"] = jsonPattern, ["description"] = expectation };

    internal override JsonNode? DefaultToJson(string value) => value;
}

/// <summary>Text with <c>${secret:NAME}</c> / <c>${VAR}</c> references.</summary>
internal sealed class TemplateShape(TemplateKind kind, bool allowEmpty = false) : ScalarShape<Template>
{
    public override string Expectation => kind == TemplateKind.Script ? "a shell script" : "text";

    protected override bool AllowsEmptyText => allowEmpty;

    protected override bool TryParse(YamlScalar scalar, BindContext context, string path, out Template value)
    {
        value = null!;
        if (!allowEmpty && string.IsNullOrWhiteSpace(scalar.Value))
        {
            context.Error(scalar.Start, ErrorCodes.MissingValue, $"{SourceMap.Display(path)} is empty; expected {Expectation}");
            return false;
        }

        var template = Template.Parse(scalar.Value, kind, out var error);
        if (template is null)
        {
            return Fail(scalar, context, path, ErrorCodes.InvalidReference, error);
        }

        // Remember where each reference stands, for the check of undeclared secrets.
        foreach (var reference in template.References)
        {
            context.References.Add(new LocatedReference(reference, path, scalar.PositionOf(reference.Offset)));
        }

        value = template;
        return true;
    }

    internal override JsonObject ToJsonSchema(SchemaBuilder schema) =>
        new() { ["type"] = "string", ["minLength"] = allowEmpty ? 0 : 1 };

    internal override JsonNode? DefaultToJson(Template value) => value.Text;
}

internal sealed class IntegerShape(int min, int max) : ScalarShape<int>
{
    public override string Expectation => min == max
        ? string.Create(CultureInfo.InvariantCulture, $"the number {min}")
        : string.Create(CultureInfo.InvariantCulture, $"a whole number from {min} to {max}");

    protected override bool TryParse(YamlScalar scalar, BindContext context, string path, out int value)
    {
        value = 0;
        if (!RequirePlain(scalar, context, path))
        {
            return false;
        }

        if (!long.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            context.Error(scalar.Start, ErrorCodes.WrongType, $"{SourceMap.Display(path)} must be {Expectation}, not {scalar.Describe()}");
            return false;
        }

        if (number < min || number > max)
        {
            context.Error(scalar.Start, ErrorCodes.OutOfRange, string.Create(CultureInfo.InvariantCulture,
                $"{SourceMap.Display(path)} is {number}; expected {Expectation}"));
            return false;
        }

        value = (int)number;
        return true;
    }

    internal override JsonObject ToJsonSchema(SchemaBuilder schema) =>
        new() { ["type"] = "integer", ["minimum"] = min, ["maximum"] = max };

    internal override JsonNode? DefaultToJson(int value) => value;
}

internal sealed class NumberShape(double min, double max) : ScalarShape<double>
{
    public override string Expectation => string.Create(CultureInfo.InvariantCulture, $"a number from {min} to {max}");

    protected override bool TryParse(YamlScalar scalar, BindContext context, string path, out double value)
    {
        value = 0;
        if (!RequirePlain(scalar, context, path))
        {
            return false;
        }

        if (!double.TryParse(scalar.Value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value) || !double.IsFinite(value))
        {
            context.Error(scalar.Start, ErrorCodes.WrongType, $"{SourceMap.Display(path)} must be {Expectation}, not {scalar.Describe()}");
            return false;
        }

        if (value < min || value > max)
        {
            context.Error(scalar.Start, ErrorCodes.OutOfRange, string.Create(CultureInfo.InvariantCulture,
                $"{SourceMap.Display(path)} is {scalar.Value}; expected {Expectation}"));
            return false;
        }

        return true;
    }

    internal override JsonObject ToJsonSchema(SchemaBuilder schema) =>
        new() { ["type"] = "number", ["minimum"] = min, ["maximum"] = max };
}

internal sealed class BooleanShape : ScalarShape<bool>
{
    public override string Expectation => "true or false";

    protected override bool TryParse(YamlScalar scalar, BindContext context, string path, out bool value)
    {
        value = false;
        if (!RequirePlain(scalar, context, path))
        {
            return false;
        }

        switch (scalar.Value)
        {
            case "true" or "True" or "TRUE":
                value = true;
                return true;
            case "false" or "False" or "FALSE":
                return true;
            default:
                var hint = scalar.Value.ToLowerInvariant() is "yes" or "no" or "on" or "off" or "y" or "n"
                    ? $"; YAML 1.2 reads '{scalar.Value}' as text, write true or false"
                    : "";
                context.Error(scalar.Start, ErrorCodes.WrongType, $"{SourceMap.Display(path)} must be true or false, not {scalar.Describe()}{hint}");
                return false;
        }
    }

    internal override JsonObject ToJsonSchema(SchemaBuilder schema) => new() { ["type"] = "boolean" };

    internal override JsonNode? DefaultToJson(bool value) => value;
}

internal sealed class DurationShape(Duration? min = null, Duration? max = null) : ScalarShape<Duration>
{
    /// <summary>Durations as JSON Schema sees them: units ms, s, m, h, d, w, possibly combined.</summary>
    public const string JsonPattern = @"^(0|([0-9]+(\.[0-9]+)?(ms|s|m|h|d|w))+)$";

    public override string Expectation => Duration.Expectation;

    protected override bool TryParse(YamlScalar scalar, BindContext context, string path, out Duration value)
    {
        if (!Duration.TryParse(scalar.Value, out value, out var error))
        {
            return Fail(scalar, context, path, ErrorCodes.InvalidDuration, error);
        }

        if ((min is { } low && value < low) || (max is { } high && value > high))
        {
            context.Error(scalar.Start, ErrorCodes.OutOfRange, $"{SourceMap.Display(path)} is {value}; expected {Range()}");
            return false;
        }

        return true;
    }

    private string Range() => (min, max) switch
    {
        ({ } low, { } high) => $"a duration from {low} to {high}",
        ({ } low, null) => $"at least {low}",
        (null, { } high) => $"at most {high}",
        _ => Expectation,
    };

    internal override JsonObject ToJsonSchema(SchemaBuilder schema) =>
        new() { ["type"] = "string", ["pattern"] = JsonPattern, ["description"] = Expectation };

    internal override JsonNode? DefaultToJson(Duration value) => value.ToString();
}

internal sealed class PercentageShape(double max = 100, bool allowZero = true) : ScalarShape<Percentage>
{
    public const string JsonPattern = @"^[0-9]+(\.[0-9]+)?%$";

    public override string Expectation => Percentage.Expectation;

    protected override bool TryParse(YamlScalar scalar, BindContext context, string path, out Percentage value)
    {
        if (!Percentage.TryParse(scalar.Value, out value, out var error))
        {
            return Fail(scalar, context, path, ErrorCodes.InvalidPercentage, error);
        }

        if (value.Percent > max || (!allowZero && value.Percent == 0))
        {
            context.Error(scalar.Start, ErrorCodes.OutOfRange, string.Create(CultureInfo.InvariantCulture,
                $"{SourceMap.Display(path)} is {value}; expected {(allowZero ? "0%" : "more than 0%")} to {max}%"));
            return false;
        }

        return true;
    }

    internal override JsonObject ToJsonSchema(SchemaBuilder schema) =>
        new() { ["type"] = "string", ["pattern"] = JsonPattern, ["description"] = Expectation };

    internal override JsonNode? DefaultToJson(Percentage value) => value.ToString();
}

internal sealed class SizeShape : ScalarShape<ByteSize>
{
    public const string JsonPattern = @"^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|k|K|M|G|T)?$";

    public override string Expectation => ByteSize.Expectation;

    protected override bool TryParse(YamlScalar scalar, BindContext context, string path, out ByteSize value) =>
        ByteSize.TryParse(scalar.Value, out value, out var error) || Fail(scalar, context, path, ErrorCodes.InvalidSize, error);

    internal override JsonObject ToJsonSchema(SchemaBuilder schema) => new()
    {
        ["type"] = new JsonArray("string", "integer"),
        ["pattern"] = JsonPattern,
        ["description"] = Expectation,
    };
}

internal sealed class CronShape : ScalarShape<CronExpression>
{
    public override string Expectation => CronExpression.Expectation;

    protected override bool TryParse(YamlScalar scalar, BindContext context, string path, out CronExpression value)
    {
        if (!CronExpression.TryParse(scalar.Value, out value, out var error))
        {
            return Fail(scalar, context, path, ErrorCodes.InvalidCron, error);
        }

        if (value.GetNextOccurrence(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero)) is null)
        {
            context.Error(scalar.Start, ErrorCodes.InvalidCron, $"{SourceMap.Display(path)}: '{scalar.Value}' never fires (no such date)");
            return false;
        }

        return true;
    }

    internal override JsonObject ToJsonSchema(SchemaBuilder schema) =>
        new() { ["type"] = "string", ["minLength"] = 1, ["description"] = Expectation };
}

/// <summary>One of a fixed set of words.</summary>
internal sealed class ChoiceShape<T>(params (string Text, T Value)[] choices) : ScalarShape<T>
{
    public override string Expectation => "one of " + string.Join(", ", choices.Select(c => c.Text));

    protected override bool TryParse(YamlScalar scalar, BindContext context, string path, out T value)
    {
        foreach (var (text, choice) in choices)
        {
            if (text == scalar.Value)
            {
                value = choice;
                return true;
            }
        }

        value = default!;
        var names = choices.Select(c => c.Text).ToArray();
        var suggestion = Suggestions.Closest(scalar.Value, names);
        context.Error(scalar.Start, ErrorCodes.InvalidChoice,
            $"{SourceMap.Display(path)}: '{YamlScalar.Shorten(scalar.Value)}' is not {Expectation}" + (suggestion is null ? "" : $"; did you mean '{suggestion}'?"));
        return false;
    }

    internal override JsonObject ToJsonSchema(SchemaBuilder schema) =>
        new() { ["enum"] = new JsonArray([.. choices.Select(c => (JsonNode?)c.Text)]) };

    internal override JsonNode? DefaultToJson(T value) =>
        choices.Where(c => EqualityComparer<T>.Default.Equals(c.Value, value)).Select(c => (JsonNode?)c.Text).FirstOrDefault();
}

/// <summary>
/// A file path. By default relative to the folder of capstan.yaml and inside it; <c>allowAbsolute</c> also takes
/// absolute paths (but a relative one still may not climb out with <c>..</c>); <c>allowOutside</c> takes anything.
/// </summary>
internal sealed class ProjectPathShape(bool allowOutside = false, bool allowAbsolute = false, string? relativeTo = null) : ScalarShape<string>
{
    public override string Expectation => allowOutside ? "a path" : $"a path relative to {relativeTo ?? "the folder of capstan.yaml"}";

    protected override bool TryParse(YamlScalar scalar, BindContext context, string path, out string value)
    {
        value = scalar.Value.Trim();
        if (value.Length == 0)
        {
            context.Error(scalar.Start, ErrorCodes.MissingValue, $"{SourceMap.Display(path)} is empty; expected {Expectation}");
            return false;
        }

        if (value.Contains('\0', StringComparison.Ordinal))
        {
            context.Error(scalar.Start, ErrorCodes.InvalidFormat, $"{SourceMap.Display(path)} contains a NUL character");
            return false;
        }

        if (allowOutside)
        {
            return true;
        }

        var absolute = value.StartsWith('/');
        if (absolute && allowAbsolute)
        {
            return true;
        }

        var depth = 0;
        var escapes = absolute || value.StartsWith('~');
        foreach (var segment in value.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            depth += segment switch { ".." => -1, "." => 0, _ => 1 };
            escapes |= depth < 0;
        }

        if (escapes)
        {
            context.Error(scalar.Start, ErrorCodes.PathEscapes, $"{SourceMap.Display(path)}: '{value}' leaves {relativeTo ?? "the project folder"}; write {Expectation}");
            return false;
        }

        return true;
    }

    internal override JsonObject ToJsonSchema(SchemaBuilder schema) => new() { ["type"] = "string", ["minLength"] = 1 };

    internal override JsonNode? DefaultToJson(string value) => value;
}
