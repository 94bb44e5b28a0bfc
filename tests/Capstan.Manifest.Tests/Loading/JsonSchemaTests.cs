using Capstan.Testing;
using System.Globalization;
using System.Text.Json.Nodes;
using Capstan.Manifest.Binding;
using NJsonSchema;
using NJsonSchema.Validation;
using YamlDotNet.RepresentationModel;

namespace Capstan.Manifest.Tests.Loading;

/// <summary>The JSON Schema generated from the same description as the loader, checked by an independent validator.</summary>
public sealed class JsonSchemaTests
{
    private static readonly JsonObject Generated = ManifestSchema.JsonSchema();

    [Fact]
    public async Task TheGeneratedSchema_LoadsInNJsonSchema()
    {
        var schema = await LoadSchema();

        schema.Title.ShouldBe("capstan.yaml");
        schema.ActualSchema.ActualProperties.Keys.ShouldBe(
            ["version", "app", "services", "pipeline", "environments", "alerts", "notifications", "routing", "oncall", "backups", "secrets"]);
        schema.ActualSchema.RequiredProperties.ShouldBe(["version", "app"], ignoreOrder: true);
    }

    [Fact]
    public void EveryObjectDefinition_RefusesKeysItDoesNotDeclare()
    {
        var definitions = Generated["$defs"].ShouldBeOfType<JsonObject>();

        definitions.Count.ShouldBeGreaterThan(15);
        foreach (var (name, definition) in definitions)
        {
            if (definition?["type"]?.GetValue<string>() == "object")
            {
                definition["additionalProperties"]?.GetValue<bool>().ShouldBe(false, $"$defs/{name}");
            }
        }

        definitions.Select(d => d.Key).ShouldContain("capstan");
        definitions.Select(d => d.Key).ShouldContain("job");
        definitions.Select(d => d.Key).ShouldContain("service");
    }

    [Fact]
    public void EveryKeyTheLoaderKnows_IsInTheSchema()
    {
        var definitions = Generated["$defs"].ShouldBeOfType<JsonObject>();

        foreach (var (definition, fields) in ManifestSchema.Objects())
        {
            var properties = definitions[definition]?["properties"].ShouldBeOfType<JsonObject>();
            properties.ShouldNotBeNull(definition);
            properties.Select(p => p.Key).ShouldBe(fields.Select(f => f.Key), $"$defs/{definition}");
        }
    }

