using System.Globalization;
using System.Text.RegularExpressions;

namespace Capstan.IntegrationTests.ExampleApp;

/// <summary>
/// A strict reader of the Prometheus text exposition format (version 0.0.4), enough to check what Hello writes:
/// every line is a HELP, a TYPE or a sample of a declared family, and nothing else.
/// </summary>
public sealed partial class PrometheusText
{
    private PrometheusText(IReadOnlyDictionary<string, string> types, IReadOnlyList<(string Series, double Value)> samples)
    {
        Types = types;
        Samples = samples;
    }

    /// <summary>Family name to its TYPE.</summary>
    public IReadOnlyDictionary<string, string> Types { get; }

    /// <summary>Samples in order, each as written: <c>name{labels}</c> and its value.</summary>
    public IReadOnlyList<(string Series, double Value)> Samples { get; }

    public double this[string series] =>
        Samples.Where(s => s.Series == series).Select(s => (double?)s.Value).SingleOrDefault()
        ?? throw new KeyNotFoundException($"No sample {series}.");

    /// <summary>Reads the text, or throws naming the first line that breaks the format.</summary>
    public static PrometheusText Parse(string text)
    {
        if (!text.EndsWith('\n'))
        {
            throw new FormatException("The exposition does not end with a line feed.");
        }

        var types = new Dictionary<string, string>();
        var helped = new HashSet<string>();
        var samples = new List<(string, double)>();
        foreach (var line in text[..^1].Split('\n'))
        {
            if (HelpLine().Match(line) is { Success: true } help)
            {
                if (!helped.Add(help.Groups["name"].Value))
                {
                    throw new FormatException($"Second HELP for one family: '{line}'.");
                }
            }
            else if (TypeLine().Match(line) is { Success: true } type)
            {
                if (!types.TryAdd(type.Groups["name"].Value, type.Groups["type"].Value))
                {
                    throw new FormatException($"Second TYPE for one family: '{line}'.");
                }
            }
            else if (SampleLine().Match(line) is { Success: true } sample)
            {
                var name = sample.Groups["name"].Value;
                if (!types.ContainsKey(FamilyOf(name, types)))
                {
                    throw new FormatException($"Sample before its family's TYPE line: '{line}'.");
                }

                var value = sample.Groups["value"].Value switch
                {
                    "+Inf" => double.PositiveInfinity,
                    "-Inf" => double.NegativeInfinity,
                    var number => double.Parse(number, NumberStyles.Float, CultureInfo.InvariantCulture),
                };
                samples.Add((name + sample.Groups["labels"].Value, value));
            }
            else
            {
                throw new FormatException($"Not a HELP, TYPE or sample line: '{line}'.");
            }
        }

        return new PrometheusText(types, samples);
    }

    private static string FamilyOf(string sampleName, Dictionary<string, string> types)
    {
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (sampleName.EndsWith(suffix, StringComparison.Ordinal)
                && types.GetValueOrDefault(sampleName[..^suffix.Length]) is "histogram" or "summary")
            {
                return sampleName[..^suffix.Length];
            }
        }

        return sampleName;
    }

    [GeneratedRegex(@"^# HELP (?<name>[a-zA-Z_:][a-zA-Z0-9_:]*) \S.*$")]
    private static partial Regex HelpLine();

    [GeneratedRegex(@"^# TYPE (?<name>[a-zA-Z_:][a-zA-Z0-9_:]*) (?<type>counter|gauge|histogram|summary|untyped)$")]
    private static partial Regex TypeLine();

    [GeneratedRegex(
        @"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?<labels>\{[a-zA-Z_][a-zA-Z0-9_]*=""[^""\\\n]*""(,[a-zA-Z_][a-zA-Z0-9_]*=""[^""\\\n]*"")*\})? (?<value>[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?|NaN|[+-]Inf)$")]
    private static partial Regex SampleLine();
}
