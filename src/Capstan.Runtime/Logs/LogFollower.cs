using System.Globalization;
using System.Text;

namespace Capstan.Runtime.Logs;

/// <summary>
/// Reads one instance's log: first what is written (rotated files oldest first, then <c>current.log</c>), then, on each
/// <see cref="Poll"/>, the lines added since. <c>current.log</c> stays open between polls; when the shim rotates it, the
/// open file is now <c>1.log</c> (Linux keeps an open file across a rename), so the follower reads it to its end and
/// moves on to the new <c>current.log</c>. Whether the open file is still <c>current.log</c> is asked of
/// <c>/proc/self/fd</c>, which names the path an open file has now.
/// </summary>
internal sealed class LogFollower : IDisposable
{
    private readonly string _instanceDirectory;
    private readonly string _logs;
    private readonly string? _instanceId;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly MemoryStream _pending = new();
    private FileStream? _current;
    private string? _openedAs;

    public LogFollower(string instanceDirectory, string? instanceId)
    {
        _instanceDirectory = Path.GetFullPath(instanceDirectory);
        _logs = Path.Combine(_instanceDirectory, "logs");
        _instanceId = instanceId;
    }

    /// <summary>True when the instance's folder is gone (the instance was stopped and removed).</summary>
    public bool IsGone => !Directory.Exists(_instanceDirectory);

    /// <summary>Every line written so far; afterwards <see cref="Poll"/> returns the lines added since.</summary>
    public IEnumerable<LogEntry> Backlog()
    {
        foreach (var file in RotatedFiles())
        {
            using var reader = OpenReader(file);
            if (reader is null)
            {
                continue; // rotated away meanwhile
            }

            while (reader.ReadLine() is { } line)
            {
                if (LogFormat.TryParse(line, _instanceId, out var entry))
                {
                    yield return entry;
                }
            }
        }

        OpenCurrent();
        foreach (var entry in ReadAvailable())
        {
            yield return entry;
        }
    }

    /// <summary>The complete lines added since the last call (or since <see cref="Backlog"/>).</summary>
    public List<LogEntry> Poll()
    {
        var entries = new List<LogEntry>();
        if (_current is null)
        {
            OpenCurrent();
            if (_current is null)
            {
                return entries;
            }
        }

        // Asked before reading: once renamed, the file gets nothing more, so reading it to its end then misses nothing.
        var rotated = !IsStillCurrent();
        entries.AddRange(ReadAvailable());
        if (rotated)
        {
            CloseCurrent();
            OpenCurrent();
            entries.AddRange(ReadAvailable());
        }

        return entries;
    }

    public void Dispose() => CloseCurrent();

    private IEnumerable<string> RotatedFiles()
    {
        if (!Directory.Exists(_logs))
        {
            return [];
        }

        return Directory.EnumerateFiles(_logs, "*.log")
            .Select(path => (Path: path, Index: int.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : 0))
            .Where(f => f.Index > 0)
            .OrderByDescending(f => f.Index)
            .Select(f => f.Path)
            .ToList();
    }

    private static StreamReader? OpenReader(string path)
    {
        try
        {
            return new StreamReader(
                new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete),
                Encoding.UTF8);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private void OpenCurrent()
    {
        try
        {
            _current = new FileStream(
                Path.Combine(_logs, RotatingLogWriter.CurrentName), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            _openedAs = PathOfOpenFile(_current);
            _pending.SetLength(0);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            _current = null;
        }
    }

    private void CloseCurrent()
    {
        _current?.Dispose();
        _current = null;
    }

    private bool IsStillCurrent() => _current is null || PathOfOpenFile(_current) == _openedAs;

    private static string? PathOfOpenFile(FileStream file)
    {
        var descriptor = file.SafeFileHandle.DangerousGetHandle().ToInt64();
        try
        {
            return File.ResolveLinkTarget(string.Create(CultureInfo.InvariantCulture, $"/proc/self/fd/{descriptor}"), returnFinalTarget: false)?.FullName;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private List<LogEntry> ReadAvailable()
    {
        var entries = new List<LogEntry>();
        if (_current is null)
        {
            return entries;
        }

        int read;
        while ((read = _current.Read(_buffer, 0, _buffer.Length)) > 0)
        {
            var chunk = _buffer.AsSpan(0, read);
            int newline;
            while ((newline = chunk.IndexOf((byte)'\n')) >= 0)
            {
                string line;
                if (_pending.Length > 0)
                {
                    _pending.Write(chunk[..newline]);
                    line = Encoding.UTF8.GetString(_pending.GetBuffer(), 0, (int)_pending.Length);
                    _pending.SetLength(0);
                }
                else
                {
                    line = Encoding.UTF8.GetString(chunk[..newline]);
                }

                if (LogFormat.TryParse(line, _instanceId, out var entry))
                {
                    entries.Add(entry);
                }

                chunk = chunk[(newline + 1)..];
            }

            _pending.Write(chunk); // an unfinished line: the rest comes with a later read
        }

        return entries;
    }
}