    [Fact]
    public async Task TheExampleManifest_ValidatesAgainstTheSchema()
    {
        var schema = await LoadSchema();
        var json = YamlToJson(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "examples", "hello", "capstan.yaml")));

        schema.Validate(json).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("minimal", "version: 1\napp: hello\n")]
    [InlineData("strategy word", "version: 1\napp: hello\nenvironments:\n  staging: { strategy: blue-green }\n")]
    [InlineData("strategy mapping", "version: 1\napp: hello\nenvironments:\n  production:\n    strategy: { canary: [10%, 100%], pause: 1m }\n")]
    [InlineData("needs as one name", "version: 1\napp: hello\npipeline:\n  jobs:\n    a: { run: x }\n    b: { run: y, needs: a }\n")]
    [InlineData("plain byte count", "version: 1\napp: hello\nservices:\n  web: { run: x, resources: { memory: 1048576 } }\n")]
    [InlineData("empty secret declaration", "version: 1\napp: hello\nsecrets:\n  ONCALL_WEBHOOK:\n")]
    [InlineData("empty approval", "version: 1\napp: hello\nenvironments:\n  production:\n    approval:\n")]
    [InlineData("freeze windows", "version: 1\napp: hello\nenvironments:\n  production:\n    freeze:\n      - \"Fri 16:00 - Mon 08:00 Europe/Berlin\"\n      - { from: \"2026-12-24 00:00\", to: \"2026-12-27 00:00\", timezone: UTC, reason: holidays }\n      - { from: Sat 10:00, to: Sat 12:00, timezone: }\n")]
    public async Task ManifestsTheLoaderAccepts_ValidateAgainstTheSchema(string name, string yaml)
    {
        ManifestLoader.Parse(yaml).ShouldBeClean();
        var schema = await LoadSchema();

        schema.Validate(YamlToJson(yaml)).ShouldBeEmpty(name);
    }

    /// <summary>An empty value (<c>key:</c>) is valid for the schema exactly when it is valid for the loader.</summary>
    [Theory]
    [InlineData("route:", "services:\n  web:\n    run: x\n    route:\n")]
    [InlineData("health:", "services:\n  web:\n    run: x\n    health:\n")]
    [InlineData("runbook:", "services:\n  web: { run: x }\nalerts:\n  - name: A\n    when: up(web) < 1\n    runbook:\n")]
    [InlineData("pipeline:", "pipeline:\n")]
    [InlineData("cache:", "pipeline:\n  jobs:\n    a:\n      run: x\n      cache:\n")]
    [InlineData("steps:", "pipeline:\n  jobs:\n    a:\n      run: x\n      steps:\n")]
    [InlineData("needs:", "pipeline:\n  jobs:\n    a:\n      run: x\n      needs:\n")]
    [InlineData("canary:", "environments:\n  p:\n    strategy:\n      canary:\n")]
    [InlineData("keep:", "services:\n  web: { run: x }\nbackups:\n  db:\n    sqlite: a.db\n    schedule: \"@hourly\"\n    keep:\n")]
    [InlineData("email:", "notifications:\n  ops:\n    email:\n")]
    [InlineData("secret X:", "secrets:\n  X:\n")]
    [InlineData("job a:", "pipeline:\n  jobs:\n    a:\n")]
    [InlineData("freeze:", "environments:\n  p:\n    freeze:\n")]
    [InlineData("freeze item", "environments:\n  p:\n    freeze:\n      -\n")]
    [InlineData("freeze timezone:", "environments:\n  p:\n    freeze:\n      - { from: Fri 16:00, to: Mon 08:00, timezone: }\n")]
    [InlineData("freeze reason:", "environments:\n  p:\n    freeze:\n      - { from: Fri 16:00, to: Mon 08:00, reason: }\n")]
    [InlineData("freeze to:", "environments:\n  p:\n    freeze:\n      - { from: Fri 16:00, to: }\n")]
    public async Task AnEmptyValue_IsValidForTheSchemaExactlyWhenTheLoaderAcceptsIt(string name, string body)
    {
        var yaml = "version: 1\napp: hello\n" + body;
        var schema = await LoadSchema();

        var loaderAccepts = ManifestLoader.Parse(yaml).IsValid;
        var schemaAccepts = schema.Validate(YamlToJson(yaml)).Count == 0;

        schemaAccepts.ShouldBe(loaderAccepts, $"{name}: the loader {(loaderAccepts ? "accepts" : "refuses")} it\n{Diagnosed.Listing(ManifestLoader.Parse(yaml))}");
    }

    [Theory]
    [InlineData("unknown top-level key", "version: 1\napp: hello\nservces: {}\n", ValidationErrorKind.NoAdditionalPropertiesAllowed)]
    [InlineData("unknown job key", "version: 1\napp: hello\npipeline:\n  jobs:\n    a: { run: x, neds: b }\n", ValidationErrorKind.NoAdditionalPropertiesAllowed)]
    [InlineData("missing app", "version: 1\n", ValidationErrorKind.PropertyRequired)]
    [InlineData("text for a number", "version: 1\napp: hello\nservices:\n  web: { run: x, replicas: two }\n", ValidationErrorKind.IntegerExpected)]
    [InlineData("quoted version", "version: \"1\"\napp: hello\n", ValidationErrorKind.IntegerExpected)]
    [InlineData("list for a mapping", "version: 1\napp: hello\nservices: [web]\n", ValidationErrorKind.ObjectExpected)]
    [InlineData("version 2", "version: 2\napp: hello\n", ValidationErrorKind.NumberTooBig)]
    [InlineData("invalid app name", "version: 1\napp: Hello_App\n", ValidationErrorKind.PatternMismatch)]
    [InlineData("duration without unit", "version: 1\napp: hello\npipeline:\n  jobs:\n    a: { run: x, timeout: 10 }\n", ValidationErrorKind.StringExpected)]
    [InlineData("freeze as one window", "version: 1\napp: hello\nenvironments:\n  p: { freeze: \"Fri 16:00 - Mon 08:00\" }\n", ValidationErrorKind.ArrayExpected)]
    [InlineData("freeze window without to", "version: 1\napp: hello\nenvironments:\n  p: { freeze: [{ from: Fri 16:00 }] }\n", ValidationErrorKind.NotAnyOf)]
    [InlineData("unknown strategy", "version: 1\napp: hello\nenvironments:\n  p: { strategy: bluegreen }\n", ValidationErrorKind.NotAnyOf)]
    public async Task ManifestsWithAShapeError_DoNotValidate(string name, string yaml, ValidationErrorKind kind)
    {
        var schema = await LoadSchema();

        var errors = Flatten(schema.Validate(YamlToJson(yaml))).ToList();

        errors.ShouldNotBeEmpty(name);
        errors.Select(e => e.Kind).ShouldContain(kind, $"{name}: {string.Join("; ", errors.Select(e => $"{e.Kind} at {e.Path}"))}");
    }

    [Fact]
    public void EveryReference_PointsAtADefinition()
    {
        var definitions = Generated["$defs"].ShouldBeOfType<JsonObject>();
        var references = new List<string>();
        Collect(Generated, references);

        references.ShouldNotBeEmpty();
        foreach (var reference in references)
        {
            reference.ShouldStartWith("#/$defs/");
            definitions.ContainsKey(reference["#/$defs/".Length..]).ShouldBeTrue(reference);
        }

        static void Collect(JsonNode? node, List<string> into)
        {
            switch (node)
            {
                case JsonObject o:
                    foreach (var (key, value) in o)
                    {
                        if (key == "$ref")
                        {
                            into.Add(value!.GetValue<string>());
                        }
                        else
                        {
                            Collect(value, into);
                        }
                    }

                    break;
                case JsonArray a:
                    foreach (var item in a)
                    {
                        Collect(item, into);
                    }

                    break;
            }
        }
    }

    /// <summary>
    /// The schema as NJsonSchema reads it. NJsonSchema 10 implements drafts 4 to 7, where definitions live under
    /// "definitions"; draft 2020-12 (which the generated schema declares) names them "$defs", which NJsonSchema 10
    /// loads but cannot resolve ("The schema reference path '#/$defs/service' has not been resolved"). The rename is
    /// the only change.
    /// </summary>
    private static async Task<JsonSchema> LoadSchema()
    {
        var json = Generated.ToJsonString().Replace("\"#/$defs/", "\"#/definitions/", StringComparison.Ordinal);
        var draft7 = JsonNode.Parse(json)!.AsObject();
        draft7["definitions"] = draft7["$defs"]!.DeepClone();
        draft7.Remove("$defs");
        draft7["$schema"] = "http://json-schema.org/draft-07/schema#";
        return await JsonSchema.FromJsonAsync(draft7.ToJsonString(), TestContext.Current.CancellationToken)
            .WaitAsync(Bounded.DefaultTimeout, TestContext.Current.CancellationToken);
    }

    private static IEnumerable<ValidationError> Flatten(IEnumerable<ValidationError> errors)
    {
        foreach (var error in errors)
        {
            yield return error;
            if (error is ChildSchemaValidationError child)
            {
                foreach (var nested in Flatten(child.Errors.SelectMany(e => e.Value)))
                {
                    yield return nested;
                }
            }
        }
    }

    /// <summary>YAML to JSON with YAML 1.2 core schema typing of plain scalars; quoted scalars stay strings.</summary>
    private static string YamlToJson(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return (stream.Documents.Count == 0 ? null : Convert(stream.Documents[0].RootNode))?.ToJsonString() ?? "null";
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode mapping => new JsonObject(mapping.Children.Select(c =>
            KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, Convert(c.Value)))),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(Convert)]),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new NotSupportedException(node.GetType().Name),
    };

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is not YamlDotNet.Core.ScalarStyle.Plain)
        {
            return JsonValue.Create(text);
        }

        if (text is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        if (text is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
        {
            return JsonValue.Create(text.StartsWith('t') || text.StartsWith('T'));
        }

        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
        {
            return JsonValue.Create(number);
        }

        return JsonValue.Create(text);
    }
}
