using System.Buffers;
using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using Capstan.Secrets.Masking;

namespace Capstan.Benchmarks;

/// <summary>
/// Masking a 100 MB pipeline log (a million realistic lines) that knows 100 secrets, two of them multi-line keys,
/// which show up in about one line in a thousand, raw or encoded. Against the naive way: one
/// <see cref="string.Replace(string, string)"/> per secret (the baseline), per secret and encoded form, or per line;
/// and against the BCL's multi-string search (<see cref="SearchValues{T}"/> of strings) over the same forms.
/// </summary>
[MemoryDiagnoser]
public class SecretMaskerBenchmarks
{
    /// <summary>ASCII, so 100 MB as UTF-8 too.</summary>
    public const int LogLength = 100_000_000;

    // What a pipeline reads from a child's output at a time.
    private const int WriteLength = 4096;

    private string _log = "";
    private string[] _lines = [];
    private string[] _secretLines = [];
    private string[] _forms = [];
    private SecretMasker _masker = SecretMasker.Empty;
    private SecretMasker _maskerWithAShortSecret = SecretMasker.Empty;
    private SearchValues<string> _searchValues = SearchValues.Create([], StringComparison.Ordinal);
    private Dictionary<char, string[]> _formsByFirstChar = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(20261122);
        var secrets = new List<string>();
        for (var i = 0; i < 98; i++)
        {
            secrets.Add(Token(random, random.Next(20, 41)));
        }

        secrets.Add(PemKey(random, "RSA PRIVATE KEY", 5));
        secrets.Add(PemKey(random, "CERTIFICATE", 4));

        _masker = SecretMasker.Create(secrets);

        // The search skips ahead by up to the shortest form's length, so one short secret slows every line.
        _maskerWithAShortSecret = SecretMasker.Create(secrets.Append("x9Kq2z"));
        _secretLines = [.. secrets.SelectMany(s => s.Split('\n', StringSplitOptions.RemoveEmptyEntries))];
        _forms = [.. secrets.SelectMany(Forms).Distinct(StringComparer.Ordinal)];
        _searchValues = SearchValues.Create(_forms, StringComparison.Ordinal);
        _formsByFirstChar = _forms.GroupBy(f => f[0]).ToDictionary(g => g.Key, g => g.OrderByDescending(f => f.Length).ToArray());
        _log = Log(random, secrets);
        _lines = _log.Split('\n');

