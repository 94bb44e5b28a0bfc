using System.Text.Json.Nodes;
using Capstan.Manifest.Diagnostics;
using Capstan.Manifest.Yaml;

namespace Capstan.Manifest.Binding;

/// <summary>
/// A mapping with known keys, bound to a record by a build function that asks <see cref="Fields"/> for each key.
/// The same function, run without a document, tells the schema which keys exist: keep it free of conditions.
/// Keys the function never asked for are unknown and reported with a "did you mean".
/// </summary>
internal sealed class ObjectShape<T>(string definition, string description, Func<Fields, T> build) : Shape<T>
{
    private readonly List<string[]> _exactlyOne = [];
    private readonly List<string[]> _atMostOne = [];
    private IReadOnlyList<FieldInfo>? _fields;
    private bool _rejectsEmpty;

    public override string Expectation => "a mapping";

    internal override bool BindsEmptyValue => true;

    internal override bool AcceptsEmptyValue => !_rejectsEmpty && _exactlyOne.Count == 0 && !FieldList.Any(f => f.Required);

    /// <summary>An empty mapping is an error even though no key is required (its build function reports why).</summary>
    public ObjectShape<T> RejectsEmpty()
    {
        _rejectsEmpty = true;
        return this;
    }

    /// <summary>Exactly one of <paramref name="keys"/> must be given.</summary>
    public ObjectShape<T> ExactlyOneOf(params string[] keys)
    {
        _exactlyOne.Add(keys);
        return this;
    }

    /// <summary>At most one of <paramref name="keys"/> may be given.</summary>
    public ObjectShape<T> AtMostOneOf(params string[] keys)
    {
        _atMostOne.Add(keys);
        return this;
    }

    /// <summary>The keys this object accepts, in the order the build function asks for them.</summary>
    public IReadOnlyList<FieldInfo> FieldList => _fields ??= Describe();

    internal override bool TryBind(YamlNode node, BindContext context, string path, out T value)
    {
        YamlMapping? mapping;
        switch (node)
        {
            case YamlMapping m:
                mapping = m;
                break;
            case YamlScalar { IsNull: true }:
                mapping = null; // `key:` with nothing after it reads as an empty mapping
                break;
            default:
                context.Error(node.Start, ErrorCodes.WrongType, $"{SourceMap.Display(path)} must be a mapping of keys to values, not {node.Describe()}");
                value = default!;
                return false;
        }

        var fields = new Fields(mapping, node.Start, context, path);
        value = build(fields);
        CheckAlternatives(fields, node.Start, context, path);
        ReportUnknownKeys(mapping, fields, context, path);
        return true;
    }

    private void CheckAlternatives(Fields fields, SourcePosition at, BindContext context, string path)
    {
        foreach (var keys in _exactlyOne)
        {
            var present = fields.InFileOrder(keys.Where(fields.Has));
            if (present.Length == 0)
            {
                context.Error(at, ErrorCodes.ConflictingKeys, $"{SourceMap.Display(path)} needs one of {Join(keys, "or")}");
            }
            else if (present.Length > 1)
            {
                context.Error(fields.KeyPosition(present[1]), ErrorCodes.ConflictingKeys, $"{SourceMap.Display(path)} has both {Join(present, "and")}; give only one of {Join(keys, "or")}");
            }
        }

        foreach (var keys in _atMostOne)
        {
            var present = fields.InFileOrder(keys.Where(fields.Has));
            if (present.Length > 1)
            {
                context.Error(fields.KeyPosition(present[1]), ErrorCodes.ConflictingKeys, $"{SourceMap.Display(path)} has both {Join(present, "and")}; give at most one of them");
            }
        }
    }

    private void ReportUnknownKeys(YamlMapping? mapping, Fields fields, BindContext context, string path)
    {
        if (mapping is null)
        {
            return;
        }

        string[]? known = null; // described only when a key is unknown: describing runs the build function again
        foreach (var (key, _) in mapping.Entries)
        {
            if (fields.WasAsked(key.Value))
            {
                continue;
            }

            known ??= [.. FieldList.Select(f => f.Key)];
            var suggestion = Suggestions.Closest(key.Value, known);
            var where = path.Length == 0 ? "at the top level" : $"in {SourceMap.Display(path)}";
            context.Error(key.Start, ErrorCodes.UnknownKey, suggestion is not null
                ? $"unknown key '{YamlScalar.Shorten(key.Value)}' {where}; did you mean '{suggestion}'?"
                : known.Length == 0
                    ? $"unknown key '{YamlScalar.Shorten(key.Value)}' {where}, which takes no settings"
                    : $"unknown key '{YamlScalar.Shorten(key.Value)}' {where}; expected one of: {string.Join(", ", known)}");
        }
    }

