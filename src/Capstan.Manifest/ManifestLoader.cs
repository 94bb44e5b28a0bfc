using System.Globalization;
using Capstan.Manifest.Binding;
using Capstan.Manifest.Diagnostics;
using Capstan.Manifest.Model;
using Capstan.Manifest.Validation;
using Capstan.Manifest.Yaml;

namespace Capstan.Manifest;

/// <summary>The outcome of loading a capstan.yaml: the manifest when it is valid, and every diagnostic either way.</summary>
public sealed record ManifestLoadResult
{
    /// <summary>The manifest; null when any error was found.</summary>
    public CapstanManifest? Manifest { get; init; }

    /// <summary>Errors and warnings, in file order.</summary>
    public required IReadOnlyList<Diagnostic> Diagnostics { get; init; }

    /// <summary>The file's full path (empty for text parsed from memory).</summary>
    public required string FullPath { get; init; }

    /// <summary>The decoded text, for showing source lines; null when the file could not be read as text.</summary>
    public SourceText? Source { get; init; }

    /// <summary>Where each part of the manifest was written.</summary>
    public required SourceMap Map { get; init; }

    public bool IsValid => Manifest is not null;

    public IEnumerable<Diagnostic> Errors => Diagnostics.Where(d => d.IsError);

    public IEnumerable<Diagnostic> Warnings => Diagnostics.Where(d => !d.IsError);
}

/// <summary>Reads capstan.yaml files: every problem reported at once, each located and coded.</summary>
public static class ManifestLoader
{
    public const string FileName = "capstan.yaml";

    /// <summary>The largest file accepted.</summary>
    public const int MaxBytes = TextChecks.MaxBytes;

    /// <summary>
    /// Loads <paramref name="path"/>: a capstan.yaml file, or a folder holding one. Diagnostics name the file as
    /// <paramref name="displayPath"/> (default: the path relative to the current folder).
    /// </summary>
    public static ManifestLoadResult Load(string path, string? displayPath = null)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            full = Path.Combine(full, FileName);
        }

        var display = displayPath ?? DisplayPath(full);
        var bag = new DiagnosticBag(display);
        byte[]? bytes = null;
        try
        {
            bytes = ReadLimited(full, display, bag);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            bag.Error(SourcePosition.Start, ErrorCodes.FileNotReadable, $"cannot read {display}: {ex.Message}");
        }

        if (bytes is null)
        {
            return new ManifestLoadResult { Diagnostics = bag.ToSortedList(), FullPath = full, Map = new SourceMap(display) };
        }

        return Parse(bytes, display, Path.GetDirectoryName(full), full);
    }

    /// <summary>Parses the bytes of a capstan.yaml. <paramref name="baseDirectory"/>, when given, is where relative files (runbooks) are looked for.</summary>
    public static ManifestLoadResult Parse(ReadOnlySpan<byte> bytes, string displayPath = FileName, string? baseDirectory = null, string fullPath = "")
    {
        var bag = new DiagnosticBag(displayPath);
        var root = YamlReader.Read(bytes, bag, out var source);
        var map = new SourceMap(displayPath, root);
        // Bind whatever could be read, even after recoverable errors, so that every error is reported at once;
        // a missing tree after errors means the file could not be read at all.
        var manifest = source is null || (root is null && bag.HasErrors) ? null : Bind(root, bag, map, baseDirectory);
        return new ManifestLoadResult
        {
            Manifest = bag.HasErrors ? null : manifest,
            Diagnostics = bag.ToSortedList(),
            FullPath = fullPath,
            Source = source,
            Map = map,
        };
    }

    /// <summary>Parses capstan.yaml text (tests, editors).</summary>
    public static ManifestLoadResult Parse(string text, string displayPath = FileName, string? baseDirectory = null) =>
        Parse(System.Text.Encoding.UTF8.GetBytes(text), displayPath, baseDirectory);

    private static CapstanManifest? Bind(YamlNode? root, DiagnosticBag bag, SourceMap map, string? baseDirectory)
    {
        if (root is null or YamlScalar { IsNull: true })
        {
            bag.Error(SourcePosition.Start, ErrorCodes.MissingValue,
                "the file is empty; it starts with 'version: 1' and 'app: NAME' (capstan init writes a starter file)");
            return null;
        }

        if (root is not YamlMapping mapping)
        {
            bag.Error(root.Start, ErrorCodes.WrongType,
                $"capstan.yaml must be a mapping of keys (version, app, services, ...), not {root.Describe()}");
            return null;
        }

        if (!IsSupportedVersion(mapping, bag))
        {
            return null;
        }

        var context = new BindContext(bag, map);
        ManifestSchema.Document.TryBind(mapping, context, "", out var manifest);
        ManifestValidator.Validate(manifest, map, context.References, bag, baseDirectory);
        return manifest;
    }

    /// <summary>A version this build does not read makes every other key meaningless: report it alone.</summary>
    private static bool IsSupportedVersion(YamlMapping root, DiagnosticBag bag)
    {
        if (root.Find("version")?.Value is YamlScalar { Style: YamlScalarStyle.Plain } version
            && long.TryParse(version.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
            && number != CapstanManifest.CurrentVersion)
        {
            var upgrade = number > CapstanManifest.CurrentVersion ? " (upgrade Capstan to read newer manifests)" : "";
            bag.Error(version.Start, ErrorCodes.UnsupportedVersion, string.Create(CultureInfo.InvariantCulture,
                $"version {number} is not supported; this Capstan reads version {CapstanManifest.CurrentVersion}{upgrade}"));
            return false;
        }

        return true;
    }

    private static byte[]? ReadLimited(string path, string display, DiagnosticBag bag)
    {
        if (!File.Exists(path))
        {
            var folder = Path.GetDirectoryName(path) ?? ".";
            var displayFolder = Path.GetDirectoryName(display) is { Length: > 0 } d ? d : ".";
            var yml = Path.Combine(folder, "capstan.yml");
            bag.Error(SourcePosition.Start, ErrorCodes.FileNotReadable,
                Path.GetFileName(path) == FileName && File.Exists(yml)
                    ? $"found capstan.yml in {displayFolder}; Capstan reads capstan.yaml: rename it"
                    : Directory.Exists(folder)
                        ? $"no {Path.GetFileName(path)} in {displayFolder}; run 'capstan init' there to write one"
                        : $"{display} does not exist");
            return null;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
        if (stream.Length > MaxBytes)
        {
            bag.Error(SourcePosition.Start, ErrorCodes.FileTooLarge, string.Create(CultureInfo.InvariantCulture,
                $"the file is {stream.Length:N0} bytes; capstan.yaml may be at most 1 MiB ({MaxBytes:N0} bytes)"));
            return null;
        }

        // Read at most one byte past the limit, in case the file grows while it is read.
        var buffer = new byte[Math.Min(stream.Length, MaxBytes) + 1];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = stream.Read(buffer, total, buffer.Length - total)) > 0)
        {
            total += read;
        }

        return buffer[..total];
    }

    private static string DisplayPath(string full)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, full);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? full : relative;
    }
}
