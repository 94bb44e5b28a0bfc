using System.Text;
using Capstan.Secrets.Masking;

namespace Capstan.Secrets.Tests.Masking;

/// <summary>
/// The fast masker against a reference that anyone can check by reading it, on thousands of random texts built
/// from a tiny alphabet, so that occurrences, overlaps and secrets inside secrets are the rule, not the exception.
/// </summary>
public sealed class SecretMaskerPropertyTests
{
    private const string Alphabet = "aab\n";

    [Fact]
    public void Mask_GivesWhatTheReferenceGives_OnRandomTexts()
    {
        var random = new Random(20261122);
        for (var round = 0; round < 300; round++)
        {
            var masker = SecretMasker.Create(RandomSecrets(random));
            var patterns = masker.Patterns.ToArray();
            for (var i = 0; i < 20; i++)
            {
                var text = RandomText(random, patterns);

                masker.Mask(text).ShouldBe(Reference(text, patterns), $"round {round}, text '{text}'");
            }
        }
    }

    [Fact]
    public void TheWriter_GivesWhatTheReferenceGives_WhateverTheWritesFlushesAndBufferLength()
    {
        var random = new Random(112026);
        for (var round = 0; round < 300; round++)
        {
            var masker = SecretMasker.Create(RandomSecrets(random));
            var patterns = masker.Patterns.ToArray();
            for (var i = 0; i < 10; i++)
            {
                var text = RandomText(random, patterns);
                var output = new StringWriter();

                // A tiny buffer makes long lines go out in pieces all the time.
                using (var writer = new MaskingTextWriter(masker, output, leaveOpen: false, lineBufferLength: random.Next(1, 40)))
                {
                    for (var at = 0; at < text.Length;)
                    {
                        var size = Math.Min(random.Next(1, 9), text.Length - at);
                        writer.Write(text.AsSpan(at, size));
                        at += size;
                        if (random.Next(4) == 0)
                        {
                            writer.Flush();
                        }
                    }
                }

                output.ToString().ShouldBe(Reference(text, patterns), $"round {round}, text '{text}'");
            }
        }
    }

    [Fact]
    public void TheReference_ReplacesTheLeftmostLongestAndGoesOnAfterIt()
    {
        Reference("xabcabcdabc", ["abc", "abcd", "cab"]).ShouldBe("x*********");
        Reference("cabc", ["abc", "cab"]).ShouldBe("***c");
    }

    /// <summary>At each position, the longest pattern that starts there is replaced and the scan goes on after it.</summary>
    private static string Reference(string text, IReadOnlyCollection<string> patterns)
    {
        var result = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            var longest = patterns
                .Where(p => text.AsSpan(i).StartsWith(p))
                .MaxBy(p => p.Length);
            if (longest is null)
            {
                result.Append(text[i]);
                i++;
            }
            else
            {
                result.Append(SecretMasker.Replacement);
                i += longest.Length;
            }
        }

        return result.ToString();
    }

    private static List<string> RandomSecrets(Random random)
    {
        var secrets = new List<string>();
        for (var n = random.Next(1, 5); n > 0; n--)
        {
            // Mostly one line long enough, sometimes a short one (not masked) or a multi-line one.
            var length = random.Next(SecretMasker.MinimumLength - 2, SecretMasker.MinimumLength + 5);
            secrets.Add(RandomString(random, length, random.Next(5) == 0 ? Alphabet : "aab"));
        }

        return secrets;
    }

    private static string RandomText(Random random, string[] patterns)
    {
        var text = new StringBuilder();
        for (var parts = random.Next(0, 12); parts > 0; parts--)
        {
            // Whole patterns, pieces of patterns (which overlap with what comes next) and noise.
            var pattern = patterns.Length == 0 ? "" : patterns[random.Next(patterns.Length)];
            text.Append(random.Next(3) switch
            {
                0 => pattern,
                1 => pattern[..random.Next(pattern.Length)],
                _ => RandomString(random, random.Next(0, 8), Alphabet),
            });
        }

        return text.ToString();
    }

    private static string RandomString(Random random, int length, string alphabet)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = alphabet[random.Next(alphabet.Length)];
        }

        return new string(chars);
    }
}