    internal override JsonObject ToJsonSchema(SchemaBuilder schema) => schema.Reference(definition, () =>
    {
        var properties = new JsonObject();
        var required = new JsonArray();
        foreach (var field in FieldList)
        {
            // `key:` with nothing after it is allowed where the loader allows it: an optional key reads it as absent
            // (or, for mappings and lists, as empty).
            var property = field.Required || !field.AcceptsEmpty() ? field.Schema(schema) : OrNull(field.Schema(schema));
            property["description"] = field.Description;
            if (field.Default is not null)
            {
                property["default"] = field.Default.DeepClone();
            }

            properties[field.Key] = property;
            if (field.Required)
            {
                required.Add((JsonNode)field.Key);
            }
        }

        var result = new JsonObject
        {
            ["type"] = "object",
            ["description"] = description,
            ["properties"] = properties,
            ["additionalProperties"] = false,
        };
        if (required.Count > 0)
        {
            result["required"] = required;
        }

        // "Given" as the loader sees it (Fields.Has): written, and not empty unless an empty value means an empty mapping.
        JsonObject Given(string key)
        {
            var given = new JsonObject { ["required"] = new JsonArray(key) };
            if (FieldList.FirstOrDefault(f => f.Key == key) is { } field && !field.BindsEmpty())
            {
                given["properties"] = new JsonObject { [key] = new JsonObject { ["not"] = new JsonObject { ["type"] = "null" } } };
            }

            return given;
        }

        var rules = new JsonArray();
        foreach (var keys in _exactlyOne)
        {
            rules.Add((JsonNode)new JsonObject { ["oneOf"] = new JsonArray([.. keys.Select(k => (JsonNode)Given(k))]) });
        }

        foreach (var keys in _atMostOne)
        {
            rules.Add((JsonNode)new JsonObject { ["not"] = new JsonObject { ["allOf"] = new JsonArray([.. keys.Select(k => (JsonNode)Given(k))]) } });
        }

        if (rules.Count > 0)
        {
            result["allOf"] = rules;
        }

        return result;
    });

    internal static JsonObject OrNull(JsonObject schema) =>
        new() { ["anyOf"] = new JsonArray(new JsonObject { ["type"] = "null" }, schema) };

    private List<FieldInfo> Describe()
    {
        var fields = new Fields();
        build(fields);
        return fields.Described;
    }

    /// <summary>'a', 'b' and 'c' (or "or").</summary>
    private static string Join(IReadOnlyList<string> keys, string conjunction) => keys.Count switch
    {
        0 => "",
        1 => $"'{keys[0]}'",
        _ => string.Join(", ", keys.Take(keys.Count - 1).Select(k => $"'{k}'")) + $" {conjunction} '{keys[^1]}'",
    };
}

/// <summary>A key an object accepts, as the schema and the docs see it.</summary>
internal sealed record FieldInfo(string Key, string Description, bool Required, Func<SchemaBuilder, JsonObject> Schema, JsonNode? Default, Func<bool> AcceptsEmpty, Func<bool> BindsEmpty);

/// <summary>
/// The keys of one mapping, asked for by an object's build function. In describe mode (no document) every call
/// records the key and returns its fallback.
/// </summary>
internal sealed class Fields
{
    private readonly YamlMapping? _mapping;
    private readonly SourcePosition _start;
    private readonly BindContext? _context;
    private readonly HashSet<string> _asked = new(StringComparer.Ordinal);
    private readonly HashSet<string> _bindsEmpty = new(StringComparer.Ordinal);

    /// <summary>Describe mode.</summary>
    public Fields()
    {
        Path = "";
    }

    public Fields(YamlMapping? mapping, SourcePosition start, BindContext context, string path)
    {
        _mapping = mapping;
        _start = start;
        _context = context;
        Path = path;
    }

    /// <summary>Where this object stands, as a source map path.</summary>
    public string Path { get; }