        var masked = _masker.Mask(_log);
        if (_secretLines.Any(s => masked.Contains(s, StringComparison.Ordinal)) || masked.Length == _log.Length)
        {
            throw new InvalidOperationException("the masker must mask every secret of the log");
        }
    }

    [Benchmark(Description = "SecretMasker writer, 4 KiB writes")]
    public void Writer()
    {
        using var writer = _masker.Wrap(TextWriter.Null);
        var log = _log.AsSpan();
        for (var at = 0; at < log.Length; at += WriteLength)
        {
            writer.Write(log.Slice(at, Math.Min(WriteLength, log.Length - at)));
        }
    }

    [Benchmark(Description = "SecretMasker writer, 4 KiB writes, one secret of 6 chars added")]
    public void WriterWithAShortSecret()
    {
        using var writer = _maskerWithAShortSecret.Wrap(TextWriter.Null);
        var log = _log.AsSpan();
        for (var at = 0; at < log.Length; at += WriteLength)
        {
            writer.Write(log.Slice(at, Math.Min(WriteLength, log.Length - at)));
        }
    }

    [Benchmark(Description = "SecretMasker.Mask(string), line by line")]
    public int MaskLines()
    {
        var length = 0;
        foreach (var line in _lines)
        {
            length += _masker.Mask(line).Length;
        }

        return length;
    }

    [Benchmark(Baseline = true, Description = "naive: string.Replace per secret, whole log")]
    public int ReplacePerSecret()
    {
        var log = _log;
        foreach (var secret in _secretLines)
        {
            log = log.Replace(secret, SecretMasker.Replacement, StringComparison.Ordinal);
        }

        return log.Length;
    }

    [Benchmark(Description = "naive: string.Replace per secret and encoded form, whole log")]
    public int ReplacePerForm()
    {
        var log = _log;
        foreach (var form in _forms)
        {
            log = log.Replace(form, SecretMasker.Replacement, StringComparison.Ordinal);
        }

        return log.Length;
    }

    [Benchmark(Description = "naive: string.Replace per secret, line by line")]
    public int ReplacePerSecretPerLine()
    {
        var length = 0;
        foreach (var line in _lines)
        {
            var masked = line;
            foreach (var secret in _secretLines)
            {
                masked = masked.Replace(secret, SecretMasker.Replacement, StringComparison.Ordinal);
            }

            length += masked.Length;
        }

        return length;
    }

    [Benchmark(Description = "BCL SearchValues<string>.IndexOfAny, same forms, whole log")]
    public void SearchValuesMask()
    {
        var log = _log.AsSpan();
        var output = TextWriter.Null;
        var read = 0;
        while (true)
        {
            var found = log[read..].IndexOfAny(_searchValues);
            if (found < 0)
            {
                break;
            }

            var start = read + found;
            var length = LongestFormAt(log[start..]);
            output.Write(log[read..start]);
            output.Write(SecretMasker.Replacement);
            read = start + length;
        }

        output.Write(log[read..]);
    }

    private int LongestFormAt(ReadOnlySpan<char> text)
    {
        foreach (var form in _formsByFirstChar[text[0]])
        {
            if (text.StartsWith(form))
            {
                return form.Length;
            }
        }

        throw new InvalidOperationException("IndexOfAny found a form that does not start here");
    }

    /// <summary>The forms a careful naive masker would replace: each line of the value, its base64 and URL forms.</summary>
    private static IEnumerable<string> Forms(string secret)
    {
        var base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(secret));
        return secret.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Append(base64)
            .Append(base64.TrimEnd('=').Replace('+', '-').Replace('/', '_'))
            .Append(Uri.EscapeDataString(secret));
    }

    private static string Log(Random random, List<string> secrets)
    {
        string[] levels = ["INFO ", "INFO ", "INFO ", "DEBUG", "WARN ", "ERROR"];
        string[] steps = ["checkout", "restore", "build", "test", "publish", "deploy"];
        string[] paths = ["/home/capstan/work/shop/src/Shop.Api/Program.cs", "/var/lib/capstan/cache/nuget/packages", "src/Shop.Web/wwwroot/js/site.min.js", "/tmp/capstan-run-7f3a/artifacts/shop.tar.gz"];
        var start = new DateTime(2026, 11, 22, 9, 0, 0, DateTimeKind.Utc);
        var log = new StringBuilder(LogLength + 1000);
        for (var n = 0; log.Length < LogLength; n++)
        {
            log.Append(start.AddMilliseconds(n * 37).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture))
                .Append(' ').Append(levels[random.Next(levels.Length)])
                .Append(" [").Append(steps[random.Next(steps.Length)]).Append("] ");
            var secret = secrets[random.Next(secrets.Count)];
            switch (random.Next(1000) == 0 ? random.Next(5) : 5 + random.Next(5))
            {
                case 0:
                    log.Append("export TOKEN=").Append(secret.Split('\n').MaxBy(line => line.Length));
                    break;
                case 1:
                    log.Append("Authorization: Basic ").Append(Convert.ToBase64String(Encoding.UTF8.GetBytes("deploy:" + secret)));
                    break;
                case 2:
                    log.Append("GET https://registry.example.com/v2/token?secret=").Append(Uri.EscapeDataString(secret)).Append("&scope=pull");
                    break;
                case 3:
                    log.Append("{\"auth\":\"").Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(secret))).Append("\"}");
                    break;
                case 4:
                    log.Append("key material:\n").Append(secret);
                    break;
                case 5:
                    log.Append("compiled ").Append(paths[random.Next(paths.Length)]).Append(" in ").Append(random.Next(1, 900)).Append(" ms");
                    break;
                case 6:
                    log.Append("{\"event\":\"step.finished\",\"step\":\"test\",\"durationMs\":").Append(random.Next(10_000))
                        .Append(",\"passed\":").Append(random.Next(500)).Append(",\"failed\":0,\"commit\":\"").Append(Hex(random, 40)).Append("\"}");
                    break;
                case 7:
                    log.Append("Restored ").Append(paths[1]).Append("/microsoft.extensions.logging/10.0.").Append(random.Next(20))
                        .Append(" (in ").Append(random.Next(1, 300)).Append(" ms)");
                    break;
                case 8:
                    log.Append("request ").Append(new Guid(RandomBytes(random, 16))).Append(" POST /api/orders 201 ").Append(random.Next(1, 80)).Append("ms user=").Append(random.Next(100_000));
                    break;
                default:
                    log.Append("  Passed Shop.Tests.OrderTests.PlaceOrder_WithStock_ReservesItems(count: ").Append(random.Next(9)).Append(") [").Append(random.Next(1, 50)).Append(" ms]");
                    break;
            }

            log.Append('\n');
        }

        return log.ToString(0, LogLength);
    }

    private static string Token(Random random, int length)
    {
        const string Chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~+/";
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = Chars[random.Next(Chars.Length)];
        }

        return new string(chars);
    }

    private static string PemKey(Random random, string label, int lines)
    {
        var pem = new StringBuilder($"-----BEGIN {label}-----\n");
        for (var i = 0; i < lines; i++)
        {
            pem.Append(Convert.ToBase64String(RandomBytes(random, 48))).Append('\n');
        }

        return pem.Append($"-----END {label}-----\n").ToString();
    }

    private static string Hex(Random random, int length) => Convert.ToHexStringLower(RandomBytes(random, length / 2));

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
