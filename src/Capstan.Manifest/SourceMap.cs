using Capstan.Manifest.Diagnostics;

namespace Capstan.Manifest;

/// <summary>
/// Where each part of a loaded manifest was written, by path (<c>/pipeline/jobs/build/needs/0</c>), so that
/// checks made after loading (and later capabilities) can point at the exact line and column.
/// </summary>
public sealed class SourceMap
{
    private readonly Dictionary<string, SourcePosition> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SourcePosition> _keys = new(StringComparer.Ordinal);

    public SourceMap(string file) => File = file;

    public string File { get; }

    internal void RecordValue(string path, SourcePosition at) => _values.TryAdd(path, at);

    internal void RecordKey(string path, SourcePosition at) => _keys.TryAdd(path, at);

    private readonly Dictionary<string, int[]> _listIndices = new(StringComparer.Ordinal);

    /// <summary>Records which source item each bound item of a list came from (items that failed to bind are left out).</summary>
    internal void RecordListIndices(string path, int[] sourceIndices) => _listIndices[path] = sourceIndices;

    /// <summary>Where the <paramref name="index"/>-th item of the bound list at <paramref name="path"/> was written.</summary>
    public SourcePosition Item(string path, int index) =>
        Value(Child(path, _listIndices.TryGetValue(path, out var map) && index < map.Length ? map[index] : index));

    /// <summary>Where the value at <paramref name="path"/> starts; falls back to the nearest recorded parent, then 1:1.</summary>
    public SourcePosition Value(string path)
    {
        for (var p = path; ; p = Parent(p))
        {
            if (_values.TryGetValue(p, out var at))
            {
                return at;
            }

            if (p.Length == 0)
            {
                return SourcePosition.Start;
            }
        }
    }

    /// <summary>Where the key of the entry at <paramref name="path"/> stands (for list items: the item); falls back like <see cref="Value"/>.</summary>
    public SourcePosition Key(string path) => _keys.TryGetValue(path, out var at) ? at : Value(path);

    /// <summary>Joins path segments, escaping '~' and '/' as JSON Pointer does.</summary>
    public static string Path(params ReadOnlySpan<object> segments)
    {
        var parts = new string[segments.Length];
        for (var i = 0; i < segments.Length; i++)
        {
            parts[i] = Escape(Convert.ToString(segments[i], System.Globalization.CultureInfo.InvariantCulture) ?? "");
        }

        return "/" + string.Join('/', parts);
    }

    internal static string Child(string path, string key) => path + "/" + Escape(key);

    internal static string Child(string path, int index) => path + "/" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A path for messages: <c>pipeline.jobs.build</c>.</summary>
    public static string Display(string path)
    {
        if (path.Length <= 1)
        {
            return "the top level";
        }

        var builder = new System.Text.StringBuilder();
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

            builder.Append(segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal));
        }

        return builder.ToString();
    }

    private static string Escape(string segment) =>
        segment.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static string Parent(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash <= 0 ? "" : path[..slash];
    }
}
