using System.Text;
using Capstan.Secrets.Masking;
using Capstan.Testing;

namespace Capstan.Secrets.Tests.Masking;

public sealed class MaskingTextWriterTests
{
    private const string Token = "ghp_s3cr3tT0ken";
    private static readonly SecretMasker Masker = SecretMasker.Create([Token, "db-password-42"]);

    [Fact]
    public void ASecretSplitAcrossTwoWrites_IsMaskedAtEverySplitPoint()
    {
        var base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(Token));
        var text = $"before {Token} middle {base64} after\n";
        for (var split = 0; split <= text.Length; split++)
        {
            var output = new StringWriter();
            using (var writer = Masker.Wrap(output))
            {
                writer.Write(text[..split]);
                writer.Write(text[split..]);
            }

            output.ToString().ShouldBe("before *** middle *** after\n", $"split at {split}");
        }
    }

    [Fact]
    public void ASecretSplitAcrossAFlush_IsMaskedAtEverySplitPoint()
    {
        var text = $"token={Token};";
        for (var split = 0; split <= text.Length; split++)
        {
            var output = new StringWriter();
            using (var writer = Masker.Wrap(output))
            {
                writer.Write(text[..split]);
                writer.Flush();
                // Nothing of the secret goes out before the rest of it is known.
                "token=***;".ShouldStartWith(output.ToString());
                writer.Write(text[split..]);
            }

            output.ToString().ShouldBe("token=***;", $"split at {split}");
        }
    }

    [Fact]
    public void SecretsWrittenOneCharacterAtATime_AreMasked()
    {
        var text = $"a {Token} b\nc db-password-42\nd {Token}";
        var output = new StringWriter();
        using (var writer = Masker.Wrap(output))
        {
            foreach (var c in text)
            {
                writer.Write(c);
            }
        }

        output.ToString().ShouldBe("a *** b\nc ***\nd ***");
    }

    [Fact]
    public void ManySmallWritesOfRandomSizes_GiveTheSameTextAsMaskingItWhole()
    {
        var random = new Random(7);
        var text = new StringBuilder();
        for (var i = 0; i < 2_000; i++)
        {
            text.Append(random.Next(4) switch { 0 => Token, 1 => "db-password-42", 2 => "\n", _ => "log text " });
        }

        var output = new StringWriter();
        using (var writer = Masker.Wrap(output))
        {
            for (var at = 0; at < text.Length;)
            {
                var size = Math.Min(random.Next(1, 12), text.Length - at);
                writer.Write(text.ToString(at, size));
                at += size;
            }
        }

        output.ToString().ShouldBe(Masker.Mask(text.ToString()));
    }

    [Fact]
    public void CompleteLines_GoOutWithoutWaitingForFlush()
    {
        var output = new StringWriter();
        using var writer = Masker.Wrap(output);

        writer.Write($"one {Token}\ntwo ");

        output.ToString().ShouldBe("one ***\n");
    }

    [Fact]
    public void WriteLine_MasksTheLine()
    {
        var output = new StringWriter();
        using var writer = Masker.Wrap(output);

        writer.WriteLine($"one {Token}");
        writer.WriteLine($"two {Token}".AsSpan());

        output.ToString().ShouldBe($"one ***{Environment.NewLine}two ***{Environment.NewLine}");
    }

    [Fact]
    public void Flush_WritesOutAnUnfinishedLine()
    {
        var output = new StringWriter();
        using var writer = Masker.Wrap(output);

        writer.Write("progress 50%");
        writer.Flush();

        output.ToString().ShouldBe("progress 50%");
    }

    [Fact]
    public void Flush_KeepsBackTheBeginningOfASecretUntilTheRestArrives()
    {
        var output = new StringWriter();
        using var writer = Masker.Wrap(output);

        writer.Write("token=ghp_s3c");
        writer.Flush();
        output.ToString().ShouldBe("token=");

        writer.Write("r3tT0ken done.");
        writer.Flush();
        output.ToString().ShouldBe("token=*** done.");
    }

    [Fact]
    public void Dispose_WritesOutEverythingAndDisposesTheInnerWriter()
    {
        var output = new RecordingWriter();
        var writer = Masker.Wrap(output);

        writer.Write($"{Token} then ghp_s3c");
        writer.Dispose();

        output.Text.ShouldBe("*** then ghp_s3c");
        output.Flushed.ShouldBeTrue();
        output.Disposed.ShouldBeTrue();
        Should.Throw<ObjectDisposedException>(() => writer.Write("more"));
    }

    [Fact]
    public void Dispose_WithLeaveOpen_LeavesTheInnerWriterOpen()
    {
        var output = new RecordingWriter();

        using (var writer = Masker.Wrap(output, leaveOpen: true))
        {
            writer.Write(Token);
        }

        output.Text.ShouldBe("***");
        output.Disposed.ShouldBeFalse();
    }

    [Fact]
    public async Task AsyncWrites_MaskASecretSplitAcrossThem()
    {
        var output = new RecordingWriter();
        var writer = Masker.Wrap(output);

        await writer.WriteAsync("a ghp_s3c".AsMemory(), TestContext.Current.CancellationToken).DefaultTimeout();
        await writer.FlushAsync(TestContext.Current.CancellationToken).DefaultTimeout();
        output.Text.ShouldBe("a ");
        await writer.WriteLineAsync("r3tT0ken b").DefaultTimeout();
        await writer.WriteAsync('c').DefaultTimeout();
        await writer.DisposeAsync().DefaultTimeout();

        output.Text.ShouldBe($"a *** b{Environment.NewLine}c");
        output.Disposed.ShouldBeTrue();
    }

    [Fact]
    public void ALineLongerThanTheBuffer_IsMaskedAcrossEveryFlushPoint()
    {
        // 1 MB without a line break, secrets every few dozen characters: wherever the writer cuts the line to write
        // out a part and keep the rest (a little before each 64 Ki), it cuts through or near a secret.
        var random = new Random(3);
        var line = new StringBuilder();
        while (line.Length < 1 << 20)
        {
            line.Append(Token).Append('.', random.Next(0, 40));
        }

        var text = line.ToString();
        var expected = Masker.Mask(text);
        expected.ShouldNotContain(Token);

        foreach (var chunk in new[] { 1000, 4096, MaskingTextWriter.DefaultLineBufferLength + 7, 300_000 })
        {
            var output = new StringWriter();
            using (var writer = Masker.Wrap(output))
            {
                for (var at = 0; at < text.Length; at += chunk)
                {
                    writer.Write(text.AsSpan(at, Math.Min(chunk, text.Length - at)));
                }
            }

            output.ToString().ShouldBe(expected, $"chunks of {chunk}");
        }
    }

    [Fact]
    public void MemoryStaysBounded_ForA100MBLineWrittenInChunks()
    {
        // Each chunk ends with the start of the secret and the next begins with its end: every chunk boundary
        // splits a secret, and no line break ever comes.
        const int ChunkLength = 8192;
        const int Chunks = 100 * 1024 * 1024 / ChunkLength;
        var cut = Token.Length / 2;
        var chunk = Token[cut..] + new string('x', ChunkLength - Token.Length) + Token[..cut];
        var output = new CountingWriter();

        var before = GC.GetAllocatedBytesForCurrentThread();
        var writer = (MaskingTextWriter)Masker.Wrap(output);
        for (var i = 0; i < Chunks; i++)
        {
            writer.Write(chunk.AsSpan());
        }

        writer.BufferCapacity.ShouldBe(MaskingTextWriter.DefaultLineBufferLength);
        writer.Dispose();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        allocated.ShouldBeLessThan(512 * 1024, "the writer allocates its buffer once, whatever the input");
        // The first chunk starts with the end of a secret and the last ends with the start of one: unmasked.
        var masked = Chunks - 1;
        output.Masks.ShouldBe(masked);
        output.Characters.ShouldBe(((long)Chunks * ChunkLength) - (masked * (Token.Length - SecretMasker.Replacement.Length)));
    }

    [Fact]
    public void AWriterOfAnEmptyMasker_PassesTextThroughAtOnce()
    {
        var output = new StringWriter();
        using var writer = SecretMasker.Empty.Wrap(output);

        writer.Write("partial line with ghp_s3cr3tT0ken");

        output.ToString().ShouldBe("partial line with ghp_s3cr3tT0ken");
    }

    private sealed class RecordingWriter : TextWriter
    {
        private readonly StringBuilder _text = new();

        public override Encoding Encoding => Encoding.UTF8;

        public string Text => _text.ToString();

        public bool Flushed { get; private set; }

        public bool Disposed { get; private set; }

        public override void Write(char value) => _text.Append(value);

        public override void Write(ReadOnlySpan<char> buffer) => _text.Append(buffer);

        public override void Write(char[] buffer, int index, int count) => _text.Append(buffer, index, count);

        public override Task WriteAsync(ReadOnlyMemory<char> buffer, CancellationToken cancellationToken = default)
        {
            _text.Append(buffer);
            return Task.CompletedTask;
        }

        public override void Flush() => Flushed = true;

        public override Task FlushAsync(CancellationToken cancellationToken)
        {
            Flushed = true;
            return Task.CompletedTask;
        }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }

    /// <summary>Counts what is written instead of keeping it: 100 MB of output would measure the test, not the writer.</summary>
    private sealed class CountingWriter : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;

        public long Characters { get; private set; }

        public long Stars { get; private set; }

        public long Masks => Stars / SecretMasker.Replacement.Length;

        public override void Write(char value) => Write(new ReadOnlySpan<char>(in value));

        public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

        public override void Write(ReadOnlySpan<char> buffer)
        {
            Characters += buffer.Length;
            Stars += buffer.Count('*');
        }
    }
}
