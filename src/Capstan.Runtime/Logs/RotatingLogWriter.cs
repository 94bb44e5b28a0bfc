using System.Buffers;
using System.Globalization;
using System.Text;

namespace Capstan.Runtime.Logs;

/// <summary>
/// Writes an instance's log lines to <c>logs/current.log</c>, each prefixed with the time and the stream, and rotates by
/// size: when a line would take the file past the limit, <c>current.log</c> becomes <c>1.log</c>, <c>1.log</c> becomes
/// <c>2.log</c> and so on, and the oldest beyond the number of files kept is deleted. The file is closed before it is
/// renamed, so a reader that still has it open knows that nothing more will be added to it. Thread-safe; used by the
/// shim, one writer per instance.
/// </summary>
internal sealed class RotatingLogWriter : IDisposable
{
    public const string CurrentName = "current.log";

    private readonly string _directory;
    private readonly long _maxBytes;
    private readonly int _filesKept;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private FileStream _file;
    private long _size;
    private bool _disposed;

    /// <param name="directory">The instance's <c>logs</c> folder; created when missing.</param>
    /// <param name="maxBytes">The size past which <c>current.log</c> is rotated.</param>
    /// <param name="filesKept">Files kept, <c>current.log</c> included (at least 1).</param>
    public RotatingLogWriter(string directory, long maxBytes, int filesKept, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(filesKept, 1);
        _directory = directory;
        _maxBytes = maxBytes;
        _filesKept = filesKept;
        _time = time;
        Directory.CreateDirectory(directory);
        _file = Open();
        _size = _file.Length;
    }

    public static string RotatedName(int index) => string.Create(CultureInfo.InvariantCulture, $"{index}.log");

    /// <summary>Appends one line (without its line break) of <paramref name="stream"/>, stamped with the time now.</summary>
    public void Append(string stream, ReadOnlySpan<char> text)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var prefix = $"{LogFormat.Timestamp(_time.GetUtcNow())} {stream} ";
            var length = Encoding.UTF8.GetByteCount(prefix) + Encoding.UTF8.GetByteCount(text) + 1;
            if (_size > 0 && _size + length > _maxBytes)
            {
                Rotate();
            }

            var bytes = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                var written = Encoding.UTF8.GetBytes(prefix, bytes);
                written += Encoding.UTF8.GetBytes(text, bytes.AsSpan(written));
                bytes[written++] = (byte)'\n';
                _file.Write(bytes, 0, written);
                _size += written;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(bytes);
            }
        }
    }

    /// <summary>Writes buffered lines to the file, so that readers (and a reader after a crash) see them.</summary>
    public void Flush()
    {
        lock (_lock)
        {
            if (!_disposed)
            {
                _file.Flush();
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (!_disposed)
            {
                _disposed = true;
                _file.Dispose();
            }
        }
    }

    private FileStream Open() => new(
        Path.Combine(_directory, CurrentName),
        new FileStreamOptions
        {
            Mode = FileMode.Append,
            Access = FileAccess.Write,
            Share = FileShare.ReadWrite | FileShare.Delete,
            BufferSize = 64 * 1024,
        });

    private void Rotate()
    {
        _file.Dispose();
        var current = Path.Combine(_directory, CurrentName);
        if (_filesKept == 1)
        {
            File.Delete(current);
        }
        else
        {
            File.Delete(Path.Combine(_directory, RotatedName(_filesKept - 1)));
            for (var i = _filesKept - 2; i >= 1; i--)
            {
                var from = Path.Combine(_directory, RotatedName(i));
                if (File.Exists(from))
                {
                    File.Move(from, Path.Combine(_directory, RotatedName(i + 1)), overwrite: true);
                }
            }

            File.Move(current, Path.Combine(_directory, RotatedName(1)), overwrite: true);
        }

        _file = Open();
        _size = 0;
    }
}
