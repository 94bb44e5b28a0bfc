using Capstan.Secrets.Dotenv;

namespace Capstan.Secrets.Tests.Dotenv;

public class DotenvFileTests
{
    [Fact]
    public void Parse_ReadsEveryForm()
    {
        var (values, errors) = DotenvFile.Parse("""
            # a comment
            PLAIN=value
            export EXPORTED=yes
            SPACED = spaced out   # a trailing comment
            SINGLE='literal $HOME \n kept'
            DOUBLE="line one\nline two \"quoted\" \$HOME"
            MULTI="first
            second"
            EMPTY=
            HASH_IN_VALUE=abc#def
            """);

        errors.ShouldBeEmpty();
        values.ShouldBe(
        [
            new("PLAIN", "value"),
            new("EXPORTED", "yes"),
            new("SPACED", "spaced out"),
            new("SINGLE", "literal $HOME \\n kept"),
            new("DOUBLE", "line one\nline two \"quoted\" $HOME"),
            new("MULTI", "first\nsecond"),
            new("EMPTY", ""),
            new("HASH_IN_VALUE", "abc#def"),
        ]);
    }

    [Fact]
    public void Parse_NamesEveryLineItCannotRead_WithoutEchoingValues()
    {
        var (_, errors) = DotenvFile.Parse("""
            GOOD=1
            just-a-token-pasted-here
            MY-KEY=secret-value
            OPEN='never closed
            DUP=1
            DUP=2
            QUOTE="closed" trailing
            LAST="never closed
            """);

        errors.Select(e => e.ToString()).ShouldBe(
        [
            "line 2: expected NAME=value",
            "line 3: 'MY-KEY' is not a variable name (letters, digits and _, not starting with a digit)",
            "line 4: a single-quoted value is never closed on its line",
            "line 6: DUP is already set on line 5",
            "line 7: unexpected text after the closing quote",
            "line 8: a double-quoted value is never closed",
        ]);
        string.Join('\n', errors).ShouldNotContain("secret-value");
        string.Join('\n', errors).ShouldNotContain("just-a-token");
    }

    [Fact]
    public void Write_ThenParse_GivesEveryValueBackExactly()
    {
        var random = new Random(42);
        const string alphabet = "ab $\\\"'`\n\t\r#=é中";
        var values = Enumerable.Range(0, 300)
            .Select(i => new KeyValuePair<string, string>($"K{i}", new string([.. Enumerable.Range(0, random.Next(0, 30)).Select(_ => alphabet[random.Next(alphabet.Length)])])))
            .ToList();

        var (read, errors) = DotenvFile.Parse(DotenvFile.Write(values));

        errors.ShouldBeEmpty();
        read.ShouldBe(values);
    }
}
