using System.Collections;
using System.Text;

namespace Capstan.Observability;

/// <summary>
/// The labels of one series, sorted by name, immutable, compared by value. Empty values are dropped, as
/// Prometheus treats a label with an empty value as absent. The metric name is not a label here.
/// </summary>
public sealed class LabelSet : IEquatable<LabelSet>, IReadOnlyList<KeyValuePair<string, string>>
{
    private readonly KeyValuePair<string, string>[] _labels;
    private readonly int _hash;

    private LabelSet(KeyValuePair<string, string>[] sorted)
    {
        _labels = sorted;
        var hash = new HashCode();
        foreach (var (name, value) in sorted)
        {
            hash.Add(name, StringComparer.Ordinal);
            hash.Add(value, StringComparer.Ordinal);
        }

        _hash = hash.ToHashCode();
    }

    public static LabelSet Empty { get; } = new([]);

    public int Count => _labels.Length;

    public KeyValuePair<string, string> this[int index] => _labels[index];

    /// <summary>The value of a label, or null when the set does not have it.</summary>
    public string? this[string name]
    {
        get
        {
            foreach (var label in _labels)
            {
                if (string.Equals(label.Key, name, StringComparison.Ordinal))
                {
                    return label.Value;
                }
            }

            return null;
        }
    }

    public static LabelSet Of(params ReadOnlySpan<(string Name, string Value)> labels)
    {
        var pairs = new List<KeyValuePair<string, string>>(labels.Length);
        foreach (var (name, value) in labels)
        {
            pairs.Add(new(name, value));
        }

        return From(pairs);
    }

    /// <summary>A label set from any pairs; a name given twice keeps its last value.</summary>
    public static LabelSet From(IEnumerable<KeyValuePair<string, string>> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var byName = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in labels)
        {
            ArgumentException.ThrowIfNullOrEmpty(name);
            ArgumentNullException.ThrowIfNull(value);
            if (value.Length == 0)
            {
                byName.Remove(name);
            }
            else
            {
                byName[name] = value;
            }
        }

        return byName.Count == 0 ? Empty : new LabelSet([.. byName]);
    }

    /// <summary>This set with one label added or replaced (removed when <paramref name="value"/> is empty).</summary>
    public LabelSet With(string name, string value) => From(_labels.Where(l => l.Key != name).Append(new(name, value)));

    /// <summary>True when every label of <paramref name="matchers"/> is in this set with the same value.</summary>
    public bool Contains(LabelSet matchers)
    {
        ArgumentNullException.ThrowIfNull(matchers);
        foreach (var (name, value) in matchers._labels)
        {
            if (!string.Equals(this[name], value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    public bool Equals(LabelSet? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other is null || other._hash != _hash || other._labels.Length != _labels.Length)
        {
            return false;
        }

        for (var i = 0; i < _labels.Length; i++)
        {
            if (!string.Equals(_labels[i].Key, other._labels[i].Key, StringComparison.Ordinal)
                || !string.Equals(_labels[i].Value, other._labels[i].Value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as LabelSet);

    public override int GetHashCode() => _hash;

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, string>>)_labels).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The Prometheus form, <c>{a="1",b="x\"y"}</c>, or empty text for no labels.</summary>
    public override string ToString()
    {
        if (_labels.Length == 0)
        {
            return string.Empty;
        }

        var text = new StringBuilder("{");
        for (var i = 0; i < _labels.Length; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            text.Append(_labels[i].Key).Append("=\"");
            AppendEscaped(text, _labels[i].Value);
            text.Append('"');
        }

        return text.Append('}').ToString();
    }

    /// <summary>Escapes a label value the way the Prometheus text format wants: backslash, double quote and newline.</summary>
    public static void AppendEscaped(StringBuilder text, string value)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(value);
        foreach (var c in value)
        {
            _ = c switch
            {
                '\\' => text.Append(@"\\"),
                '"' => text.Append("\\\""),
                '\n' => text.Append(@"\n"),
                _ => text.Append(c),
            };
        }
    }
}
