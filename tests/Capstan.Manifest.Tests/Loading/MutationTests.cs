using Capstan.Testing;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Capstan.Manifest.Tests.Loading;

/// <summary>
/// Thousands of seeded mutations of the example manifest: none may crash or hang the loader, and every diagnostic
/// must point inside the file. Mutation <c>i</c> uses <c>new Random(BaseSeed + i)</c>; a failure prints that seed and
/// the mutation, and <see cref="Mutate"/> replays it.
/// </summary>
public sealed partial class MutationTests(ITestOutputHelper output)
{
    // CAPSTAN_MUTATION_SEED and CAPSTAN_MUTATION_COUNT explore further (a different seed, more mutations) without editing the test.
    private static readonly int BaseSeed = FromEnvironment("CAPSTAN_MUTATION_SEED", 20_261_122);
    private static readonly int Count = FromEnvironment("CAPSTAN_MUTATION_COUNT", 2_000);
    // A hang detector, not a speed check (speed is in bench/): generous enough that a machine saturated by parallel
    // test assemblies (1 s was exceeded there) never trips it, while a real hang still ends the parse.
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    private enum Kind
    {
        ByteFlip,
        Truncation,
        DeletedLine,
        DuplicatedLine,
    }

    [Fact]
    public async Task MutationsOfTheExample_NeverCrashOrHang_AndEveryDiagnosticIsLocated()
    {
        var original = File.ReadAllBytes(Path.Combine(RepositoryRoot.Path, "examples", "hello", "capstan.yaml"));

        // Warm up (JIT, regexes, static initialisers) so that the time limit measures the loader, not the runtime.
        ManifestLoader.Parse(original).Manifest.ShouldNotBeNull();
        for (var i = 0; i < 40; i++)
        {
            _ = ManifestLoader.Parse(Mutate(original, -1 - i).Bytes);
        }

        // Mutations run on every core; each parse runs on its own task, awaited with the hard time limit.
        var outcomes = new Outcome[Count];
        var total = Stopwatch.StartNew();
        var options = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = TestContext.Current.CancellationToken };
        await Parallel.ForAsync(0, Count, options, async (i, token) =>
        {
            var mutation = Mutate(original, i);
            var replay = $"seed {BaseSeed + i} (mutation {i}): {mutation.Description}";
            var watch = Stopwatch.StartNew();
            var work = Task.Run(() => ManifestLoader.Parse(mutation.Bytes), CancellationToken.None);
            try
            {
                var result = await work.WaitAsync(Limit, token);
                outcomes[i] = new Outcome(mutation.Kind, replay, result, null, watch.Elapsed, [.. Check(result, mutation.Bytes)]);
            }
            catch (TimeoutException) when (!work.IsCompleted)
            {
                outcomes[i] = new Outcome(mutation.Kind, replay, null, null, watch.Elapsed, [$"the loader took more than {Limit.TotalSeconds} s (a hang?)"]);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                outcomes[i] = new Outcome(mutation.Kind, replay, null, ex, watch.Elapsed, [$"threw {ex.GetType().Name}: {ex.Message}\n{ex.StackTrace}"]);
            }
        }).WaitAsync(TimeSpan.FromSeconds(Math.Max(120, Count / 10)), TestContext.Current.CancellationToken);

