using System.Globalization;
using System.Text;
using Capstan.Manifest.Diagnostics;
using Capstan.Manifest.Yaml;

namespace Capstan.Manifest;

/// <summary>
/// Where each part of a loaded manifest was written, by path (<c>/pipeline/jobs/build/needs/0</c>), so that
/// checks made after loading (and later capabilities) can point at the exact line and column. Paths are resolved
/// by walking the located YAML tree when asked, so loading stores nothing per node.
/// </summary>
public sealed class SourceMap
{
    private readonly YamlNode? _root;

    // Positions that are not nodes of their own (the arguments inside an alert condition), and, for lists where
    // some items failed to bind, which source item each bound item came from. Both stay small.
    private readonly Dictionary<string, SourcePosition> _inside = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int[]> _listIndices = new(StringComparer.Ordinal);

    public SourceMap(string file, YamlNode? root = null)
    {
        File = file;
        _root = root;
    }

    public string File { get; }

    /// <summary>Records a position inside a scalar, under a path below the scalar's own.</summary>
    internal void RecordInside(string path, SourcePosition at) => _inside[path] = at;

    /// <summary>Records which source item each bound item of a list came from, when some items failed to bind.</summary>
    internal void RecordListIndices(string path, int[] sourceIndices) => _listIndices[path] = sourceIndices;

    /// <summary>Where the value at <paramref name="path"/> starts; falls back to the nearest written parent, then 1:1.</summary>
    public SourcePosition Value(string path) =>
        _inside.TryGetValue(path, out var inside) ? inside : Resolve(path).Node?.Start ?? SourcePosition.Start;

    /// <summary>Where the key of the entry at <paramref name="path"/> stands (for list items: the item); falls back like <see cref="Value"/>.</summary>
    public SourcePosition Key(string path)
    {
        var (node, key, complete) = Resolve(path);
        return complete && key is not null ? key.Start : node?.Start ?? SourcePosition.Start;
    }

    /// <summary>Where the <paramref name="index"/>-th item of the bound list at <paramref name="path"/> was written.</summary>
    public SourcePosition Item(string path, int index) =>
        Value(Child(path, _listIndices.TryGetValue(path, out var map) && index < map.Length ? map[index] : index));

    /// <summary>The deepest node on the path, the key it was found under, and whether the whole path was found.</summary>
    private (YamlNode? Node, YamlScalar? Key, bool Complete) Resolve(string path)
    {
        var node = _root;
        YamlScalar? key = null;
        foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            YamlNode? next = null;
            YamlScalar? nextKey = null;
            switch (node)
            {
                case YamlMapping mapping when mapping.Find(Unescape(segment)) is { } entry:
                    (next, nextKey) = (entry.Value, entry.Key);
                    break;
                case YamlSequence sequence when int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < sequence.Items.Count:
                    next = sequence.Items[i];
                    break;
            }

            if (next is null)
            {
                return (node, key, false);
            }

            (node, key) = (next, nextKey);
        }

        return (node, key, true);
    }

    /// <summary>Joins path segments, escaping '~' and '/' as JSON Pointer does.</summary>
    public static string Path(params ReadOnlySpan<object> segments)
    {
        var parts = new string[segments.Length];
        for (var i = 0; i < segments.Length; i++)
        {
            parts[i] = Escape(Convert.ToString(segments[i], CultureInfo.InvariantCulture) ?? "");
        }

        return "/" + string.Join('/', parts);
    }

    internal static string Child(string path, string key) => path + "/" + Escape(key);

    internal static string Child(string path, int index) => path + "/" + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>A path for messages: <c>pipeline.jobs.build</c>, <c>alerts[0].when</c>.</summary>
    public static string Display(string path)
    {
        if (path.Length <= 1)
        {
            return "the top level";
        }

        var builder = new StringBuilder();
        foreach (var segment in path[1..].Split('/'))
        {
            if (segment.Length > 0 && segment.All(char.IsAsciiDigit))
            {
                builder.Append('[').Append(segment).Append(']');
                continue;
            }

            if (builder.Length > 0)
            {
                builder.Append('.');
            }

            builder.Append(Unescape(segment));
        }

        return builder.ToString();
    }

    private static string Escape(string segment) =>
        segment.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static string Unescape(string segment) =>
        segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
}
