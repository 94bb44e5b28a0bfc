using System.Text;

namespace Capstan.Runtime.Logs;

/// <summary>
/// The end of a stream's pipeline in the shim: receives masked text and writes it to the log a line at a time. A line
/// longer than <see cref="MaxLineLength"/> is cut into several; the text is masked before it gets here, so a cut
/// never splits a secret in a way that shows it. Disposing writes an unfinished last line. Not thread-safe: one per
/// stream.
/// </summary>
internal sealed class LogLineWriter : TextWriter
{
    public const int MaxLineLength = 64 * 1024;

    private readonly RotatingLogWriter _log;
    private readonly string _stream;
    private readonly StringBuilder _line = new();

    public LogLineWriter(RotatingLogWriter log, string stream)
    {
        _log = log;
        _stream = stream;
    }

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value) => Write(new ReadOnlySpan<char>(in value));

    public override void Write(char[] buffer, int index, int count)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        Write(buffer.AsSpan(index, count));
    }

    public override void Write(string? value) => Write(value.AsSpan());

    public override void Write(ReadOnlySpan<char> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var newline = buffer.IndexOf('\n');
            if (newline < 0)
            {
                Append(buffer);
                return;
            }

            Append(buffer[..newline]);
            Emit();
            buffer = buffer[(newline + 1)..];
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _line.Length > 0)
        {
            Emit();
        }

        base.Dispose(disposing);
    }

    private void Append(ReadOnlySpan<char> text)
    {
        while (!text.IsEmpty)
        {
            var take = Math.Min(text.Length, MaxLineLength - _line.Length);
            _line.Append(text[..take]);
            text = text[take..];
            if (_line.Length == MaxLineLength)
            {
                Emit();
            }
        }
    }

    private void Emit()
    {
        if (_line.Length > 0 && _line[^1] == '\r')
        {
            _line.Length--; // CRLF line ends
        }

        _log.Append(_stream, _line.ToString());
        _line.Clear();
    }
}