    /// <summary>The key this object is the value of (its name in a named map), or "" at the top.</summary>
    public string Name => Path.Length == 0 ? "" : Path[(Path.LastIndexOf('/') + 1)..].Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);

    internal List<FieldInfo> Described { get; } = [];

    public bool IsDescribing => _context is null;

    /// <summary>A required key: reports it missing or empty and returns <paramref name="fallback"/>.</summary>
    public TValue Required<TValue>(string key, Shape<TValue> shape, string description, TValue fallback)
    {
        if (Record(key, shape, description, required: true, default(TValue), hasDefault: false))
        {
            return fallback;
        }

        var entry = Find(key);
        if (entry is null || entry.Value is YamlScalar { IsNull: true })
        {
            var at = entry?.Key.Start ?? _start;
            var where = Path.Length == 0 ? "at the top level" : $"in {SourceMap.Display(Path)}";
            _context!.Error(at, ErrorCodes.MissingValue, entry is null
                ? $"missing key '{key}' {where}; expected {shape.Expectation}"
                : $"'{key}' {where} is empty; expected {shape.Expectation}");
            return fallback;
        }

        return Bind(entry, key, shape, fallback);
    }

    /// <summary>An optional key: absent or empty gives <paramref name="default"/>.</summary>
    public TValue Optional<TValue>(string key, Shape<TValue> shape, string description, TValue @default)
    {
        if (Record(key, shape, description, required: false, @default, hasDefault: true))
        {
            return @default;
        }

        var entry = Find(key);
        return entry is null || (IsEmpty(entry) && !shape.BindsEmptyValue) ? @default : Bind(entry, key, shape, @default);
    }

    /// <summary>An optional key without a default: absent or empty gives null.</summary>
    public TValue? OptionalOrNull<TValue>(string key, Shape<TValue> shape, string description)
        where TValue : class
    {
        if (Record(key, shape, description, required: false, default(TValue), hasDefault: false))
        {
            return null;
        }

        var entry = Find(key);
        return entry is null || (IsEmpty(entry) && !shape.BindsEmptyValue) ? null : Bind<TValue?>(entry, key, shape!, null);
    }

    /// <summary>An optional value-typed key without a default: absent or empty gives null.</summary>
    public TValue? OptionalValue<TValue>(string key, Shape<TValue> shape, string description)
        where TValue : struct
    {
        if (Record(key, shape, description, required: false, default(TValue), hasDefault: false))
        {
            return null;
        }

        var entry = Find(key);
        if (entry is null || entry.Value is YamlScalar { IsNull: true })
        {
            return null;
        }

        var path = SourceMap.Child(Path, key);
        return shape.TryBind(entry.Value, _context!, path, out var value) ? value : null;
    }

    /// <summary>True when the key is written with a non-empty value.</summary>
    public bool Has(string key) => Find(key) is { } entry && (!IsEmpty(entry) || _bindsEmpty.Contains(key));

    /// <summary>True when the key is written at all, even with an empty value.</summary>
    public bool IsWritten(string key) => Find(key) is not null;

    public SourcePosition KeyPosition(string key) => Find(key)?.Key.Start ?? _start;

    /// <summary>The given keys in the order they are written, so that "has both" names the second one written.</summary>
    public string[] InFileOrder(IEnumerable<string> keys) =>
        [.. keys.OrderBy(k => KeyPosition(k).Line).ThenBy(k => KeyPosition(k).Column)];

    /// <summary>Reports a problem at <paramref name="key"/> (or at the object when absent). Does nothing in describe mode.</summary>
    public void Error(string key, string code, string message)
    {
        _context?.Error(KeyPosition(key), code, message);
    }

    /// <summary>Reports a problem at the value of <paramref name="key"/> (at its first character). Does nothing in describe mode.</summary>
    public void ErrorAtValue(string key, string code, string message)
    {
        var at = Find(key)?.Value switch
        {
            YamlScalar scalar => scalar.PositionOf(0),
            { } value => value.Start,
            null => _start,
        };
        _context?.Error(at, code, message);
    }

    internal bool WasAsked(string key) => _asked.Contains(key);

    private static bool IsEmpty(YamlEntry entry) => entry.Value is YamlScalar { IsNull: true };

    private YamlEntry? Find(string key)
    {
        _asked.Add(key);
        return _mapping?.Find(key);
    }

    private TValue Bind<TValue>(YamlEntry entry, string key, Shape<TValue> shape, TValue fallback)
    {
        var path = SourceMap.Child(Path, key);
        return shape.TryBind(entry.Value, _context!, path, out var value) ? value : fallback;
    }

    /// <returns>True in describe mode, after recording the field.</returns>
    private bool Record<TValue>(string key, Shape<TValue> shape, string description, bool required, TValue? @default, bool hasDefault)
    {
        if (!IsDescribing)
        {
            if (shape.BindsEmptyValue)
            {
                _bindsEmpty.Add(key);
            }

            return false;
        }

        Described.Add(new FieldInfo(key, description, required, shape.ToJsonSchema, hasDefault && @default is not null ? shape.DefaultToJson(@default) : null, () => shape.AcceptsEmptyValue, () => shape.BindsEmptyValue));
        return true;
    }
}