        var failures = outcomes.SelectMany(o => o.Problems.Select(p => $"{o.Replay}\n    {p}")).ToList();
        var valid = outcomes.Count(o => o.Result?.Manifest is not null);
        var invalid = outcomes.Count(o => o.Result is { Manifest: null });
        var kinds = outcomes.GroupBy(o => o.Kind).ToDictionary(g => g.Key, g => g.Count());
        var codes = new SortedDictionary<string, int>(
            outcomes.Where(o => o.Result is not null).SelectMany(o => o.Result!.Diagnostics.Select(d => d.Code).Distinct())
                .GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count()),
            StringComparer.Ordinal);
        var slowest = outcomes.MaxBy(o => o.Elapsed)!;

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Count} mutations in {total.Elapsed.TotalSeconds:0.0} s (base seed {BaseSeed}): {valid} valid, {invalid} invalid"));
        output.WriteLine("kinds: " + string.Join(", ", kinds.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}")));
        output.WriteLine("codes (mutations reporting each): " + string.Join(", ", codes.Select(c => $"{c.Key} {c.Value}")));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"slowest: {slowest.Elapsed.TotalMilliseconds:0} ms, {slowest.Replay}"));

        failures.ShouldBeEmpty($"{failures.Count} failures; the first ones:\n" + string.Join("\n\n", failures.Take(10)));
        valid.ShouldBeGreaterThan(0, "some mutations (in comments, duplicated blank lines...) leave the manifest valid");
        invalid.ShouldBeGreaterThan(Count / 4);
        kinds.Values.ShouldAllBe(n => n >= Count / 5);
    }

    [Fact]
    public void AMutation_IsTheSameEveryTimeItIsReplayed()
    {
        var original = Encoding.UTF8.GetBytes("version: 1\napp: hello\nservices:\n  web:\n    run: x\n");

        for (var i = 0; i < 8; i++)
        {
            Mutate(original, i).Bytes.ShouldBe(Mutate(original, i).Bytes);
            Mutate(original, i).Description.ShouldBe(Mutate(original, i).Description);
        }
    }

    /// <summary>The <paramref name="index"/>-th mutation: kinds rotate so that each is a quarter of the whole.</summary>
    private static (Kind Kind, string Description, byte[] Bytes) Mutate(byte[] original, int index)
    {
        var random = new Random(BaseSeed + index);
        var kind = (Kind)(((index % 4) + 4) % 4);
        switch (kind)
        {
            case Kind.ByteFlip:
            {
                var bytes = (byte[])original.Clone();
                var offset = random.Next(bytes.Length);
                var value = (byte)random.Next(256);
                var before = bytes[offset];
                bytes[offset] = value;
                return (kind, string.Create(CultureInfo.InvariantCulture, $"byte at offset {offset} ({Where(original, offset)}) set from 0x{before:X2} to 0x{value:X2}"), bytes);
            }

            case Kind.Truncation:
            {
                var length = random.Next(original.Length);
                return (kind, string.Create(CultureInfo.InvariantCulture, $"truncated to {length} bytes ({Where(original, length)})"), original[..length]);
            }

            default:
            {
                var lines = SplitLines(original);
                var line = random.Next(lines.Count);
                var mutated = new List<byte[]>(lines);
                if (kind == Kind.DeletedLine)
                {
                    mutated.RemoveAt(line);
                }
                else
                {
                    mutated.Insert(line, lines[line]);
                }

                var text = Encoding.UTF8.GetString(lines[line]).TrimEnd('\n');
                return (kind, string.Create(CultureInfo.InvariantCulture, $"{(kind == Kind.DeletedLine ? "deleted" : "duplicated")} line {line + 1}: \"{text}\""), [.. mutated.SelectMany(l => l)]);
            }
        }
    }

    /// <summary>Every broken invariant of one result.</summary>
    private static IEnumerable<string> Check(ManifestLoadResult result, byte[] bytes)
    {
        var lines = LineCount(bytes);
        foreach (var d in result.Diagnostics)
        {
            if (d.Line < 1 || d.Line > lines + 1)
            {
                yield return $"line {d.Line} is outside 1..{lines + 1}: {d}";
            }

            if (d.Column < 1)
            {
                yield return $"column {d.Column} is below 1: {d}";
            }

            if (!CodePattern().IsMatch(d.Code))
            {
                yield return $"code '{d.Code}' is not CAPnnn: {d}";
            }

            if (string.IsNullOrWhiteSpace(d.Message))
            {
                yield return $"empty message: {d}";
            }

            if (d.File != ManifestLoader.FileName)
            {
                yield return $"file '{d.File}' is not {ManifestLoader.FileName}: {d}";
            }
        }

        var sorted = result.Diagnostics.OrderBy(d => d.Line).ThenBy(d => d.Column).ToList();
        if (!sorted.SequenceEqual(result.Diagnostics))
        {
            yield return "diagnostics are not in file order:\n      " + string.Join("\n      ", result.Diagnostics);
        }

        var hasErrors = result.Diagnostics.Any(d => d.IsError);
        if (hasErrors && result.Manifest is not null)
        {
            yield return "a manifest came out despite errors:\n      " + string.Join("\n      ", result.Errors);
        }

        if (!hasErrors && result.Manifest is null)
        {
            yield return "no manifest came out, yet no error says why";
        }
    }

    /// <summary>Lines as YAML counts them: CRLF, CR, LF, NEL, LS and PS all end one.</summary>
    private static int LineCount(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        var count = 1;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '\r' when i + 1 < text.Length && text[i + 1] == '\n':
                    break;
                case '\r' or '\n' or '\u0085' or '\u2028' or '\u2029':
                    count++;
                    break;
            }
        }

        return count;
    }

    private static List<byte[]> SplitLines(byte[] bytes)
    {
        var lines = new List<byte[]>();
        var start = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n')
            {
                lines.Add(bytes[start..(i + 1)]);
                start = i + 1;
            }
        }

        if (start < bytes.Length)
        {
            lines.Add(bytes[start..]);
        }

        return lines;
    }

    private static string Where(byte[] bytes, int offset)
    {
        var before = bytes.AsSpan(0, Math.Min(offset, bytes.Length));
        var line = before.Count((byte)'\n') + 1;
        var column = before.Length - (before.LastIndexOf((byte)'\n') + 1) + 1;
        return string.Create(CultureInfo.InvariantCulture, $"line {line}, column {column}");
    }

    private static int FromEnvironment(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : fallback;

    private sealed record Outcome(Kind Kind, string Replay, ManifestLoadResult? Result, Exception? Crash, TimeSpan Elapsed, string[] Problems);

    [GeneratedRegex(@"^CAP\d{3}$")]
    private static partial Regex CodePattern();
}
