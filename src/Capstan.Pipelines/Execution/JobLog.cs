using System.Text;
using Capstan.Secrets.Masking;

namespace Capstan.Pipelines.Execution;

/// <summary>
/// A job's log: a file that every byte of the job's output reaches only through the secret masker, and the last lines
/// kept in memory to show when the job fails. Memory is bounded whatever the job prints: each output stream has its
/// masker's buffer, the file its write buffer, the tail a fixed number of shortened lines.
/// </summary>
/// <remarks>
/// Standard output and standard error are masked separately (a secret split between them is not a secret in either),
/// then written to the file a line at a time, so lines of the two streams interleave but are not torn apart.
/// </remarks>
public sealed class JobLog : IAsyncDisposable
{
    /// <summary>Lines of the tail longer than this are cut, with an ellipsis.</summary>
    public const int MaxTailLineLength = 1_000;

    private readonly SecretMasker _masker;
    private readonly Sink _sink;

    /// <param name="path">The log file, created or appended to (a retried job's attempts share one log).</param>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA2000:Dispose objects before losing scope", Justification = "The sink owns the file writer and disposes it with the log.")]
    public JobLog(string path, SecretMasker masker, int tailLines = 20)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(masker);
        ArgumentOutOfRangeException.ThrowIfNegative(tailLines);
        Path = path;
        _masker = masker;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous);
        _sink = new Sink(new StreamWriter(file, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 64 * 1024), tailLines);
    }

    public string Path { get; }

    /// <summary>The last lines written, oldest first, each at most <see cref="MaxTailLineLength"/> characters.</summary>
    public IReadOnlyList<string> Tail => _sink.Tail;

    /// <summary>Characters written to the file, after masking.</summary>
    public long Length => _sink.Length;

    /// <summary>A writer for one output stream of a process: what passes through is masked, then logged.</summary>
    public TextWriter OpenStream() => _masker.Wrap(_sink, leaveOpen: true);

    /// <summary>Writes one line of Capstan's own (a step's header, a retry notice), masked like the rest.</summary>
    public void WriteLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        _sink.Write(_masker.Mask(line) + "\n");
    }

    public async ValueTask DisposeAsync()
    {
        await _sink.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Serialises writes of several masked streams into the file and keeps the tail.</summary>
    private sealed class Sink(StreamWriter file, int tailLines) : TextWriter
    {
        private readonly Lock _lock = new();

        // The last lines, in a ring of fixed buffers: a job printing millions of short lines must not allocate a
        // string per line (that churn alone grew the process by the GC's whole gen-0 budget, about 50 MB).
        private readonly char[][] _lines = new char[tailLines][];
        private readonly int[] _lengths = new int[tailLines];
        private readonly StringBuilder _partial = new();
        private int _next;
        private int _count;
        private long _length;

        public override Encoding Encoding => file.Encoding;

        public long Length
        {
            get
            {
                lock (_lock)
                {
                    return _length;
                }
            }
        }

        public IReadOnlyList<string> Tail
        {
            get
            {
                lock (_lock)
                {
                    var lines = new List<string>(_count + 1);
                    for (var i = 0; i < _count; i++)
                    {
                        var slot = (_next - _count + i + tailLines) % tailLines;
                        lines.Add(new string(_lines[slot], 0, _lengths[slot]));
                    }

                    if (_partial.Length > 0)
                    {
                        lines.Add(_partial.ToString());
                        if (lines.Count > tailLines)
                        {
                            lines.RemoveAt(0);
                        }
                    }

                    return lines;
                }
            }
        }

        public override void Write(char value) => Write(new ReadOnlySpan<char>(in value));

        public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

        public override void Write(string? value) => Write(value.AsSpan());

        public override void Write(ReadOnlySpan<char> buffer)
        {
            lock (_lock)
            {
                file.Write(buffer);
                _length += buffer.Length;
                KeepTail(buffer);
            }
        }

        public override void Flush()
        {
            lock (_lock)
            {
                file.Flush();
            }
        }

        public override async ValueTask DisposeAsync()
        {
            await file.DisposeAsync().ConfigureAwait(false);
            await base.DisposeAsync().ConfigureAwait(false);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                file.Dispose();
            }

            base.Dispose(disposing);
        }

        private void KeepTail(ReadOnlySpan<char> text)
        {
            if (tailLines == 0)
            {
                return;
            }

            while (!text.IsEmpty)
            {
                var end = text.IndexOfAny('\n', '\r');
                var piece = end < 0 ? text : text[..end];
                var room = MaxTailLineLength - _partial.Length;
                if (room > 0)
                {
                    _partial.Append(piece[..Math.Min(room, piece.Length)]);
                    if (piece.Length > room)
                    {
                        _partial.Append('…');
                    }
                }

                if (end < 0)
                {
                    return;
                }

                // "\r\n" ends one line; a lone "\r" (a progress bar redrawing its line) starts the line over.
                if (text[end] == '\r' && (end + 1 >= text.Length || text[end + 1] != '\n'))
                {
                    _partial.Clear();
                    text = text[(end + 1)..];
                    continue;
                }

                var line = _lines[_next] ??= new char[MaxTailLineLength + 1];
                _partial.CopyTo(0, line, _partial.Length);
                _lengths[_next] = _partial.Length;
                _next = (_next + 1) % tailLines;
                _count = Math.Min(_count + 1, tailLines);
                _partial.Clear();

                text = text[(end + (text[end] == '\r' ? 2 : 1))..];
            }
        }
    }
}
