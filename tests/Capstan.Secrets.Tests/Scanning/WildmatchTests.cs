using System.Text;
using Capstan.Secrets.Scanning;

namespace Capstan.Secrets.Tests.Scanning;

/// <summary>
/// The glob matcher on cases from git's own wildmatch tests (t3070), with pathname semantics as .gitignore uses them;
/// the oracle tests check the rest against git itself.
/// </summary>
public sealed class WildmatchTests
{
    [Theory]
    [InlineData("foo", "foo", true)]
    [InlineData("bar", "foo", false)]
    [InlineData("???", "foo", true)]
    [InlineData("??", "foo", false)]
    [InlineData("*", "foo", true)]
    [InlineData("f*", "foo", true)]
    [InlineData("*f", "foo", false)]
    [InlineData("*foo*", "foo", true)]
    [InlineData("*ob*a*r*", "foobar", true)]
    [InlineData("*ab", "aaaaaaabababab", true)]
    [InlineData(@"foo\*", "foo*", true)]
    [InlineData(@"foo\*bar", "foobar", false)]
    [InlineData(@"f\\oo", @"f\oo", true)]
    [InlineData("*[al]?", "ball", true)]
    [InlineData("[ten]", "ten", false)]
    [InlineData("**[!te]", "ten", true)]
    [InlineData("**[!ten]", "ten", false)]
    [InlineData("t[a-g]n", "ten", true)]
    [InlineData("t[!a-g]n", "ten", false)]
    [InlineData("t[!a-g]n", "ton", true)]
    [InlineData("t[^a-g]n", "ton", true)]
    [InlineData("a[]]b", "a]b", true)]
    [InlineData("a[]-]b", "a-b", true)]
    [InlineData("a[]-]b", "a]b", true)]
    [InlineData("a[]-]b", "aab", false)]
    [InlineData("a[]a-]b", "aab", true)]
    [InlineData("]", "]", true)]
    [InlineData("foo*bar", "foo/baz/bar", false)]
    [InlineData("foo**bar", "foo/baz/bar", false)]
    [InlineData("foo?bar", "foo/bar", false)]
    [InlineData("foo[/]bar", "foo/bar", false)]
    [InlineData("f[^eiu][^eiu][^eiu][^eiu][^eiu]r", "foo/bar", false)]
    [InlineData("f[^eiu][^eiu][^eiu][^eiu][^eiu]r", "foo-bar", true)]
    [InlineData("**/foo", "foo", true)]
    [InlineData("**/foo", "XXX/foo", true)]
    [InlineData("**/foo", "bar/baz/foo", true)]
    [InlineData("*/foo", "bar/baz/foo", false)]
    [InlineData("**/bar*", "foo/bar/baz", false)]
    [InlineData("**/bar/*", "deep/foo/bar/baz", true)]
    [InlineData("**/bar/*", "deep/foo/bar/baz/", false)]
    [InlineData("**/bar/**", "deep/foo/bar/baz/", true)]
    [InlineData("**/bar/*", "deep/foo/bar", false)]
    [InlineData("**/bar/**", "deep/foo/bar/", true)]
    [InlineData("**/bar**", "foo/bar/baz", false)]
    [InlineData("*/bar/**", "deep/foo/bar/baz/x", false)]
    [InlineData("**/bar/*/*", "deep/foo/bar/baz/x", true)]
    [InlineData("a/**/b", "a/b", true)]
    [InlineData("a/**/b", "a/x/y/b", true)]
    [InlineData("[[:alpha:]][[:digit:]][[:upper:]]", "a1B", true)]
    [InlineData("[[:digit:][:upper:][:space:]]", "a", false)]
    [InlineData("[[:digit:][:upper:][:space:]]", "A", true)]
    [InlineData("[[:digit:][:upper:][:space:]]", " ", true)]
    [InlineData("[[:xdigit:]]", "5", true)]
    [InlineData("[[:xdigit:]]", "f", true)]
    [InlineData("[[:xdigit:]]", "g", false)]
    [InlineData("[[:nope:]]", "a", false)]
    [InlineData("[a-c", "b", false)]
    [InlineData(@"[\]]", "]", true)]
    [InlineData(@"[\-_]", "-", true)]
    [InlineData("-*-*-*-*-*-*-12-*-*-*-m-*-*-*", "-adobe-courier-bold-o-normal--12-120-75-75-m-70-iso8859-1", true)]
    [InlineData("-*-*-*-*-*-*-12-*-*-*-m-*-*-*", "-adobe-courier-bold-o-normal--12-120-75-75-X-70-iso8859-1", false)]
    [InlineData("XXX/*/*/*/*/*/*/12/*/*/*/m/*/*/*", "XXX/adobe/courier/bold/o/normal//12/120/75/75/m/70/iso8859/1", true)]
    [InlineData("**/*a*b*g*n*t", "abcd/abcdefg/abcdefghijk/abcdefghijklmnop.txt", true)]
    [InlineData("**/*a*b*g*n*t", "abcd/abcdefg/abcdefghijk/abcdefghijklmnop.txtz", false)]
    public void Pattern_MatchesAsGitDoes(string pattern, string text, bool matches) =>
        Wildmatch.IsMatch(Encoding.UTF8.GetBytes(pattern), Encoding.UTF8.GetBytes(text), pathname: true).ShouldBe(matches);

    [Fact]
    public void ManyStars_AgainstALongNearMiss_FinishAtOnce()
    {
        var pattern = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("*a", 30)) + "b");
        var text = Encoding.UTF8.GetBytes(new string('a', 10_000));

        Wildmatch.IsMatch(pattern, text, pathname: true).ShouldBeFalse();
    }
}
