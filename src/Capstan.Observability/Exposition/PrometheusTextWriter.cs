using System.Globalization;
using System.Text;

namespace Capstan.Observability.Exposition;

/// <summary>
/// Writes metric families in the Prometheus text exposition format 0.0.4, what <see cref="PrometheusTextParser"/>
/// reads back to the same families: <c># HELP</c> (backslash and newline escaped) and <c># TYPE</c> lines, then one line
/// per sample with its labels escaped as <see cref="LabelSet"/> does, its value (<c>12</c>, <c>0.25</c>, <c>1e-07</c>,
/// <c>NaN</c>, <c>+Inf</c>, <c>-Inf</c>, invariant culture, shortest form that reads back to the same double) and its
/// timestamp in milliseconds when it has one. Lines end with LF.
/// </summary>
/// <remarks>An invalid metric or label name is a bug of the caller and throws <see cref="ArgumentException"/>.</remarks>
public sealed class PrometheusTextWriter
{
    /// <summary>The HTTP content type of the format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly TextWriter _writer;
    private readonly StringBuilder _line = new();

    public PrometheusTextWriter(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _writer = writer;
    }

    /// <summary>The families as one text.</summary>
    public static string Write(IEnumerable<MetricFamily> families)
    {
        var text = new StringBuilder();
        Write(text, families);
        return text.ToString();
    }

    /// <summary>Appends the families to <paramref name="text"/>.</summary>
    public static void Write(StringBuilder text, IEnumerable<MetricFamily> families)
    {
        ArgumentNullException.ThrowIfNull(text);
        using var writer = new StringWriter(text, CultureInfo.InvariantCulture);
        new PrometheusTextWriter(writer).WriteFamilies(families);
    }

    /// <summary>A value as the format writes it: <c>12</c>, <c>0.5</c>, <c>1e+21</c>, <c>NaN</c>, <c>+Inf</c>, <c>-Inf</c>.</summary>
    public static string FormatValue(double value) => ExpositionNumbers.FormatValue(value);

    public void WriteFamilies(IEnumerable<MetricFamily> families)
    {
        ArgumentNullException.ThrowIfNull(families);
        foreach (var family in families)
        {
            WriteFamily(family);
        }
    }

    /// <summary>The family's HELP line (when it has help text), its TYPE line and its samples.</summary>
    public void WriteFamily(MetricFamily family)
    {
        ArgumentNullException.ThrowIfNull(family);
        if (family.Help is not null)
        {
            WriteHelp(family.Name, family.Help);
        }

        WriteType(family.Name, family.Type);
        foreach (var sample in family.Samples)
        {
            WriteSample(sample.Name, sample.Labels, sample.Value, sample.TimestampMs);
        }
    }

    /// <summary><c># HELP name text</c>, with backslashes and newlines of the text escaped.</summary>
    public void WriteHelp(string name, string help)
    {
        CheckMetricName(name);
        ArgumentNullException.ThrowIfNull(help);
        _line.Clear().Append("# HELP ").Append(name);
        if (help.Length > 0)
        {
            _line.Append(' ');
            foreach (var c in help)
            {
                _ = c switch
                {
                    '\\' => _line.Append(@"\\"),
                    '\n' => _line.Append(@"\n"),
                    _ => _line.Append(c),
                };
            }
        }

        Flush();
    }

    /// <summary><c># TYPE name counter|gauge|histogram|summary|untyped</c>.</summary>
    public void WriteType(string name, MetricType type)
    {
        CheckMetricName(name);
        var word = type switch
        {
            MetricType.Counter => "counter",
            MetricType.Gauge => "gauge",
            MetricType.Histogram => "histogram",
            MetricType.Summary => "summary",
            MetricType.Untyped => "untyped",
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a metric type of the text format"),
        };
        _line.Clear().Append("# TYPE ").Append(name).Append(' ').Append(word);
        Flush();
    }

    /// <summary>One sample line: <c>name{labels} value [timestamp]</c>.</summary>
    public void WriteSample(string name, LabelSet labels, double value, long? timestampMs = null)
    {
        CheckMetricName(name);
        ArgumentNullException.ThrowIfNull(labels);
        _line.Clear().Append(name);
        if (labels.Count > 0)
        {
            _line.Append('{');
            for (var i = 0; i < labels.Count; i++)
            {
                var (label, text) = labels[i];
                if (!PrometheusTextParser.IsLabelName(label) || label == "__name__")
                {
                    throw new ArgumentException(
                        $"Label name \"{label}\" of {name} is not valid in the text format: it must be letters, digits and _, not starting with a digit, and not __name__.",
                        nameof(labels));
                }

                if (i > 0)
                {
                    _line.Append(',');
                }

                _line.Append(label).Append("=\"");
                LabelSet.AppendEscaped(_line, text);
                _line.Append('"');
            }

            _line.Append('}');
        }

        _line.Append(' ');
        ExpositionNumbers.AppendValue(_line, value);
        if (timestampMs is { } timestamp)
        {
            _line.Append(' ').Append(CultureInfo.InvariantCulture, $"{timestamp}");
        }

        Flush();
    }

    private static void CheckMetricName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!PrometheusTextParser.IsMetricName(name))
        {
            throw new ArgumentException(
                $"Metric name \"{name}\" is not valid in the text format: it must be letters, digits, _ and :, not starting with a digit.",
                nameof(name));
        }
    }

    private void Flush()
    {
        _line.Append('\n');
        _writer.Write(_line);
    }
}
