using System.Text;

namespace Capstan.Secrets.Masking;

/// <summary>
/// Masks text on its way to another writer (<see cref="SecretMasker.Wrap"/>). No secret form contains a line
/// break, so text is decided a line at a time: the current line is held until its end. A line that outgrows the
/// buffer goes out in pieces, all but its last (longest form − 1) characters, which is all a secret starting in
/// the part written out could need. Memory is the buffer, whatever the input.
/// </summary>
internal sealed class MaskingTextWriter : TextWriter
{
    internal const int DefaultLineBufferLength = 64 * 1024;

    private readonly SecretMasker _masker;
    private readonly MultiPatternMatcher? _matcher;
    private readonly TextWriter _inner;
    private readonly bool _leaveOpen;
    private readonly char[] _buffer;
    private readonly int _keepBack;

    // _buffer[.._length] holds text not yet written. After Decide, _buffer[.._ready] is masked output that stands
    // for the first _decided characters of that text (masking in place never writes ahead of where it reads).
    private int _length;
    private int _ready;
    private int _decided;
    private bool _disposed;

    public MaskingTextWriter(SecretMasker masker, TextWriter inner, bool leaveOpen, int lineBufferLength)
        : base(inner.FormatProvider)
    {
        _masker = masker;
        _matcher = masker.Matcher;
        _inner = inner;
        _leaveOpen = leaveOpen;
        _keepBack = Math.Max(0, masker.LongestPatternLength - 1);
        _buffer = _matcher is null ? [] : new char[Math.Max(lineBufferLength, 2 * masker.LongestPatternLength)];
        NewLine = inner.NewLine;
    }

    public override Encoding Encoding => _inner.Encoding;

    /// <summary>The most characters the writer ever holds; for tests.</summary>
    internal int BufferCapacity => _buffer.Length;

    public override void Write(char value) => Write(new ReadOnlySpan<char>(in value));

    public override void Write(char[] buffer, int index, int count)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        Write(buffer.AsSpan(index, count));
    }

    public override void Write(string? value) => Write(value.AsSpan());

    public override void Write(ReadOnlySpan<char> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_matcher is null)
        {
            _inner.Write(buffer);
            return;
        }

        while (!buffer.IsEmpty)
        {
            buffer = buffer[Accept(buffer)..];
            if (_decided > 0)
            {
                _inner.Write(_buffer, 0, _ready);
                Compact();
            }
        }
    }

    public override void WriteLine(ReadOnlySpan<char> buffer)
    {
        Write(buffer);
        Write(CoreNewLine);
    }

    public override Task WriteAsync(char value) => WriteAsync(new string(value, 1).AsMemory());

    public override Task WriteAsync(string? value) => WriteAsync(value.AsMemory());

    public override Task WriteAsync(char[] buffer, int index, int count)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        return WriteAsync(buffer.AsMemory(index, count));
    }

    public override Task WriteAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _matcher is null ? _inner.WriteAsync(buffer, cancellationToken) : WriteMaskedAsync(buffer, cancellationToken);
    }

    public override Task WriteLineAsync() => WriteAsync(CoreNewLine.AsMemory());

    public override Task WriteLineAsync(char value) => WriteLineAsync(new string(value, 1).AsMemory());

    public override Task WriteLineAsync(string? value) => WriteLineAsync(value.AsMemory());

    public override Task WriteLineAsync(char[] buffer, int index, int count)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        return WriteLineAsync(buffer.AsMemory(index, count));
    }

    public override async Task WriteLineAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default)
    {
        await WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        await WriteAsync(CoreNewLine.AsMemory(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes out everything except an unfinished secret at the very end (the end of the text that is the
    /// beginning of a secret form): writing that out would leak the secret if the rest came in the next write.
    /// </summary>
    public override void Flush()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (DecideAllButPartialMatch())
        {
            _inner.Write(_buffer, 0, _ready);
            Compact();
        }

        _inner.Flush();
    }

    public override Task FlushAsync() => FlushAsync(CancellationToken.None);

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (DecideAllButPartialMatch())
        {
            await _inner.WriteAsync(_buffer.AsMemory(0, _ready), cancellationToken).ConfigureAwait(false);
            Compact();
        }

        await _inner.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            if (DecideAll())
            {
                await _inner.WriteAsync(_buffer.AsMemory(0, _ready)).ConfigureAwait(false);
                Compact();
            }

            await _inner.FlushAsync().ConfigureAwait(false);
            if (!_leaveOpen)
            {
                await _inner.DisposeAsync().ConfigureAwait(false);
            }
        }

        Dispose(disposing: false);
        GC.SuppressFinalize(this);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            if (DecideAll())
            {
                _inner.Write(_buffer, 0, _ready);
                Compact();
            }

            _inner.Flush();
            if (!_leaveOpen)
            {
                _inner.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    private async Task WriteMaskedAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            buffer = buffer[Accept(buffer.Span)..];
            if (_decided > 0)
            {
                await _inner.WriteAsync(_buffer.AsMemory(0, _ready), cancellationToken).ConfigureAwait(false);
                Compact();
            }
        }
    }

    /// <summary>Takes in what fits of <paramref name="text"/> and decides what can be written; returns how much it took.</summary>
    private int Accept(ReadOnlySpan<char> text)
    {
        var taken = Math.Min(text.Length, _buffer.Length - _length);
        text[..taken].CopyTo(_buffer.AsSpan(_length));
        var lastBreak = _buffer.AsSpan(_length, taken).LastIndexOfAny('\r', '\n');
        _length += taken;
        if (lastBreak >= 0)
        {
            // No form contains a line break: up to the last one, everything is decided.
            var end = _length - taken + lastBreak + 1;
            Decide(end, end);
        }
        else if (_length == _buffer.Length)
        {
            // A secret starting before the limit ends inside the buffer; one starting after it waits for more text.
            Decide(_length, _length - _keepBack);
        }

        return taken;
    }

    private bool DecideAllButPartialMatch()
    {
        if (_matcher is null || _length == 0)
        {
            return false;
        }

        Decide(_length, _length - _matcher.PartialMatchLength(_buffer.AsSpan(0, _length)));
        return _decided > 0;
    }

    private bool DecideAll()
    {
        if (_length == 0)
        {
            return false;
        }

        Decide(_length, _length);
        return true;
    }

    private void Decide(int textLength, int limit) =>
        _ready = _masker.MaskPrefix(_buffer.AsSpan(0, textLength), limit, _buffer, out _decided);

    private void Compact()
    {
        _buffer.AsSpan(_decided, _length - _decided).CopyTo(_buffer);
        _length -= _decided;
        _ready = 0;
        _decided = 0;
    }
}
